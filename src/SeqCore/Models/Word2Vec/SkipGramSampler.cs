using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// The endless stream of skip-gram training examples: sentences in order, epoch after epoch; in each sentence frequent
/// words are subsampled afresh, and each remaining word is a center whose contexts are the words within a dynamic window
/// b drawn uniformly from 1…W (so nearer words are seen more often, as in word2vec). Each (center, context) pair gets
/// k negatives drawn from the noise distribution (a negative equal to the context is drawn again).
/// </summary>
public sealed class SkipGramSampler
{
    private readonly int[][] _sentences;
    private readonly Word2VecVocabulary _vocabulary;
    private readonly double[] _keep;
    private readonly int _window, _negatives;
    private readonly RandomStream _random;
    private readonly List<(int Center, int Context)> _pending = [];
    private int _sentence, _pendingAt;
    // Where the pending pairs came from: the sentence cursor, epoch and random position before their Refill, so a
    // restored sampler can draw them again instead of storing them.
    private int _refillSentence, _refillEpoch;
    private ulong _refillPosition;
    private bool _refilled;

    /// <summary>Creates the sampler; <paramref name="subsample"/> is the threshold t of <see cref="Word2VecVocabulary.KeepProbabilities"/>.</summary>
    public SkipGramSampler(int[][] sentences, Word2VecVocabulary vocabulary, int window, int negatives, double subsample, RandomStream random)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (sentences.Length == 0) throw new ArgumentException("Word2Vec: no sentence has two or more known words.");
        if (window <= 0) throw new ArgumentOutOfRangeException(nameof(window), $"Word2Vec: window must be positive, got {window}.");
        if (negatives <= 0) throw new ArgumentOutOfRangeException(nameof(negatives), $"Word2Vec: negatives must be positive, got {negatives}.");
        _sentences = sentences;
        _vocabulary = vocabulary;
        _keep = vocabulary.KeepProbabilities(subsample);
        _window = window;
        _negatives = negatives;
        _random = random;
    }

    /// <summary>Negatives per pair (k).</summary>
    public int Negatives => _negatives;

    /// <summary>Completed passes over the corpus.</summary>
    public int Epoch { get; private set; }

    /// <summary>Fraction of the current epoch's sentences consumed.</summary>
    public double EpochProgress => (double)_sentence / _sentences.Length;

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
            while (_pendingAt == _pending.Count) Refill();
            var (center, context) = _pending[_pendingAt++];
            centers[b] = center;
            outputs[b * k1] = context;
            for (int j = 1; j < k1; j++)
            {
                int w = _vocabulary.SampleNoise(_random);
                for (int tries = 0; w == context && tries < 10; tries++) w = _vocabulary.SampleNoise(_random);
                outputs[b * k1 + j] = w;
            }
        }
    }

    /// <summary>The pairs of the next sentence (after subsampling), in order.</summary>
    private void Refill()
    {
        _refillSentence = _sentence;
        _refillEpoch = Epoch;
        _refillPosition = _random.Position;
        _refilled = true;
        _pending.Clear();
        _pendingAt = 0;
        if (_sentence == _sentences.Length) { _sentence = 0; Epoch++; }
        int[] raw = _sentences[_sentence++];
        var kept = new List<int>(raw.Length);
        foreach (int w in raw)
            if (_keep[w] >= 1 || _random.NextDouble() < _keep[w]) kept.Add(w);
        for (int i = 0; i < kept.Count; i++)
        {
            int b = 1 + _random.NextInt(_window);
            for (int j = Math.Max(0, i - b); j <= Math.Min(kept.Count - 1, i + b); j++)
                if (j != i) _pending.Add((kept[i], kept[j]));
        }
    }

    /// <summary>Writes where the stream stands (cursor, epoch, the pairs pending from the current sentence, the random
    /// position) into <paramref name="state"/>.</summary>
    public void SaveState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Values["sentence"] = _sentence;
        state.Values["epoch"] = Epoch;
        state.Values["pendingAt"] = _pendingAt;
        state.Values["refilled"] = _refilled;
        state.Values["refillSentence"] = _refillSentence;
        state.Values["refillEpoch"] = _refillEpoch;
        state.Values["refillPosition"] = _refillPosition;
        state.Values["randomPosition"] = _random.Position;
    }

    /// <summary>Puts the stream back where <see cref="SaveState"/> found it (same corpus and settings), so the examples
    /// that follow are the same.</summary>
    public void RestoreState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _pending.Clear();
        _pendingAt = 0;
        _refilled = state.Get<bool>("refilled");
        if (_refilled)
        {
            // Draw the current sentence's pairs again exactly as they were drawn.
            _sentence = CheckedSentence(state.Get<int>("refillSentence"));
            Epoch = state.Get<int>("refillEpoch");
            _random.Position = state.Get<ulong>("refillPosition");
            Refill();
            int pendingAt = state.Get<int>("pendingAt");
            if (pendingAt < 0 || pendingAt > _pending.Count)
                throw new InvalidDataException($"SkipGramSampler: the saved pair position {pendingAt} is outside the sentence's {_pending.Count} pairs; the corpus or settings differ.");
            _pendingAt = pendingAt;
        }
        _sentence = CheckedSentence(state.Get<int>("sentence"));
        Epoch = state.Get<int>("epoch");
        _random.Position = state.Get<ulong>("randomPosition");
    }

    private int CheckedSentence(int sentence) =>
        sentence >= 0 && sentence <= _sentences.Length ? sentence
        : throw new InvalidDataException($"SkipGramSampler: the saved sentence {sentence} is outside the corpus of {_sentences.Length} sentences; the corpus differs.");
}
