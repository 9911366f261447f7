using System.CommandLine;
using SeqCore.Cli.Options;
using SeqCore.IO;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore word2vec export</c>: writes the word vectors of a trained checkpoint as a word2vec text or binary
/// file or a GloVe text file, for other tools or for <c>train --embeddings</c>.</summary>
internal static class Word2VecExportCommand
{
    /// <summary>The formats by their option value.</summary>
    private static IReadOnlyDictionary<string, WordVectorFormat> Formats { get; } = new Dictionary<string, WordVectorFormat>
    {
        ["word2vec"] = WordVectorFormat.Word2VecText,
        ["word2vec-binary"] = WordVectorFormat.Word2VecBinary,
        ["glove"] = WordVectorFormat.GloveText,
    };

    public static readonly TextOption Out = new("--out", "The file to write (required); replaced atomically.", valueName: "FILE");
    public static readonly ChoiceOption Format = new("--format", "word2vec: text with a \"count dim\" header; word2vec-binary: the C tool's binary; glove: text without a header.",
        [.. Formats.Keys], "word2vec");

    /// <summary>Every option the sub-verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [Word2VecCommand.Model, Out, Format, CommonOptions.Json];

    public static Command Create(CliIO io) => CliVerb.Create(io, "word2vec export", "export", "Write the word vectors of a checkpoint as word2vec text, word2vec binary or GloVe text.", AllOptions, (_, v) =>
    {
        string model = v.FindText(Word2VecCommand.Model) ?? throw new UsageException("--model is required: the checkpoint to export.");
        string outPath = v.FindText(Out) ?? throw new UsageException("--out is required: the file to write.");
        var format = Formats[v.Get(Format)];
        if (!File.Exists(model)) throw new UsageException($"--model: file not found: {Path.GetFullPath(model)}");
        if (Path.GetFullPath(outPath) == Path.GetFullPath(model)) throw new UsageException($"--out: {Path.GetFullPath(outPath)} is the --model checkpoint; write the vectors elsewhere.");
        using var backend = new Cpu.CpuBackend<float>();
        WordVectors vectors;
        try
        {
            using var w2v = Word2Vec<float>.Load(model, backend);
            vectors = w2v.ToWordVectors();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException) { throw new UsageException($"--model: {e.Message}"); }
        try { vectors.Write(outPath, format); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--out: {Path.GetFullPath(outPath)}: {e.Message}"); }
        if (v.Get(CommonOptions.Json))
            Output.WriteJsonLine(io.Out, new { Event = "result", Out = Path.GetFullPath(outPath), Format = v.Get(Format), Words = vectors.Words.Count, vectors.Dimension });
        else
            io.Out.WriteLine($"wrote {vectors.Words.Count} words × {vectors.Dimension} ({v.Get(Format)}) to {Path.GetFullPath(outPath)}");
        return ExitCodes.Ok;
    });
}
