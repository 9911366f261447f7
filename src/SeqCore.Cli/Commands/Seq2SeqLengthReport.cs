using SeqCore.Metrics;

namespace SeqCore.Cli.Commands;

/// <summary>One bucket of <c>seq2seq eval --by-length</c>: the pairs whose source has <c>From</c>–<c>To</c> words.</summary>
internal sealed record Seq2SeqLengthBucket(int From, int To, int Pairs, double ExactMatch, double Bleu, double Chrf);

/// <summary>
/// Scores decoded outputs by source length: the pairs are put in buckets of <c>width</c> source words (words as
/// whitespace-separated pieces of the source text, so that the buckets do not depend on a model's tokens: 1–width,
/// width+1–2·width, …), and each bucket gets its own exact match, corpus BLEU and chrF2. The lecture's question — does
/// a fixed context vector fail on long sources where attention does not — is read from such a table.
/// </summary>
internal static class Seq2SeqLengthReport
{
    public static IReadOnlyList<Seq2SeqLengthBucket> Buckets(IReadOnlyList<string> sources, IReadOnlyList<string> outputs,
        IReadOnlyList<string> references, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (sources.Count != outputs.Count || outputs.Count != references.Count)
            throw new ArgumentException($"Seq2SeqLengthReport: {sources.Count} sources, {outputs.Count} outputs and {references.Count} references.");
        var groups = Enumerable.Range(0, sources.Count)
            .GroupBy(i => (Math.Max(1, Words(sources[i])) - 1) / width)
            .OrderBy(g => g.Key);
        var buckets = new List<Seq2SeqLengthBucket>();
        foreach (var g in groups)
        {
            var hyps = g.Select(i => outputs[i]).ToList();
            var refs = g.Select(i => references[i]).ToList();
            int exact = g.Count(i => outputs[i] == references[i]);
            buckets.Add(new Seq2SeqLengthBucket(g.Key * width + 1, (g.Key + 1) * width, hyps.Count, (double)exact / hyps.Count,
                Bleu.Corpus(hyps, refs).Score, ChrF.Corpus(hyps, refs).Score));
        }
        return buckets;
    }

    /// <summary>Whitespace-separated pieces of <paramref name="text"/>.</summary>
    public static int Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
}
