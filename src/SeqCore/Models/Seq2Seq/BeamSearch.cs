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
/// <remarks>
/// Several sentences are searched at once over one scorer of n·k rows: rows <c>i·k … i·k+k−1</c> hold sentence i's
/// hypotheses, each sentence ranks only its own candidates, has its own length limit and finishes on its own (its rows
/// then idle, fed the end token, until every sentence is done). A sentence's result is what a search of it alone gives.
/// </remarks>
public static class BeamSearch
{
    /// <summary>GNMT's length penalty <c>((5 + length) / 6)^α</c>.</summary>
    public static double LengthPenalty(int length, double alpha) => Math.Pow((5.0 + length) / 6.0, alpha);

    /// <summary>Runs the search for one sentence; returns every finished hypothesis, best score first.</summary>
    /// <param name="scorer">The model, with <see cref="IBeamScorer.Rows"/> = k rows.</param>
    /// <param name="start">The first input token (<c>&lt;bos&gt;</c>).</param>
    /// <param name="end">The end token (<c>&lt;eos&gt;</c>).</param>
    /// <param name="maxLength">Most tokens generated per hypothesis (end token included).</param>
    /// <param name="alpha">α of the length penalty; 0 ranks by plain log-probability.</param>
    public static IReadOnlyList<DecodedSequence> Run(IBeamScorer scorer, int start, int end, int maxLength, double alpha) =>
        Run(scorer, 1, start, end, [maxLength], alpha)[0];

    /// <summary>Runs the search for <paramref name="sentences"/> sentences at once; returns each sentence's finished
    /// hypotheses, best score first.</summary>
    /// <param name="scorer">The model, with <see cref="IBeamScorer.Rows"/> = n·k rows (n = <paramref name="sentences"/>).</param>
    /// <param name="sentences">n.</param>
    /// <param name="start">The first input token (<c>&lt;bos&gt;</c>).</param>
    /// <param name="end">The end token (<c>&lt;eos&gt;</c>).</param>
    /// <param name="maxLengths">Each sentence's most tokens generated per hypothesis (end token included).</param>
    /// <param name="alpha">α of the length penalty; 0 ranks by plain log-probability.</param>
    public static IReadOnlyList<DecodedSequence>[] Run(IBeamScorer scorer, int sentences, int start, int end, IReadOnlyList<int> maxLengths, double alpha)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(maxLengths);
        if (sentences <= 0 || scorer.Rows % sentences != 0)
            throw new ArgumentException($"BeamSearch: {scorer.Rows} scorer rows do not split into {sentences} sentences of k rows each.");
        if (maxLengths.Count != sentences) throw new ArgumentException($"BeamSearch: {maxLengths.Count} length limits given for {sentences} sentences.");
        foreach (int m in maxLengths)
            if (m <= 0) throw new ArgumentOutOfRangeException(nameof(maxLengths), $"BeamSearch: the length limit must be positive, got {m}.");
        if (alpha < 0) throw new ArgumentOutOfRangeException(nameof(alpha), $"BeamSearch: α must be ≥ 0, got {alpha}.");
        int rows = scorer.Rows, k = rows / sentences, v = scorer.VocabularySize;
        var tokens = new List<int>[rows];
        var attention = new List<double[]>[rows];
        var logp = new double[rows];
        for (int i = 0; i < rows; i++) { tokens[i] = []; attention[i] = []; logp[i] = i % k == 0 ? 0 : double.NegativeInfinity; }
        var last = new int[rows];
        Array.Fill(last, start);
        var scores = new double[rows * v];
        var finished = new List<DecodedSequence>[sentences];
        for (int s = 0; s < sentences; s++) finished[s] = [];
        var done = new bool[sentences];
        int remaining = sentences;
        var parents = new int[rows];
        var top = new int[2 * k];
        var live = new List<int>(k);

