using System.Numerics;
using SeqCore.Layers;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// A <see cref="SequenceTagger{T}"/> with its training and validation sentences, as the <see cref="Trainer{T}"/> sees it.
/// Each epoch the training sentences are shuffled with a seeded <see cref="RandomStream"/>, cut into pools of 50
/// batches, each pool sorted by length and cut into batches; every batch is padded to its bucket length (the next
/// multiple of <see cref="BucketSteps"/>), and the batches are shuffled and then grouped by bucket (the buckets in a
/// random order), so that the model's workspace is reallocated only when the bucket changes and a steady-state step
/// allocates nothing. The loss of a batch is the mean over its real tokens. <see cref="Evaluate"/> gives the mean
/// held-out loss per token and records the held-out token accuracy. Resumable: the state is the epoch, the next batch
/// and the positions of the two random streams.
/// </summary>
public sealed class TaggerTrainable<T> : ITrainable<T>, IResumableTrainable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Training batches are padded to a multiple of this many steps.</summary>
    public const int BucketSteps = 32;

    /// <summary>Sentences per forward pass of an evaluation or a prediction.</summary>
    public const int EvaluationBatch = 128;

    private const int PoolBatches = 50;
    private readonly SequenceTagger<T> _model;
    private readonly IReadOnlyList<int[]> _train, _trainTags, _valid, _validTags;
    private readonly int _batchSize;
    private readonly RandomStream _shuffle, _dropout;
    private readonly List<int[]> _batches = [];
    private readonly List<int[]> _batchSequences = [], _batchTags = [];
    private int _next;
    private ulong _epochShufflePosition;

    /// <summary>Training sentences (token ids) and their tags (one per token), optional validation data, the batch size
    /// and the seed of the shuffles and dropout masks.</summary>
    public TaggerTrainable(SequenceTagger<T> model, IReadOnlyList<int[]> train, IReadOnlyList<int[]> trainTags,
        IReadOnlyList<int[]>? valid, IReadOnlyList<int[]>? validTags, int batchSize, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(trainTags);
        if (train.Count == 0) throw new ArgumentException("TaggerTrainable: no training sentences.");
        CheckTags(train, trainTags, "training");
        if ((valid is null) != (validTags is null)) throw new ArgumentException("TaggerTrainable: validation sentences and tags must come together.");
        if (valid is not null) CheckTags(valid, validTags!, "validation");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"TaggerTrainable: the batch size must be positive, got {batchSize}.");
        _model = model;
        _train = train;
        _trainTags = trainTags;
        _valid = valid ?? [];
        _validTags = validTags ?? [];
        _batchSize = Math.Min(batchSize, train.Count);
        _shuffle = new RandomStream(seed);
        _dropout = new RandomStream(seed ^ 0x7A66E5UL);
        BatchesPerEpoch = _batchSize == 0 ? 0 : CountBatches();
    }

    private static void CheckTags(IReadOnlyList<int[]> sentences, IReadOnlyList<int[]> tags, string part)
    {
        if (sentences.Count != tags.Count) throw new ArgumentException($"TaggerTrainable: {sentences.Count} {part} sentences but {tags.Count} tag sequences.");
        for (int i = 0; i < sentences.Count; i++)
            if (sentences[i].Length == 0 || sentences[i].Length != tags[i].Length)
                throw new ArgumentException($"TaggerTrainable: {part} sentence {i} has {sentences[i].Length} tokens and {tags[i].Length} tags.");
    }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _model.Parameters;

    /// <inheritdoc />
    public string ItemUnit => "sentences";

    /// <summary>Batches in one pass over the training data.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Epochs started so far (1 during the first pass).</summary>
    public int Epoch { get; private set; }

    /// <summary>Held-out token accuracy of the last <see cref="Evaluate"/>, or null before it.</summary>
    public double? LastValidationAccuracy { get; private set; }

    /// <summary>The length a batch whose longest sentence has <paramref name="longest"/> tokens is padded to.</summary>
    public static int BucketOf(int longest) => checked((longest + BucketSteps - 1) / BucketSteps * BucketSteps);

    /// <inheritdoc />
    public BatchLoss TrainBatch(int step)
    {
        if (_next >= _batches.Count) NewEpoch();
        int[] batch = _batches[_next++];
        _batchSequences.Clear();
        _batchTags.Clear();
        int longest = 0;
        foreach (int i in batch)
        {
            _batchSequences.Add(_train[i]);
            _batchTags.Add(_trainTags[i]);
            longest = Math.Max(longest, _train[i].Length);
        }
        _model.Forward(_batchSequences, _dropout, BucketOf(longest));
        double loss = _model.Loss(_batchTags);
        _model.Backward(_batchTags);
        return new BatchLoss(loss, batch.Length);
    }

    /// <inheritdoc />
    public BatchLoss? Evaluate()
    {
        if (_valid.Count == 0) return null;
        var (loss, accuracy, tokens) = LossAndAccuracy(_model, _valid, _validTags);
        LastValidationAccuracy = accuracy;
        return new BatchLoss(loss, tokens);
    }

    /// <summary>Mean cross-entropy per token and token accuracy of <paramref name="model"/> (no dropout) on tagged
    /// sentences, in batches of <see cref="EvaluationBatch"/> by length; also the number of tokens.</summary>
    public static (double Loss, double Accuracy, long Tokens) LossAndAccuracy(SequenceTagger<T> model, IReadOnlyList<int[]> sentences, IReadOnlyList<int[]> tags)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentNullException.ThrowIfNull(tags);
        if (sentences.Count == 0) throw new ArgumentException("LossAndAccuracy: no sentences.");
        CheckTags(sentences, tags, "held-out");
        int[] order = [.. Enumerable.Range(0, sentences.Count).OrderBy(i => sentences[i].Length)];
        var batch = new List<int[]>(EvaluationBatch);
        var batchTags = new List<int[]>(EvaluationBatch);
        double total = 0;
        long tokens = 0, correct = 0;
        int k = model.Config.Tags;
        for (int start = 0; start < order.Length; start += EvaluationBatch)
        {
            int n = Math.Min(EvaluationBatch, order.Length - start);
            batch.Clear();
            batchTags.Clear();
            long batchTokens = 0;
            for (int i = 0; i < n; i++)
            {
                batch.Add(sentences[order[start + i]]);
                batchTags.Add(tags[order[start + i]]);
                batchTokens += batch[i].Length;
            }
            var logits = model.Backend.ToArray(model.Forward(batch));
            total += model.Loss(batchTags) * batchTokens;
            tokens += batchTokens;
            for (int i = 0; i < n; i++)
                for (int t = 0; t < batch[i].Length; t++)
                {
                    int row = (t * n + i) * k, best = 0;
                    for (int c = 1; c < k; c++) if (logits[row + c] > logits[row + best]) best = c;
                    if (best == batchTags[i][t]) correct++;
                }
        }
        return (total / tokens, (double)correct / tokens, tokens);
    }

    /// <inheritdoc />
    public void SaveState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Values["epoch"] = Epoch;
        state.Values["nextBatch"] = _next;
        state.Values["epochShufflePosition"] = _epochShufflePosition;
        state.Values["dropoutPosition"] = _dropout.Position;
    }

    /// <inheritdoc />
    public void RestoreState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        int epoch = state.Get<int>("epoch"), next = state.Get<int>("nextBatch");
        _dropout.Position = state.Get<ulong>("dropoutPosition");
        Epoch = 0;
        _batches.Clear();
        _next = 0;
        if (epoch == 0) return;
        _shuffle.Position = state.Get<ulong>("epochShufflePosition");
        Epoch = epoch - 1;
        NewEpoch();
        if (next < 0 || next > _batches.Count)
            throw new InvalidDataException($"the saved batch {next} does not fit an epoch of {_batches.Count} batches (other data or batch size?).");
        _next = next;
    }

    private int CountBatches()
    {
        int n = _train.Count, pool = _batchSize * PoolBatches, count = 0;
        for (int start = 0; start < n; start += pool) count += (Math.Min(pool, n - start) + _batchSize - 1) / _batchSize;
        return count;
    }

    private void NewEpoch()
    {
        Epoch++;
        _epochShufflePosition = _shuffle.Position;
        int n = _train.Count;
        var order = Enumerable.Range(0, n).ToArray();
        Shuffle(order);
        _batches.Clear();
        int pool = _batchSize * PoolBatches;
        for (int start = 0; start < n; start += pool)
        {
            var sorted = order.AsSpan(start, Math.Min(pool, n - start)).ToArray().OrderBy(i => _train[i].Length).ToArray(); // stable
            for (int b = 0; b < sorted.Length; b += _batchSize)
                _batches.Add(sorted[b..Math.Min(b + _batchSize, sorted.Length)]);
        }
        var batches = _batches.ToArray();
        Shuffle(batches);
        // Group by bucket, the buckets in a random order (each bucket's rank drawn once per epoch).
        var buckets = batches.Select(b => BucketOf(b.Max(i => _train[i].Length))).Distinct().ToArray();
        Shuffle(buckets);
        var rank = buckets.Select((bucket, r) => (bucket, r)).ToDictionary(p => p.bucket, p => p.r);
        _batches.Clear();
        _batches.AddRange(batches.OrderBy(b => rank[BucketOf(b.Max(i => _train[i].Length))])); // stable
        _next = 0;
    }

    private void Shuffle<TItem>(TItem[] items)
    {
        for (int i = items.Length - 1; i > 0; i--) // Fisher–Yates
        {
            int j = _shuffle.NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Nothing to free: the batches live in the model's reused buffers, and the model is the caller's.</summary>
    public void Dispose() { }
}
