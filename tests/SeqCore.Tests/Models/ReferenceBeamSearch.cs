using SeqCore.Models;

namespace SeqCore.Tests.Models;

/// <summary>
/// The single-sentence beam search as it was before decoding was batched over sentences (a full sort of the k·V
/// candidates each step), kept verbatim as the reference the batched <see cref="BeamSearch"/> must reproduce.
/// </summary>
internal static class ReferenceBeamSearch
{
    public static IReadOnlyList<DecodedSequence> Run(IBeamScorer scorer, int start, int end, int maxLength, double alpha)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), $"ReferenceBeamSearch: the length limit must be positive, got {maxLength}.");
        if (alpha < 0) throw new ArgumentOutOfRangeException(nameof(alpha), $"ReferenceBeamSearch: α must be ≥ 0, got {alpha}.");
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
        return new DecodedSequence(all, logProbability, logProbability / BeamSearch.LengthPenalty(all.Length, alpha), finished, att);
    }
}
