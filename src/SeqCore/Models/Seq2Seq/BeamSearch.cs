namespace SeqCore.Models;

/// <summary>
/// What <see cref="BeamSearch"/> needs from a model: the next-token log-probabilities of k hypotheses at once, and a way
/// to rearrange its per-hypothesis state when the beam keeps some hypotheses and drops others.
/// </summary>
public interface IBeamScorer : IDisposable
{
    /// <summary>k: hypotheses scored per step.</summary>
    int Rows { get; }

    /// <summary>V.</summary>
    int VocabularySize { get; }

    /// <summary>Advances every row by its last token (<paramref name="tokens"/> <c>[k]</c>) and writes the log-probabilities
    /// of the next token, <paramref name="logProbs"/> <c>[k, V]</c>.</summary>
    void Next(ReadOnlySpan<int> tokens, Span<double> logProbs);

    /// <summary>Row i's state becomes a copy of row <c>parents[i]</c>'s state.</summary>
    void Reorder(ReadOnlySpan<int> parents);

    /// <summary>The attention weights row <paramref name="row"/> used in the last <see cref="Next"/> (empty if none).</summary>
    ReadOnlySpan<double> Attention(int row);
}

/// <summary>One decoded sequence.</summary>
/// <param name="Tokens">The generated tokens, without the start token; ends with the end token when <paramref name="Finished"/>.</param>
/// <param name="LogProbability">Σ log p of the tokens.</param>
/// <param name="Score">What the beam ranks by: <c>LogProbability / lp(|Tokens|)</c>.</param>
/// <param name="Finished">True when it ended with the end token (false when it hit the length limit).</param>
/// <param name="Attention">The attention weights used for each token (one row per token), or empty rows.</param>
public sealed record DecodedSequence(int[] Tokens, double LogProbability, double Score, bool Finished, double[][] Attention);

/// <summary>
/// Beam search with the length normalisation of Wu et al. 2016 (GNMT, section 7): hypotheses are ranked by
/// <c>log P(Y|X) / lp(Y)</c> with <c>lp(Y) = ((5 + |Y|) / 6)^α</c> (no coverage penalty). Each step expands the k live
/// hypotheses by every token, ranks the candidates by log-probability, moves those among the best k that end with the
/// end token to the finished list, and keeps the best k others alive. It stops when k hypotheses have finished or
/// the length limit is reached (live hypotheses then count as finished, unterminated). With k = 1 it is greedy
/// decoding: the best candidate each step, stopping at the end token.
/// </summary>
public static class BeamSearch
{
    /// <summary>GNMT's length penalty <c>((5 + length) / 6)^α</c>.</summary>
    public static double LengthPenalty(int length, double alpha) => Math.Pow((5.0 + length) / 6.0, alpha);

    /// <summary>Runs the search; returns every finished hypothesis, best score first.</summary>
    /// <param name="scorer">The model, with <see cref="IBeamScorer.Rows"/> = k rows.</param>
    /// <param name="start">The first input token (<c>&lt;bos&gt;</c>).</param>
    /// <param name="end">The end token (<c>&lt;eos&gt;</c>).</param>
    /// <param name="maxLength">Most tokens generated per hypothesis (end token included).</param>
    /// <param name="alpha">α of the length penalty; 0 ranks by plain log-probability.</param>
    public static IReadOnlyList<DecodedSequence> Run(IBeamScorer scorer, int start, int end, int maxLength, double alpha)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), $"BeamSearch: the length limit must be positive, got {maxLength}.");
        if (alpha < 0) throw new ArgumentOutOfRangeException(nameof(alpha), $"BeamSearch: α must be ≥ 0, got {alpha}.");
        int k = scorer.Rows, v = scorer.VocabularySize;
        var tokens = new List<int>[k];
        var attention = new List<double[]>[k];
        var logp = new double[k];
        for (int i = 0; i < k; i++) { tokens[i] = []; attention[i] = []; logp[i] = i == 0 ? 0 : double.NegativeInfinity; }
        var last = new int[k];
        Array.Fill(last, start);
        var scores = new double[k * v];
        var order = new int[k * v];
        var finished = new List<DecodedSequence>();
        var parents = new int[k];

        for (int step = 1; step <= maxLength; step++)
        {
            scorer.Next(last, scores);
            for (int i = 0; i < k; i++)
                for (int c = 0; c < v; c++) scores[i * v + c] += logp[i];
            for (int j = 0; j < order.Length; j++) order[j] = j;
            // Best first; ties go to the lower row, then the lower token (what an argmax picks).
            Array.Sort(order, (x, y) => scores[x] != scores[y] ? scores[y].CompareTo(scores[x]) : x.CompareTo(y));

            var live = new List<int>(k);
            for (int rank = 0; rank < order.Length && (live.Count < k || rank < k); rank++)
            {
                int j = order[rank];
                if (double.IsNegativeInfinity(scores[j])) break;
                int row = j / v, token = j % v;
                if (token == end)
                {
                    if (rank < k) finished.Add(Make(tokens[row], token, attention[row], scorer.Attention(row), scores[j], true, alpha));
                }
                else if (live.Count < k) live.Add(j);
            }
            if (finished.Count >= k || live.Count == 0) break;
            if (step == maxLength)
            {
                foreach (int j in live)
                    finished.Add(Make(tokens[j / v], j % v, attention[j / v], scorer.Attention(j / v), scores[j], false, alpha));
                break;
            }

            var newTokens = new List<int>[k];
            var newAttention = new List<double[]>[k];
            var newLogp = new double[k];
            for (int i = 0; i < k; i++)
            {
                if (i < live.Count)
                {
                    int j = live[i], row = j / v;
                    parents[i] = row;
                    newTokens[i] = [.. tokens[row], j % v];
                    newAttention[i] = [.. attention[row], scorer.Attention(row).ToArray()];
                    newLogp[i] = scores[j];
                    last[i] = j % v;
                }
                else
                {
                    // Fewer than k finite candidates (a tiny vocabulary): pad with dead rows that never win.
                    parents[i] = 0;
                    newTokens[i] = [];
                    newAttention[i] = [];
                    newLogp[i] = double.NegativeInfinity;
                    last[i] = start;
                }
            }
            scorer.Reorder(parents);
            tokens = newTokens;
            attention = newAttention;
            logp = newLogp;
        }
        return [.. finished.OrderByDescending(f => f.Score)]; // stable: an earlier hypothesis wins a tie
    }

    private static DecodedSequence Make(List<int> prefix, int token, List<double[]> prefixAttention, ReadOnlySpan<double> stepAttention,
        double logProbability, bool finished, double alpha)
    {
        int[] all = [.. prefix, token];
        double[][] att = [.. prefixAttention, stepAttention.ToArray()];
        return new DecodedSequence(all, logProbability, logProbability / LengthPenalty(all.Length, alpha), finished, att);
    }
}
