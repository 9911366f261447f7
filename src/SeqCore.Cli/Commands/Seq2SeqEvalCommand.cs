using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Metrics;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore seq2seq eval</c>: decodes the source side of a TSV of pairs with a trained checkpoint and scores the
/// outputs against the target side: exact match, corpus BLEU (sacreBLEU's default) and chrF2.
/// </summary>
internal static class Seq2SeqEvalCommand
{
    public static readonly TextOption Data = new("--data", "TSV of 'source<TAB>target' pairs to score (required).", valueName: "FILE");
    public static readonly IntOption Limit = new("--limit", "Score only the first N pairs (default: all).", null, min: 1, max: int.MaxValue, valueName: "N");

    /// <summary>Every option the sub-verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Seq2SeqTranslateCommand.Model, Data, Limit, Seq2SeqTranslateCommand.Beam, Seq2SeqTranslateCommand.Alpha, Seq2SeqTranslateCommand.MaxLength,
         CommonOptions.Backend, CommonOptions.Threads, BudgetOptions.MaxMemory, CommonOptions.Json];

    public static System.CommandLine.Command Create(CliIO io) =>
        CliVerb.Create(io, "seq2seq eval", "eval", "Score a trained seq2seq checkpoint on a TSV of pairs: exact match, BLEU and chrF2.", AllOptions,
            (_, v) => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        var model = Seq2SeqTranslateCommand.Model;
        string modelPath = v.FindText(model) ?? throw new UsageException("--model is required: the checkpoint to score.");
        string dataPath = v.FindText(Data) ?? throw new UsageException("--data is required: the TSV of pairs to score.");
        if (!File.Exists(modelPath)) throw new UsageException($"--model: file not found: {Path.GetFullPath(modelPath)}");
        int beam = v.Get(Seq2SeqTranslateCommand.Beam);
        double alpha = v.Get(Seq2SeqTranslateCommand.Alpha);
        int? maxLengthOption = v.Find(Seq2SeqTranslateCommand.MaxLength);

        List<(string Source, string Target)> pairs;
        try { pairs = Seq2SeqPairs.Read(dataPath); }
        catch (InvalidDataException e) { throw new UsageException($"--data: {e.Message}"); }
        if (v.Find(Limit) is { } limit && limit < pairs.Count) pairs = pairs.GetRange(0, limit);

        int longestInput = pairs.Max(p => p.Source.Length) + 1;
        Seq2SeqTranslateCommand.CheckBudget(v, modelPath, beam > 1 ? beam : pairs.Count, longestInput, maxLengthOption);
        using var backend = BackendOption.Open<float>(v);
        var (seq2seq, vocabulary) = Seq2SeqTranslateCommand.LoadModel(v, modelPath, backend);
        using var _ = seq2seq;
        // Every source is encoded before any is decoded, so a pair the model cannot read fails the run at once.
        var sources = new List<int[]>(pairs.Count);
        for (int i = 0; i < pairs.Count; i++)
        {
            try { sources.Add(Seq2SeqTranslateCommand.EncodeSource(seq2seq, vocabulary, pairs[i].Source)); }
            catch (ArgumentException e) { throw new UsageException($"--data: pair {i + 1} (\"{Clip(pairs[i].Source)}\"): {e.Message}"); }
        }
        int maxLength = Seq2SeqTranslateCommand.DecodeLength(maxLengthOption, seq2seq.MaxTargetLength, sources.Max(x => x.Length));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = Seq2SeqTranslateCommand.Decode(seq2seq, sources, beam, maxLength, alpha);
        var outputs = results.Select(r => vocabulary.DecodeTarget(r.Tokens)).ToList();
        var references = pairs.Select(p => p.Target).ToList();
        int exact = outputs.Where((o, i) => o == references[i]).Count();
        var bleu = Bleu.Corpus(outputs, references);
        var chrf = ChrF.Corpus(outputs, references);
        double seconds = clock.Elapsed.TotalSeconds;
        string decoding = beam > 1 ? $"beam {beam}" : "greedy";
        if (v.Get(CommonOptions.Json))
            Output.WriteJsonLine(io.Out, new
            {
                Model = modelPath, Data = dataPath, Pairs = pairs.Count, Decoding = beam > 1 ? "beam" : "greedy", Beam = beam,
                ExactMatch = (double)exact / pairs.Count, Bleu = bleu.Score, BleuSignature = bleu.Signature, BleuLine = bleu.Format(),
                Chrf = chrf.Score, ChrfSignature = chrf.Signature, Seconds = seconds,
            });
        else
        {
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{dataPath}: {pairs.Count:N0} pairs decoded by {modelPath} ({decoding}, {seconds:F1} s): exact match {100.0 * exact / pairs.Count:F2}%"));
            io.Out.WriteLine(bleu.Format(signature: true));
            io.Out.WriteLine(chrf.Format(signature: true));
        }
        return ExitCodes.Ok;
    }

    private static string Clip(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
