using SeqCore.Random;
using SeqCore.Text;

namespace SeqCore.Models;

/// <summary>
/// The words a <see cref="Word2Vec{T}"/> knows, with their corpus counts, and the corpus as sentences of word ids.
/// <b>Words:</b> each line of the corpus is a sentence (contexts never cross lines); it is split by
/// <see cref="WordTokenizer.Split"/>, lower-cased, and only tokens that start with a letter are kept (punctuation and
/// verse numbers are dropped). Words seen fewer than <c>minCount</c> times are dropped from the sentences, as in
/// word2vec. Ids are by descending count, ties in ordinal order, so the vocabulary is deterministic.
/// </summary>
public sealed class Word2VecVocabulary
{
    private readonly Dictionary<string, int> _ids;
    private readonly double[] _noiseCumulative;

    /// <summary>Creates a vocabulary from words (by id) and their counts.</summary>
    public Word2VecVocabulary(IReadOnlyList<string> words, IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(counts);
        if (words.Count != counts.Count) throw new ArgumentException($"Word2VecVocabulary: {words.Count} words but {counts.Count} counts.");
        if (words.Count == 0) throw new ArgumentException("Word2VecVocabulary: the vocabulary is empty.");
        Words = words.ToArray();
        Counts = counts.ToArray();
        _ids = new Dictionary<string, int>(Words.Count, StringComparer.Ordinal);
        for (int i = 0; i < Words.Count; i++)
            if (!_ids.TryAdd(Words[i], i)) throw new ArgumentException($"Word2VecVocabulary: '{Words[i]}' appears twice.");
        Total = Counts.Sum();
        // Noise distribution P(w) ∝ count^0.75 (Mikolov et al. 2013), as a cumulative table for inverse-CDF sampling.
        _noiseCumulative = new double[Words.Count];
        double acc = 0;
        for (int i = 0; i < Words.Count; i++) _noiseCumulative[i] = acc += Math.Pow(Math.Max(Counts[i], 1), 0.75);
        for (int i = 0; i < Words.Count; i++) _noiseCumulative[i] /= acc;
    }

    /// <summary>Words by id.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>Corpus count of each word (0 when the vocabulary was loaded without counts).</summary>
    public IReadOnlyList<long> Counts { get; }

    /// <summary>Sum of the counts.</summary>
    public long Total { get; }

    /// <summary>Words known.</summary>
    public int Count => Words.Count;

    /// <summary>The id of <paramref name="word"/> (lower-cased first), or −1.</summary>
    public int IdOf(string word) => _ids.TryGetValue(word.ToLowerInvariant(), out int id) ? id : -1;

    /// <summary>The words of one line of text by the rule in the class summary.</summary>
    public static IEnumerable<string> Tokens(string line) =>
        WordTokenizer.Split(line).Where(t => char.IsLetter(t[0])).Select(t => t.ToLowerInvariant());

    /// <summary>Counts the words of <paramref name="lines"/> and keeps those seen at least <paramref name="minCount"/> times.</summary>
    public static Word2VecVocabulary Build(IEnumerable<string> lines, int minCount)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (minCount <= 0) throw new ArgumentOutOfRangeException(nameof(minCount), $"Word2Vec: min count must be positive, got {minCount}.");
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string line in lines)
            foreach (string w in Tokens(line))
                counts[w] = counts.GetValueOrDefault(w) + 1;
        var kept = counts.Where(kv => kv.Value >= minCount).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
        if (kept.Length == 0)
            throw new ArgumentException(counts.Count == 0
                ? "Word2Vec: the corpus has no words."
                : $"Word2Vec: no word occurs {minCount} times or more (the corpus has {counts.Count} distinct words; lower the min count).");
        return new Word2VecVocabulary(kept.Select(kv => kv.Key).ToArray(), kept.Select(kv => kv.Value).ToArray());
    }

    /// <summary>The lines as sentences of ids, unknown words dropped; sentences with fewer than two words are skipped.</summary>
    public int[][] Encode(IEnumerable<string> lines) =>
        lines.Select(l => Tokens(l).Select(IdOf).Where(id => id >= 0).ToArray()).Where(s => s.Length >= 2).ToArray();

    /// <summary>
    /// Probability of keeping each occurrence of a word when subsampling frequent words with threshold t:
    /// <c>min(1, √(t/f) + t/f)</c> with f the word's corpus frequency (the form of word2vec's C tool; t = 0 keeps all).
    /// </summary>
    public double[] KeepProbabilities(double threshold)
    {
        var keep = new double[Count];
        for (int i = 0; i < Count; i++)
        {
            double f = (double)Counts[i] / Math.Max(Total, 1);
            keep[i] = threshold <= 0 || f <= 0 ? 1 : Math.Min(1, Math.Sqrt(threshold / f) + threshold / f);
        }
        return keep;
    }

    /// <summary>A word drawn from the noise distribution <c>∝ count^0.75</c>.</summary>
    public int SampleNoise(RandomStream random)
    {
        double u = random.NextDouble();
        int i = Array.BinarySearch(_noiseCumulative, u);
        i = i >= 0 ? i + 1 : ~i;
        return Math.Min(i, Count - 1);
    }

    /// <summary>Fills <paramref name="negatives"/> with noise words, each drawn again (up to 10 times) while it equals
    /// <paramref name="positive"/>.</summary>
    internal void SampleNegatives(Span<int> negatives, int positive, RandomStream random)
    {
        for (int j = 0; j < negatives.Length; j++)
        {
            int w = SampleNoise(random);
            for (int tries = 0; w == positive && tries < 10; tries++) w = SampleNoise(random);
            negatives[j] = w;
        }
    }
}
