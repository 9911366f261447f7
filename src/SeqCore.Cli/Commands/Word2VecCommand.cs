using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Models;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore word2vec train|neighbours|analogy</c>: trains skip-gram word vectors with negative sampling on a text
/// corpus, and queries a trained model for the nearest words (cosine) and for analogies a − b + c.
/// </summary>
internal static class Word2VecCommand
{
    /// <summary>The checkpoint the queries read.</summary>
    public static readonly TextOption Model = new("--model", "A checkpoint written by 'seqcore word2vec train' or 'seqcore train --model word2vec' (required).", valueName: "FILE");

    public static Command Create(CliIO io)
    {
        var command = new Command("word2vec", "Skip-gram or CBOW word vectors with negative sampling: train on a corpus, ask for neighbours and analogies, export the vectors.")
        {
            Word2VecTrainCommand.Create(io),
            Word2VecNeighboursCommand.Create(io),
            Word2VecAnalogyCommand.Create(io),
            Word2VecExportCommand.Create(io),
        };
        CliApp.RequireVerb(command, io, "seqcore word2vec");
        return command;
    }

    /// <summary>Opens the checkpoint of <see cref="Model"/> on the backend asked for, runs the query and prints its
    /// results (a table, or one JSON object with <c>--json</c>); <see cref="UsageException"/> for a missing or foreign
    /// checkpoint or an unknown word.</summary>
    internal static int Query(CliIO io, OptionValues v, Func<Word2Vec<float>, (IReadOnlyList<(string Word, double Similarity)> Results, object Query)> run)
    {
        string path = v.FindText(Model) ?? throw new UsageException("--model is required: the checkpoint to ask.");
        bool json = v.Get(CommonOptions.Json);
        if (!File.Exists(path)) throw new UsageException($"--model: file not found: {Path.GetFullPath(path)}");
        using var backend = BackendOption.Open<float>(v);
        Word2Vec<float> model;
        try { model = Word2Vec<float>.Load(path, backend, BudgetOptions.Bytes(v)); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException) { throw new UsageException($"--model: {e.Message}"); }
        using var _ = model;
        IReadOnlyList<(string Word, double Similarity)> results;
        object query;
        try { (results, query) = run(model); }
        catch (KeyNotFoundException e) { throw new UsageException(e.Message); }
        if (json)
            Output.WriteJsonLine(io.Out, new { Query = query, Results = results.Select(r => new { r.Word, r.Similarity }).ToArray() });
        else
        {
            var table = new Table().AddColumn("#").AddColumn("word").AddColumn("cosine", c => c.RightAligned());
            for (int i = 0; i < results.Count; i++)
                table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape(results[i].Word), results[i].Similarity.ToString("F3", CultureInfo.InvariantCulture));
            Output.Console(io.Out).Write(table);
        }
        return ExitCodes.Ok;
    }
}
