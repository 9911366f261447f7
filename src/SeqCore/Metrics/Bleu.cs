namespace SeqCore.Metrics;

/// <summary>
/// Corpus BLEU (Papineni et al., 2002) exactly as sacreBLEU 2.x computes its default <c>corpus_bleu</c>: 13a
/// tokenization (<see cref="Tokenizer13a"/>), case kept, n-grams up to order 4, clipped counts and lengths summed over
/// the corpus before the precisions are taken, the brevity penalty from the corpus lengths, and smoothing 'exp' (an
/// order with no match counts as 1/2ᵏ of a match, k = 1, 2, … for each such order). docs/metrics.md has the equations.
/// </summary>
public static class Bleu
{
    /// <summary>The default maximum n-gram order.</summary>
    public const int DefaultMaxOrder = 4;

    /// <summary>BLEU of <paramref name="hypotheses"/> against one reference per hypothesis.</summary>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<string> reference) =>
        Corpus(hypotheses, [reference]);

    /// <summary>BLEU of <paramref name="hypotheses"/> against 1 … k reference streams (<c>references[k][i]</c> is the
    /// k-th reference of hypothesis i). An empty corpus scores 0 (sacreBLEU's <c>compute_bleu</c> on zero statistics).</summary>
    /// <exception cref="ArgumentException">No stream, a stream whose length differs from the hypotheses', or a null line.</exception>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references, int maxOrder = DefaultMaxOrder)
    {
        CorpusInput.Check(hypotheses, references);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOrder, 1);
        var counts = new int[maxOrder];
        var totals = new int[maxOrder];
        int hypothesisLength = 0, referenceLength = 0;
        for (int i = 0; i < hypotheses.Count; i++)
        {
            var hypothesis = Words(hypotheses[i]);
            var referenceWords = references.Select(stream => Words(stream[i])).ToList();
            hypothesisLength += hypothesis.Count;
            referenceLength += ClosestLength(hypothesis.Count, referenceWords.Select(r => r.Count));
            for (int n = 1; n <= maxOrder; n++)
            {
                var grams = NGramCounts.OfWords(hypothesis, n);
                var clip = NGramCounts.MaxOver(referenceWords.Select(r => NGramCounts.OfWords(r, n)));
                totals[n - 1] += grams.Total;
                counts[n - 1] += grams.ClippedMatches(clip);
            }
        }
        return FromStatistics(counts, totals, hypothesisLength, referenceLength, references.Count);
    }

    /// <summary>
    /// BLEU from its sufficient statistics (sacreBLEU's <c>compute_bleu</c> with smooth_method 'exp', the NIST
    /// smoothing of mteval-v13a): pₙ = 100·countsₙ/totalsₙ, or 100/(2ᵏ·totalsₙ) for the k-th order with no match;
    /// BLEU = BP·exp(Σₙ log pₙ / N). No match at all gives 0; an order with no hypothesis n-gram (a corpus shorter than
    /// N words) has pₙ = 0, and then BLEU is 0 too (sacreBLEU takes log 0 as −9,999,999,999).
    /// </summary>
    public static BleuScore FromStatistics(IReadOnlyList<int> counts, IReadOnlyList<int> totals, int hypothesisLength, int referenceLength, int referenceStreams = 1)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(totals);
        if (counts.Count != totals.Count || counts.Count == 0)
            throw new ArgumentException($"counts ({counts.Count}) and totals ({totals.Count}) need one entry per n-gram order.", nameof(totals));
        int order = counts.Count;
        double brevityPenalty = BrevityPenalty(hypothesisLength, referenceLength);
        var precisions = new double[order];
        if (counts.All(c => c == 0))
            return new BleuScore(0, [.. counts], [.. totals], precisions, brevityPenalty, hypothesisLength, referenceLength, referenceStreams);

        double unmatchedWeight = 1;
        for (int n = 0; n < order && totals[n] > 0; n++)
        {
            if (counts[n] > 0) precisions[n] = 100.0 * counts[n] / totals[n];
            else
            {
                unmatchedWeight *= 2;
                precisions[n] = 100.0 / (unmatchedWeight * totals[n]);
            }
        }
        double logSum = 0;
        foreach (double p in precisions) logSum += p == 0 ? LogOfZero : Math.Log(p);
        double score = brevityPenalty * Math.Exp(logSum / order);
        return new BleuScore(score, [.. counts], [.. totals], precisions, brevityPenalty, hypothesisLength, referenceLength, referenceStreams);
    }

    // sacreBLEU's my_log floors log 0 to this, so a zero precision drives BLEU to exactly 0.
    private const double LogOfZero = -9999999999;

    /// <summary>BP = 1 when c ≥ r, exp(1 − r/c) when 0 &lt; c &lt; r, and 0 when c = 0 &lt; r.</summary>
    private static double BrevityPenalty(int hypothesisLength, int referenceLength) =>
        hypothesisLength >= referenceLength ? 1.0
        : hypothesisLength > 0 ? Math.Exp(1 - (double)referenceLength / hypothesisLength)
        : 0.0;

    /// <summary>The reference length closest to the hypothesis length; of two equally close, the shorter.</summary>
    private static int ClosestLength(int hypothesisLength, IEnumerable<int> referenceLengths) =>
        referenceLengths.OrderBy(r => Math.Abs(hypothesisLength - r)).ThenBy(r => r).First();

    /// <summary>The 13a tokens of a segment (sacreBLEU strips trailing whitespace before tokenizing).</summary>
    private static List<string> Words(string segment) => PythonText.Split(Tokenizer13a.Tokenize(PythonText.TrimEnd(segment)));
}
