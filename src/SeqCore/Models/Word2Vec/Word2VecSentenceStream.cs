using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// The sentence cursor both word2vec samplers share: sentences in order, epoch after epoch; in each sentence frequent
/// words are subsampled afresh, then <c>expand</c> turns the kept words into the sentence's examples (it draws each
/// center's dynamic window). Saves and restores where it stands, so a resumed run draws the same examples.
/// </summary>
internal sealed class Word2VecSentenceStream<TItem>(int[][] sentences, double[] keep, RandomStream random, string owner,
    Action<List<int>, List<TItem>> expand)
{
    private readonly List<TItem> _pending = [];
    private int _sentence, _pendingAt;
    // Where the pending examples came from: the sentence cursor, epoch and random position before their Refill, so a
    // restored stream can draw them again instead of storing them.
    private int _refillSentence, _refillEpoch;
    private ulong _refillPosition;
    private bool _refilled;

    /// <summary>Completed passes over the corpus.</summary>
    public int Epoch { get; private set; }

    /// <summary>Fraction of the current epoch's sentences consumed.</summary>
    public double EpochProgress => (double)_sentence / sentences.Length;

    /// <summary>The next example.</summary>
    public TItem Next()
    {
        while (_pendingAt == _pending.Count) Refill();
        return _pending[_pendingAt++];
    }

    /// <summary>The examples of the next sentence (after subsampling), in order.</summary>
    private void Refill()
    {
        _refillSentence = _sentence;
        _refillEpoch = Epoch;
        _refillPosition = random.Position;
        _refilled = true;
        _pending.Clear();
        _pendingAt = 0;
        if (_sentence == sentences.Length) { _sentence = 0; Epoch++; }
        int[] raw = sentences[_sentence++];
        var kept = new List<int>(raw.Length);
        foreach (int w in raw)
            if (keep[w] >= 1 || random.NextDouble() < keep[w]) kept.Add(w);
        expand(kept, _pending);
    }

    /// <summary>Writes the cursor, epoch, the examples pending from the current sentence and the random position.</summary>
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
        state.Values["randomPosition"] = random.Position;
    }

    /// <summary>Puts the stream back where <see cref="SaveState"/> found it (same corpus and settings).</summary>
    public void RestoreState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _pending.Clear();
        _pendingAt = 0;
        _refilled = state.Get<bool>("refilled");
        if (_refilled)
        {
            // Draw the current sentence's examples again exactly as they were drawn.
            _sentence = CheckedSentence(state.Get<int>("refillSentence"));
            Epoch = state.Get<int>("refillEpoch");
            random.Position = state.Get<ulong>("refillPosition");
            Refill();
            int pendingAt = state.Get<int>("pendingAt");
            if (pendingAt < 0 || pendingAt > _pending.Count)
                throw new InvalidDataException($"{owner}: the saved position {pendingAt} is outside the sentence's {_pending.Count} examples; the corpus or settings differ.");
            _pendingAt = pendingAt;
        }
        _sentence = CheckedSentence(state.Get<int>("sentence"));
        Epoch = state.Get<int>("epoch");
        random.Position = state.Get<ulong>("randomPosition");
    }

    private int CheckedSentence(int sentence) =>
        sentence >= 0 && sentence <= sentences.Length ? sentence
        : throw new InvalidDataException($"{owner}: the saved sentence {sentence} is outside the corpus of {sentences.Length} sentences; the corpus differs.");
}
