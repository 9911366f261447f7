using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Cli.Training;
using SeqCore.Metrics;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore seq2seq eval</c>: decodes the source side of a TSV of pairs with a trained checkpoint and scores the
/// outputs against the target side: exact match, corpus BLEU (sacreBLEU's default) and chrF2. With
/// <c>--source-column</c> the data is a verse table and the pairs scored are its <c>--test-books</c>.
/// </summary>
internal static class Seq2SeqEvalCommand
{
    public static readonly IntOption Limit = new("--limit", "Score only the first N pairs (default: all).", null, min: 1, max: int.MaxValue, valueName: "N");
    public static readonly IntOption ByLength = new("--by-length", "Also score the pairs in buckets of W source words (1–W, W+1–2W, …): pairs, exact match, BLEU and chrF2 of each.",
        null, min: 1, max: 100_000, valueName: "W");

    /// <summary>Every option the sub-verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Seq2SeqTranslateCommand.Model, Seq2SeqData.Data, .. Seq2SeqData.TableOptions, Limit, ByLength, Seq2SeqTranslateCommand.Beam, Seq2SeqTranslateCommand.Alpha, Seq2SeqTranslateCommand.MaxLength,
         .. Seq2SeqDecodingOptions.All,
         CommonOptions.Backend, CommonOptions.Threads, BudgetOptions.MaxMemory, CommonOptions.Json];

    public static System.CommandLine.Command Create(CliIO io) =>
        CliVerb.Create(io, "seq2seq eval", "eval", "Score a trained seq2seq checkpoint on a TSV of pairs: exact match, BLEU and chrF2.", AllOptions,
            (_, v) => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        var model = Seq2SeqTranslateCommand.Model;
        string modelPath = v.FindText(model) ?? throw new UsageException("--model is required: the checkpoint to score.");
        string dataPath = v.FindText(Seq2SeqData.Data) ?? throw new UsageException("--data is required: the TSV of pairs to score.");
        if (!File.Exists(modelPath)) throw new UsageException($"--model: file not found: {Path.GetFullPath(modelPath)}");
        int beam = v.Get(Seq2SeqTranslateCommand.Beam);
        double alpha = v.Get(Seq2SeqTranslateCommand.Alpha);
        var decoding = Seq2SeqDecodingOptions.Read(v, beam, alpha, v.Find(Seq2SeqTranslateCommand.MaxLength));

        var lines = Seq2SeqData.Read(v, Seq2SeqData.Data.Name, dataPath).Scored;
        if (v.Find(Limit) is { } limit && limit < lines.Count) lines = [.. lines.Take(limit)];
        var pairs = lines.Select(l => (l.Source, l.Target)).ToList();
        // Every source is encoded before any is decoded, so a pair the model cannot read fails the run at once.
        var sources = Seq2SeqTranslateCommand.EncodeInputs(modelPath, [.. lines.Select(l => (l.Source, l.Where))]);
        Seq2SeqTranslateCommand.CheckBudget(v, modelPath, Seq2SeqDecodingOptions.Shape(decoding, pairs.Count, sources.Max(x => x.Length)));
        using var backend = BackendOption.Open<float>(v);
        var (seq2seq, vocabulary) = Seq2SeqTranslateCommand.LoadModel(v, modelPath, backend);
        using var _ = seq2seq;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = Seq2SeqDecoder.Decode(seq2seq, sources, Seq2SeqDecodingOptions.WithTrainedCap(decoding, seq2seq.MaxTargetLength));
        double decodeSeconds = clock.Elapsed.TotalSeconds;
        var outputs = results.Select(r => vocabulary.DecodeTarget(r.Tokens)).ToList();
        var references = pairs.Select(p => p.Target).ToList();
        int exact = outputs.Where((o, i) => o == references[i]).Count();
        var bleu = Bleu.Corpus(outputs, references);
        var chrf = ChrF.Corpus(outputs, references);
        double seconds = clock.Elapsed.TotalSeconds;
        string decodingName = beam > 1 ? $"beam {beam}" : "greedy";
        var byLength = v.Find(ByLength) is { } width ? Seq2SeqLengthReport.Buckets([.. pairs.Select(p => p.Source)], outputs, references, width) : null;
        if (v.Get(CommonOptions.Json))
            Output.WriteJsonLine(io.Out, new
            {
                Model = modelPath, Data = dataPath, Pairs = pairs.Count, Decoding = beam > 1 ? "beam" : "greedy", Beam = beam,
                ExactMatch = (double)exact / pairs.Count, Bleu = bleu.Score, BleuSignature = bleu.Signature, BleuLine = bleu.Format(),
                Chrf = chrf.Score, ChrfSignature = chrf.Signature, Seconds = seconds, DecodeSeconds = decodeSeconds,
                SentencesPerSecond = pairs.Count / decodeSeconds, DecodeBatch = decoding.Sentences, ByLength = byLength,
            });
        else
        {
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{dataPath}: {pairs.Count:N0} pairs decoded by {modelPath} ({decodingName}, {seconds:F1} s, {pairs.Count / decodeSeconds:F1} sentences/s decoding {decoding.Sentences} at a time): exact match {100.0 * exact / pairs.Count:F2}%"));
            io.Out.WriteLine(bleu.Format(signature: true));
            io.Out.WriteLine(chrf.Format(signature: true));
            if (byLength is not null)
            {
                io.Out.WriteLine("source words   pairs   exact %    BLEU   chrF2");
                foreach (var b in byLength)
                    io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{$"{b.From}–{b.To}",12} {b.Pairs,7} {100 * b.ExactMatch,9:F2} {b.Bleu,7:F2} {b.Chrf,7:F2}"));
            }
        }
        return ExitCodes.Ok;
    }
}
