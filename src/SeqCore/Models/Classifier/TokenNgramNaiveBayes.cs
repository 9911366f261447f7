namespace SeqCore.Models;

/// <summary>
/// A baseline to compare a trained classifier with: multinomial naive Bayes over the token n-grams (n = 1 … N, with a
/// boundary marker at both ends) of token-id sequences, with add-one (Laplace) smoothing. On characters with N = 3 this
/// is the classic character-trigram language identifier; on words with N = 2 a standard sentiment baseline.
/// </summary>
/// <remarks>Score of class c for a sequence with n-gram counts x_f: <c>log P(c) + Σ_f x_f · log((n_cf + 1) / (n_c + |F|))</c>,
/// with n_cf the count of n-gram f in class c's training sequences, n_c their total, and |F| the distinct n-grams seen in training.</remarks>
public sealed class TokenNgramNaiveBayes
{
    private const int Bits = 20;
    private const long Boundary = (1L << Bits) - 1;
    private readonly Dictionary<long, int>[] _counts;
    private readonly long[] _totals;
    private readonly double[] _logPrior;
    private readonly int _vocabulary;

    private TokenNgramNaiveBayes(int order, Dictionary<long, int>[] counts, long[] totals, double[] logPrior, int vocabulary)
    {
        Order = order;
        _counts = counts;
        _totals = totals;
        _logPrior = logPrior;
        _vocabulary = vocabulary;
    }

    /// <summary>The largest n-gram length N.</summary>
    public int Order { get; }

    /// <summary>Counts the n-grams of the training sequences (token ids below 2^20 − 1) per class.</summary>
    public static TokenNgramNaiveBayes Train(IReadOnlyList<int[]> sequences, IReadOnlyList<int> labels, int classes, int order = 3)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(labels);
        if (order is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(order), $"TokenNgramNaiveBayes: the order must be 1, 2 or 3, got {order}.");
        if (sequences.Count != labels.Count || sequences.Count == 0) throw new ArgumentException($"TokenNgramNaiveBayes: {sequences.Count} sequences and {labels.Count} labels.");
        var counts = new Dictionary<long, int>[classes];
        for (int c = 0; c < classes; c++) counts[c] = [];
        var totals = new long[classes];
        var perClass = new int[classes];
        var vocabulary = new HashSet<long>();
        for (int i = 0; i < sequences.Count; i++)
        {
            int c = labels[i];
            perClass[c]++;
            foreach (long f in Ngrams(sequences[i], order))
            {
                counts[c][f] = counts[c].GetValueOrDefault(f) + 1;
                totals[c]++;
                vocabulary.Add(f);
            }
        }
        var logPrior = perClass.Select(n => Math.Log(Math.Max(n, 1) / (double)sequences.Count)).ToArray();
        return new TokenNgramNaiveBayes(order, counts, totals, logPrior, vocabulary.Count);
    }

    /// <summary>The most probable class of <paramref name="sequence"/> (the first on ties).</summary>
    public int Predict(int[] sequence)
    {
        double[] scores = LogScores(sequence);
        int best = 0;
        for (int c = 1; c < scores.Length; c++) if (scores[c] > scores[best]) best = c;
        return best;
    }

    /// <summary>Each class's score (see the remarks), the log of its joint probability with the sequence's n-grams up
    /// to a constant: the difference of two classes' scores is their log odds, a score for ROC AUC.</summary>
    public double[] LogScores(int[] sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        var scores = new double[_counts.Length];
        for (int c = 0; c < _counts.Length; c++)
        {
            double score = _logPrior[c], denominator = Math.Log(_totals[c] + (double)_vocabulary);
            foreach (long f in Ngrams(sequence, Order))
                score += Math.Log(_counts[c].GetValueOrDefault(f) + 1.0) - denominator;
            scores[c] = score;
        }
        return scores;
    }

    /// <summary>The n-grams of the sequence framed by one boundary marker on each side, packed as (n, ids) in a long.</summary>
    private static IEnumerable<long> Ngrams(int[] sequence, int order)
    {
        int length = sequence.Length + 2;
        long Token(int i) => i == 0 || i == length - 1 ? Boundary : CheckId(sequence[i - 1]);
        for (int n = 1; n <= order; n++)
            for (int start = 0; start + n <= length; start++)
            {
                if (n == 1 && (start == 0 || start == length - 1)) continue; // the markers alone say nothing
                long key = n;
                for (int j = 0; j < n; j++) key = (key << Bits) | Token(start + j);
                yield return key;
            }
    }

    private static long CheckId(int id) => (uint)id < Boundary ? id
        : throw new ArgumentOutOfRangeException(nameof(id), $"TokenNgramNaiveBayes: token id {id} is outside [0, {Boundary}).");
}
