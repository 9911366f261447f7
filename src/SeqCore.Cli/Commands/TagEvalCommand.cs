using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Cli.Training;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore tag eval</c>: scores a saved tagger. On a tag file: token accuracy and the share of sentences tagged
/// entirely right (a tag the model does not know is bad input, named with file and line). With <c>--task diacritics</c>
/// on a verse table: the test books' token accuracy, and letter and word accuracy next to the most-frequent-form
/// baseline (learnt from the table's training books) and the no-change baseline.
/// </summary>
internal static class TagEvalCommand
{
    public static readonly TextOption Model = new("--model", "A checkpoint written by 'seqcore tag train' or 'seqcore train --model tagger' (required).", valueName: "FILE");

    /// <summary>Every option the sub-verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Model, TaggerTrainKind.Data, TaggerTrainKind.Task, TaggerTrainKind.Column, TaggerTrainKind.TestBooks, TaggerTrainKind.DevBooks,
         CommonOptions.Backend, CommonOptions.Threads, BudgetOptions.MaxMemory, CommonOptions.Json];

    public static System.CommandLine.Command Create(CliIO io) =>
        CliVerb.Create(io, "tag eval", "eval", "Score a saved tagger on a tag file (token and sentence accuracy) or on the diacritics task's test books (letter and word accuracy against two baselines).", AllOptions,
            (_, v) => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        v.WithConfigFile().RejectUnknownKeys(AllOptions, "tag eval");
        string modelPath = v.FindText(Model) ?? throw new UsageException("--model is required: the tagger checkpoint to score.");
        using var backend = BackendOption.Open<float>(v);
        using var tagger = TagPredictCommand.Load(v, modelPath, backend);
        var data = TaggerTrainKind.LoadData(v, training: false, tagger.Vocabulary.Unit);
        var sentences = data.Task is null ? data.Train : data.Test;
        int[][] ids, tags;
        try { (ids, tags) = TaggerData.Encode(tagger.Vocabulary, sentences); }
        catch (InvalidDataException e) { throw new UsageException($"--data: {e.Message}"); }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var score = TaggingScore.Of(tags, tagger.Model.PredictTags(ids));
        DiacriticsReport? diacritics = data.Verses is { } verses
            ? DiacriticsReport.Of(tagger, [.. verses.Test.Select(t => t.Text)], verses.Train.Select(t => t.Text))
            : null;
        double seconds = clock.Elapsed.TotalSeconds;
        if (v.Get(CommonOptions.Json))
        {
            Output.WriteJsonLine(io.Out, new
            {
                Model = modelPath, data.Source, data.Task, Sentences = sentences.Count, score.Tokens, score.TokenAccuracy, score.SentenceAccuracy,
                Diacritics = diacritics is null ? null : TaggerTrainKind.DiacriticsJson(diacritics), Seconds = seconds,
            });
            return ExitCodes.Ok;
        }
        var c = CultureInfo.InvariantCulture;
        io.Out.WriteLine(string.Create(c, $"{data.Source}{(data.Task is null ? "" : $" (task {data.Task}, test books {v.Get(TaggerTrainKind.TestBooks)})")}: {sentences.Count:N0} sentences tagged by {modelPath} in {seconds:F1} s"));
        io.Out.WriteLine(string.Create(c, $"token accuracy {score.TokenAccuracy:F4} ({score.CorrectTokens:N0}/{score.Tokens:N0}), sentences all right {score.SentenceAccuracy:F4}"));
        if (diacritics is not null) TaggerTrainKind.WriteDiacritics(io, diacritics);
        io.Out.Flush();
        return ExitCodes.Ok;
    }
}
