using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// The endless stream of CBOW training examples (word2vec's <c>-cbow 1</c>): sentences in order, epoch after epoch,
/// frequent words subsampled afresh as in <see cref="SkipGramSampler"/>; each remaining word is a center whose input is
/// its whole dynamic window (b drawn uniformly from 1…W, the center itself left out) and whose target is the center,
/// with k negatives drawn from the noise distribution (a negative equal to the center is drawn again).
/// </summary>
public sealed class CbowSampler : IWord2VecSampler
{
    private readonly Word2VecVocabulary _vocabulary;
    private readonly int[][] _sentences;
    private readonly double[] _keep;
    private readonly int _window, _negatives;
    private readonly RandomStream _random;
    private readonly Word2VecSentenceStream<(int Center, int[] Contexts)> _stream;

    /// <summary>Creates the sampler; <paramref name="subsample"/> is the threshold t of <see cref="Word2VecVocabulary.KeepProbabilities"/>.</summary>
    public CbowSampler(int[][] sentences, Word2VecVocabulary vocabulary, int window, int negatives, double subsample, RandomStream random)
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
        _stream = new(sentences, _keep, random, nameof(CbowSampler), Windows);
    }

    /// <summary>Negatives per example (k).</summary>
    public int Negatives => _negatives;

    /// <summary>2·W: the widest window; shorter ones are padded with −1.</summary>
    public int InputsPerExample => 2 * _window;

    /// <summary>Completed passes over the corpus.</summary>
    public int Epoch => _stream.Epoch;

    /// <summary>Fraction of the current epoch's sentences consumed.</summary>
    public double EpochProgress => _stream.EpochProgress;

    /// <summary>About how many examples (centers) one epoch gives: per sentence of two or more words, its expected
    /// length after subsampling, rounded.</summary>
    public long EstimatedPairsPerEpoch()
    {
        long total = 0;
        foreach (int[] sentence in _sentences)
        {
            int n = (int)Math.Round(sentence.Sum(w => _keep[w]));
            if (n >= 2) total += n;
        }
        return total;
    }

    /// <summary>Fills the next B examples: <paramref name="contexts"/> <c>[B, 2W]</c> (the window's words, −1 after
    /// them) and <paramref name="outputs"/> <c>[B, k+1]</c> with the center first and the k negatives after it.</summary>
    public void Next(Span<int> contexts, Span<int> outputs)
    {
        int k1 = _negatives + 1, c = InputsPerExample;
        if (contexts.Length % c != 0 || outputs.Length != contexts.Length / c * k1)
            throw new ArgumentException($"CbowSampler.Next: expected contexts of B×{c} and outputs of B×{k1} ids, got {contexts.Length} and {outputs.Length}.");
        for (int b = 0; b < contexts.Length / c; b++)
        {
            var (center, window) = _stream.Next();
            var row = contexts.Slice(b * c, c);
            row.Fill(-1);
            window.CopyTo(row);
            outputs[b * k1] = center;
            _vocabulary.SampleNegatives(outputs.Slice(b * k1 + 1, _negatives), center, _random);
        }
    }

    /// <summary>Each kept word with the words of its dynamic window (sentences of one kept word give none).</summary>
    private void Windows(List<int> kept, List<(int Center, int[] Contexts)> examples)
    {
        for (int i = 0; i < kept.Count; i++)
        {
            int b = 1 + _random.NextInt(_window);
            var window = new List<int>(2 * b);
            for (int j = Math.Max(0, i - b); j <= Math.Min(kept.Count - 1, i + b); j++)
                if (j != i) window.Add(kept[j]);
            if (window.Count > 0) examples.Add((kept[i], window.ToArray()));
        }
    }

    /// <summary>Writes where the stream stands into <paramref name="state"/>.</summary>
    public void SaveState(TrainableState state) => _stream.SaveState(state);

    /// <summary>Puts the stream back where <see cref="SaveState"/> found it (same corpus and settings).</summary>
    public void RestoreState(TrainableState state) => _stream.RestoreState(state);
}
