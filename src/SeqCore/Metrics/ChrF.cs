namespace SeqCore.Metrics;

/// <summary>
/// Corpus chrF (Popović, 2015) as sacreBLEU 2.x computes <c>corpus_chrf</c>: character n-grams of order 1 … 6 over
/// code points, whitespace removed, no word n-grams (chrF, not chrF++), β = 2. Per segment the reference with the best
/// F-score is chosen; its hypothesis, reference and match counts are summed over the corpus, and the score is taken
/// from the sums. docs/metrics.md has the equations.
/// </summary>
public static class ChrF
{
    /// <summary>chrF2 of <paramref name="hypotheses"/> against one reference per hypothesis.</summary>
    public static ChrFScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<string> reference) =>
        Corpus(hypotheses, [reference]);

    /// <summary>chrF of <paramref name="hypotheses"/> against 1 … k reference streams (<c>references[k][i]</c> is the
    /// k-th reference of hypothesis i), with <paramref name="settings"/> (default: sacreBLEU's chrF2). An empty corpus
    /// scores 0.</summary>
    /// <exception cref="ArgumentException">No stream, a stream whose length differs from the hypotheses', or a null line.</exception>
    public static ChrFScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references, ChrFSettings? settings = null)
    {
        CorpusInput.Check(hypotheses, references);
        settings ??= ChrFSettings.Default;
        settings.Validate();
        var sums = new OrderStatistics[settings.CharOrder];
        for (int i = 0; i < hypotheses.Count; i++)
        {
            var hypothesis = CharacterNGrams(hypotheses[i], settings);
            OrderStatistics[]? best = null;
            double bestF = -1;
            foreach (var stream in references)
            {
                var candidate = Match(hypothesis, CharacterNGrams(stream[i], settings));
                double f = FScore(candidate, settings);
                if (f > bestF) (best, bestF) = (candidate, f);
            }
            for (int n = 0; n < sums.Length; n++) sums[n] += best![n];
        }
        return new ChrFScore(FScore(sums, settings), [.. sums.Select(s => s.Hypothesis)], [.. sums.Select(s => s.Reference)],
            [.. sums.Select(s => s.Matches)], settings, references.Count);
    }

    /// <summary>The counts of one n-gram order: hypothesis n-grams, reference n-grams, clipped matches.</summary>
    private readonly record struct OrderStatistics(int Hypothesis, int Reference, int Matches)
    {
        public static OrderStatistics operator +(OrderStatistics a, OrderStatistics b) =>
            new(a.Hypothesis + b.Hypothesis, a.Reference + b.Reference, a.Matches + b.Matches);
    }

    private static NGramCounts[] CharacterNGrams(string segment, ChrFSettings settings)
    {
        string text = settings.KeepWhitespace ? segment : PythonText.RemoveSpaces(segment);
        int[] offsets = PythonText.CodePointOffsets(text);
        return [.. Enumerable.Range(1, settings.CharOrder).Select(n => NGramCounts.OfCharacters(text, offsets, n))];
    }

    // sacreBLEU counts no hypothesis n-grams of an order whose reference has none.
    private static OrderStatistics[] Match(NGramCounts[] hypothesis, NGramCounts[] reference) =>
        [.. hypothesis.Zip(reference, (h, r) => new OrderStatistics(r.IsEmpty ? 0 : h.Total, r.Total, h.ClippedMatches(r)))];

    /// <summary>
    /// F_β from the per-order counts, with P_n = matches/hyp and R_n = matches/ref. Default (sacreBLEU 2.x): P and R
    /// are averaged over the orders with hyp &gt; 0 and ref &gt; 0, then F_β = (1+β²)·P·R / (β²·P + R), or 0 when P + R = 0.
    /// EpsSmoothing: the mean over all orders of F_β,n, where an empty side's P_n or R_n is ε = 1e-16 and F_β,n = ε
    /// when β²·P_n + R_n = 0. Returned ×100.
    /// </summary>
    private static double FScore(OrderStatistics[] orders, ChrFSettings settings)
    {
        const double Eps = 1e-16;
        double factor = settings.Beta * settings.Beta;
        double epsScore = 0, precisionSum = 0, recallSum = 0;
        int effectiveOrder = 0;
        foreach (var o in orders)
        {
            double precision = o.Hypothesis > 0 ? (double)o.Matches / o.Hypothesis : Eps;
            double recall = o.Reference > 0 ? (double)o.Matches / o.Reference : Eps;
            double denominator = factor * precision + recall;
            epsScore += denominator > 0 ? (1 + factor) * precision * recall / denominator : Eps;
            if (o.Hypothesis > 0 && o.Reference > 0)
            {
                precisionSum += precision;
                recallSum += recall;
                effectiveOrder++;
            }
        }
        if (settings.EpsSmoothing) return 100 * epsScore / orders.Length;
        if (effectiveOrder == 0) return 0;
        double p = precisionSum / effectiveOrder, r = recallSum / effectiveOrder;
        if (p + r == 0) return 0;
        double f = (1 + factor) * p * r;
        f /= factor * p + r;
        return 100 * f;
    }
}
