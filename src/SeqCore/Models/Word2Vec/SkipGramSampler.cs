using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// The endless stream of skip-gram training examples: sentences in order, epoch after epoch; in each sentence frequent
/// words are subsampled afresh, and each remaining word is a center whose contexts are the words within a dynamic window
/// b drawn uniformly from 1…W (so nearer words are seen more often, as in word2vec). Each (center, context) pair gets
/// k negatives drawn from the noise distribution (a negative equal to the context is drawn again).
/// </summary>
public sealed class SkipGramSampler : IWord2VecSampler
{
    private readonly Word2VecVocabulary _vocabulary;
    private readonly int[][] _sentences;
    private readonly double[] _keep;
    private readonly int _window, _negatives;
    private readonly RandomStream _random;
    private readonly Word2VecSentenceStream<(int Center, int Context)> _stream;

    /// <summary>Creates the sampler; <paramref name="subsample"/> is the threshold t of <see cref="Word2VecVocabulary.KeepProbabilities"/>.</summary>
    public SkipGramSampler(int[][] sentences, Word2VecVocabulary vocabulary, int window, int negatives, double subsample, RandomStream random)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(random);
        if (sentences.Length == 0) throw new ArgumentException("Word2Vec: no sentence has two or more known words.");
        if (window <= 0) throw new ArgumentOutOfRangeException(nameof(window), $"Word2Vec: window must be positive, got {window}.");
        if (negatives <= 0) throw new ArgumentOutOfRangeException(nameof(negatives), $"Word2Vec: negatives must be positive, got {negatives}.");
        _sentences = sentences;
        _vocabulary = vocabulary;
        _keep = vocabulary.KeepProbabilities(subsample);
        _window = window;
        _negatives = negatives;
        _random = random;
        _stream = new(sentences, _keep, random, nameof(SkipGramSampler), Pairs);
    }

    /// <summary>Negatives per pair (k).</summary>
    public int Negatives => _negatives;

    /// <summary>One: the center.</summary>
    public int InputsPerExample => 1;

    /// <summary>Completed passes over the corpus.</summary>
    public int Epoch => _stream.Epoch;

    /// <summary>Fraction of the current epoch's sentences consumed.</summary>
    public double EpochProgress => _stream.EpochProgress;

    /// <summary>
    /// About how many pairs one epoch gives: per sentence, its expected length after subsampling (rounded), with the
    /// expected number of contexts of each position under the dynamic window. Used to turn epochs into steps.
    /// </summary>
    public long EstimatedPairsPerEpoch()
    {
        double total = 0;
        foreach (int[] sentence in _sentences)
        {
            int n = (int)Math.Round(sentence.Sum(w => _keep[w]));
            for (int i = 0; i < n; i++)
                for (int b = 1; b <= _window; b++) total += (Math.Min(b, i) + Math.Min(b, n - 1 - i)) / (double)_window;
        }
        return (long)Math.Round(total);
    }

    /// <summary>
    /// Fills the next <c>centers.Length</c> examples: <paramref name="centers"/> <c>[B]</c>, and
    /// <paramref name="outputs"/> <c>[B, k+1]</c> with the context first and the k negatives after it.
    /// </summary>
    public void Next(Span<int> centers, Span<int> outputs)
    {
        int k1 = _negatives + 1;
        if (outputs.Length != centers.Length * k1)
            throw new ArgumentException($"SkipGramSampler.Next: outputs must hold {centers.Length}×{k1} ids, got {outputs.Length}.");
        for (int b = 0; b < centers.Length; b++)
        {
            var (center, context) = _stream.Next();
            centers[b] = center;
            outputs[b * k1] = context;
            _vocabulary.SampleNegatives(outputs.Slice(b * k1 + 1, _negatives), context, _random);
        }
    }

    /// <summary>Each kept word with every word of its dynamic window, in order.</summary>
    private void Pairs(List<int> kept, List<(int Center, int Context)> pairs)
    {
        for (int i = 0; i < kept.Count; i++)
        {
            int b = 1 + _random.NextInt(_window);
            for (int j = Math.Max(0, i - b); j <= Math.Min(kept.Count - 1, i + b); j++)
                if (j != i) pairs.Add((kept[i], kept[j]));
        }
    }

    /// <summary>Writes where the stream stands (cursor, epoch, the pairs pending from the current sentence, the random
    /// position) into <paramref name="state"/>.</summary>
    public void SaveState(TrainableState state) => _stream.SaveState(state);

    /// <summary>Puts the stream back where <see cref="SaveState"/> found it (same corpus and settings), so the examples
    /// that follow are the same.</summary>
    public void RestoreState(TrainableState state) => _stream.RestoreState(state);
}
