using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Cli.Training;
using SeqCore.Metrics;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore seq2seq data</c>: describes the data of a translation run before any training — the split's pair counts,
/// the copy-the-source baseline (each source taken as its own translation, scored by corpus BLEU and chrF2 on the pairs
/// <c>eval</c> would score), and the vocabulary <c>train</c> would learn from the training split with the same options
/// (its sizes, and tokens per pair on each side).
/// </summary>
internal static class Seq2SeqDataCommand
{
    /// <summary>Every option the sub-verb takes (the vocabulary options are <c>train</c>'s).</summary>
    public static readonly TextOption Export = new("--export", "Also write the split as token ids for another framework (the PyTorch comparison of docs/translation.md): " +
        "DIR/vocabulary.json, DIR/train.ids, DIR/dev.ids, DIR/test.ids (one pair a line: source ids<TAB>target ids, the source's end token included, " +
        "the target's bos/eos not) and DIR/test.source, DIR/test.reference (the scored pairs' texts). DIR must be new or hold none of these files.", valueName: "DIR");

    /// <summary>The files <see cref="Export"/> writes.</summary>
    public static readonly string[] ExportFiles = ["vocabulary.json", "train.ids", "dev.ids", "test.ids", "test.source", "test.reference"];

    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Seq2SeqData.Data, .. Seq2SeqData.TableOptions, Seq2SeqTrainKind.Tokens, Seq2SeqTrainKind.VocabularyLayout, Seq2SeqTrainKind.Merges, Export, CommonOptions.Json];

    public static System.CommandLine.Command Create(CliIO io) =>
        CliVerb.Create(io, "seq2seq data", "data", "Describe seq2seq data: split counts, the copy-the-source baseline (BLEU, chrF2) and the vocabulary train would learn (sizes, tokens per pair).",
            AllOptions, (_, v) => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        string dataPath = v.FindText(Seq2SeqData.Data) ?? throw new UsageException("--data is required: the TSV of pairs or the verse table to describe.");
        var splits = Seq2SeqData.Read(v, Seq2SeqData.Data.Name, dataPath);
        string? export = v.FindText(Export);
        if (export is not null)
        {
            var present = ExportFiles.Where(f => File.Exists(Path.Combine(export, f))).ToArray();
            if (present.Length > 0)
                throw new UsageException($"--export {export}: the folder already holds {string.Join(", ", present)}; export into a new folder.");
        }
        var scored = splits.Scored;
        var references = scored.Select(l => l.Target).ToList();
        var copies = scored.Select(l => l.Source).ToList();
        var bleu = Bleu.Corpus(copies, references);
        var chrf = ChrF.Corpus(copies, references);

        var tokens = Seq2SeqVocabulary.ParseTokens(v.Get(Seq2SeqTrainKind.Tokens))!.Value;
        bool joint = v.Get(Seq2SeqTrainKind.VocabularyLayout) == "joint";
        var trainPairs = splits.Train.Select(l => (l.Source, l.Target)).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var vocabulary = Seq2SeqVocabulary.Build(trainPairs, tokens, joint, v.Get(Seq2SeqTrainKind.Merges));
        double learnSeconds = clock.Elapsed.TotalSeconds;
        // Tokens per pair over the training split, without the source's end token.
        double sourceTokens = trainPairs.Average(p => vocabulary.EncodeSource(p.Source).Length - 1);
        double targetTokens = trainPairs.Average(p => vocabulary.EncodeTarget(p.Target).Length);
        int longestSource = trainPairs.Max(p => vocabulary.EncodeSource(p.Source).Length - 1);
        int longestTarget = trainPairs.Max(p => vocabulary.EncodeTarget(p.Target).Length);
        string tokensName = Seq2SeqVocabulary.TokensName(tokens);
        // Words never seen in training, as a share of the scored pairs' tokens (only word vocabularies have <unk>).
        double? sourceUnknown = null, targetUnknown = null;
        if (tokens == Seq2SeqTokens.Word)
        {
            sourceUnknown = UnknownShare(scored.Select(l => vocabulary.EncodeSource(l.Source)[..^1]));
            targetUnknown = UnknownShare(scored.Select(l => vocabulary.EncodeTarget(l.Target)));
        }

        if (export is not null) WriteExport(export, vocabulary, splits);

        if (v.Get(CommonOptions.Json))
        {
            Output.WriteJsonLine(io.Out, new
            {
                Data = dataPath, splits.ByBook, Train = splits.Train.Count, Development = splits.Development.Count, Test = splits.Test.Count, Scored = scored.Count,
                CopyBleu = bleu.Score, CopyBleuLine = bleu.Format(), CopyChrf = chrf.Score,
                Tokens = tokensName, Joint = joint, SourceVocabulary = vocabulary.SourceSize, TargetVocabulary = vocabulary.TargetSize,
                SourceTokensPerPair = sourceTokens, TargetTokensPerPair = targetTokens, LongestSource = longestSource, LongestTarget = longestTarget, LearnSeconds = learnSeconds,
                SourceUnknown = sourceUnknown, TargetUnknown = targetUnknown,
            });
            return ExitCodes.Ok;
        }
        var ci = CultureInfo.InvariantCulture;
        io.Out.WriteLine(splits.ByBook
            ? string.Create(ci, $"{dataPath}: {splits.Train.Count:N0} training, {splits.Development.Count:N0} development and {splits.Test.Count:N0} test pairs (split by book)")
            : string.Create(ci, $"{dataPath}: {splits.Train.Count:N0} pairs"));
        io.Out.WriteLine(string.Create(ci, $"copy the source ({scored.Count:N0} pairs): {bleu.Format(signature: true)}"));
        io.Out.WriteLine(string.Create(ci, $"copy the source ({scored.Count:N0} pairs): {chrf.Format(signature: true)}"));
        io.Out.WriteLine(string.Create(ci, $"{tokensName} vocabulary{(joint ? " (joint)" : "")} learned in {learnSeconds:F1} s: {vocabulary.SourceSize:N0} source and {vocabulary.TargetSize:N0} target ids (specials included)"));
        io.Out.WriteLine(string.Create(ci, $"tokens per training pair: source {sourceTokens:F1} (longest {longestSource:N0}), target {targetTokens:F1} (longest {longestTarget:N0})"));
        if (sourceUnknown is { } su && targetUnknown is { } tu)
            io.Out.WriteLine(string.Create(ci, $"unknown words in the {scored.Count:N0} scored pairs: {su:P2} of the source tokens, {tu:P2} of the target tokens"));
        return ExitCodes.Ok;
    }

    /// <summary>Writes <see cref="ExportFiles"/> into <paramref name="folder"/>, each file atomically.</summary>
    private static void WriteExport(string folder, Seq2SeqVocabulary vocabulary, Seq2SeqSplits splits)
    {
        static string Ids(IEnumerable<int> ids) => string.Join(' ', ids.Select(i => i.ToString(CultureInfo.InvariantCulture)));
        string Pairs(IEnumerable<Seq2SeqLine> lines)
        {
            var text = new System.Text.StringBuilder();
            foreach (var l in lines) text.Append(Ids(vocabulary.EncodeSource(l.Source))).Append('\t').Append(Ids(vocabulary.EncodeTarget(l.Target))).Append('\n');
            return text.ToString();
        }
        static string Lines(IEnumerable<string> texts) => string.Concat(texts.Select(t => t + "\n"));
        var scored = splits.Scored;
        SeqCore.IO.AtomicFile.WriteAllText(Path.Combine(folder, "vocabulary.json"), vocabulary.ToJson() + "\n", createDirectory: true);
        SeqCore.IO.AtomicFile.WriteAllText(Path.Combine(folder, "train.ids"), Pairs(splits.Train));
        SeqCore.IO.AtomicFile.WriteAllText(Path.Combine(folder, "dev.ids"), Pairs(splits.Development));
        SeqCore.IO.AtomicFile.WriteAllText(Path.Combine(folder, "test.ids"), Pairs(scored));
        SeqCore.IO.AtomicFile.WriteAllText(Path.Combine(folder, "test.source"), Lines(scored.Select(l => l.Source)));
        SeqCore.IO.AtomicFile.WriteAllText(Path.Combine(folder, "test.reference"), Lines(scored.Select(l => l.Target)));
    }

    private static double UnknownShare(IEnumerable<int[]> encoded)
    {
        long unknown = 0, total = 0;
        foreach (var ids in encoded)
        {
            unknown += ids.Count(id => id == Seq2SeqVocabulary.Unknown);
            total += ids.Length;
        }
        return total == 0 ? 0 : (double)unknown / total;
    }
}