        for (int step = 1; remaining > 0; step++)
        {
            scorer.Next(last, scores);
            var newTokens = new List<int>[rows];
            var newAttention = new List<double[]>[rows];
            var newLogp = new double[rows];
            for (int s = 0; s < sentences; s++)
            {
                int first = s * k;
                if (!done[s])
                {
                    Step(s, first);
                    if (done[s]) remaining--;
                }
                if (done[s])
                    for (int i = first; i < first + k; i++) { parents[i] = i; last[i] = end; newTokens[i] = []; newAttention[i] = []; newLogp[i] = double.NegativeInfinity; }
            }
            if (remaining == 0) break;
            scorer.Reorder(parents);
            tokens = newTokens;
            attention = newAttention;
            logp = newLogp;

            // One step of sentence s (rows first … first+k−1): finishes it, or fills its rows of the next step.
            void Step(int s, int first)
            {
                var block = scores.AsSpan(first * v, k * v);
                for (int i = 0; i < k; i++)
                    for (int c = 0; c < v; c++) block[i * v + c] += logp[first + i];
                // The best 2k candidates suffice: at most k of them end a hypothesis (one end token per row).
                int count = Best(block, top);
                live.Clear();
                for (int rank = 0; rank < count && (live.Count < k || rank < k); rank++)
                {
                    int j = top[rank];
                    if (double.IsNegativeInfinity(block[j])) break;
                    int row = first + j / v, token = j % v;
                    if (token == end)
                    {
                        if (rank < k) finished[s].Add(Make(tokens[row], token, attention[row], scorer.Attention(row), block[j], true, alpha));
                    }
                    else if (live.Count < k) live.Add(j);
                }
                if (finished[s].Count >= k || live.Count == 0) { done[s] = true; return; }
                if (step == maxLengths[s])
                {
                    foreach (int j in live)
                        finished[s].Add(Make(tokens[first + j / v], j % v, attention[first + j / v], scorer.Attention(first + j / v), block[j], false, alpha));
                    done[s] = true;
                    return;
                }
                for (int i = 0; i < k; i++)
                {
                    int target = first + i;
                    if (i < live.Count)
                    {
                        int j = live[i], row = first + j / v;
                        parents[target] = row;
                        newTokens[target] = [.. tokens[row], j % v];
                        newAttention[target] = [.. attention[row], scorer.Attention(row).ToArray()];
                        newLogp[target] = block[j];
                        last[target] = j % v;
                    }
                    else
                    {
                        // Fewer than k finite candidates (a tiny vocabulary): pad with dead rows that never win.
                        parents[target] = first;
                        newTokens[target] = [];
                        newAttention[target] = [];
                        newLogp[target] = double.NegativeInfinity;
                        last[target] = start;
                    }
                }
            }
        }
        var results = new IReadOnlyList<DecodedSequence>[sentences];
        for (int s = 0; s < sentences; s++) results[s] = [.. finished[s].OrderByDescending(f => f.Score)]; // stable: an earlier hypothesis wins a tie
        return results;
    }

    /// <summary>The indices of the <c>top.Length</c> best scores, best first; ties go to the lower index (the lower row,
    /// then the lower token: what an argmax picks). Returns how many were written.</summary>
    private static int Best(ReadOnlySpan<double> scores, int[] top)
    {
        int count = 0, m = top.Length;
        for (int j = 0; j < scores.Length; j++)
        {
            // j only grows, so among equal scores the one already kept wins.
            if (count == m && !(scores[j] > scores[top[m - 1]])) continue;
            int at = count < m ? count++ : m - 1;
            while (at > 0 && scores[j] > scores[top[at - 1]]) { top[at] = top[at - 1]; at--; }
            top[at] = j;
        }
        return count;
    }

    private static DecodedSequence Make(List<int> prefix, int token, List<double[]> prefixAttention, ReadOnlySpan<double> stepAttention,
        double logProbability, bool finished, double alpha)
    {
        int[] all = [.. prefix, token];
        double[][] att = [.. prefixAttention, stepAttention.ToArray()];
        return new DecodedSequence(all, logProbability, logProbability / LengthPenalty(all.Length, alpha), finished, att);
    }
}
