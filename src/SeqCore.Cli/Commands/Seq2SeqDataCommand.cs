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
    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Seq2SeqData.Data, .. Seq2SeqData.TableOptions, Seq2SeqTrainKind.Tokens, Seq2SeqTrainKind.VocabularyLayout, Seq2SeqTrainKind.Merges, CommonOptions.Json];

    public static System.CommandLine.Command Create(CliIO io) =>
        CliVerb.Create(io, "seq2seq data", "data", "Describe seq2seq data: split counts, the copy-the-source baseline (BLEU, chrF2) and the vocabulary train would learn (sizes, tokens per pair).",
            AllOptions, (_, v) => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        string dataPath = v.FindText(Seq2SeqData.Data) ?? throw new UsageException("--data is required: the TSV of pairs or the verse table to describe.");
        var splits = Seq2SeqData.Read(v, Seq2SeqData.Data.Name, dataPath);
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
