using System.Numerics;
using SeqCore.Distributed;
using SeqCore.Layers;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// A <see cref="SequenceClassifier{T}"/> with its training and validation data, as the <see cref="Trainer{T}"/> sees it.
/// Each epoch the training sequences are shuffled with a seeded <see cref="RandomStream"/>, cut into pools of 50
/// batches, each pool sorted by length and cut into batches (so a batch holds sequences of similar length and little
/// padding), and the batches are shuffled again. <see cref="Evaluate"/> gives the mean held-out loss and records the
/// held-out accuracy. The state a resumed run needs (<see cref="IResumableTrainable"/>) is the epoch, the next batch and
/// the positions of the two random streams (the epoch's batches are drawn again from the position they were drawn at).
/// With a <see cref="BatchShard"/> (data-parallel training) every rank draws the same batches and trains on its
/// sequences of each, <see cref="BatchShard.OfAny"/>, padded to the batch's longest sequence; its dropout masks are its
/// rows' part of the whole batch's (<see cref="RowWindow"/>), so N ranks draw what one process draws. A rank left
/// without rows of an epoch's last, short batch runs the forward pass on the batch's first sequence only to draw (and
/// discard) as much as the others, and adds no gradient.
/// </summary>
public sealed class ClassifierTrainable<T> : ITrainable<T>, IResumableTrainable where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int PoolBatches = 50;
    private readonly SequenceClassifier<T> _model;
    private readonly IReadOnlyList<int[]> _train, _valid;
    private readonly IReadOnlyList<int> _trainLabels, _validLabels;
    private readonly int _batchSize;
    private readonly RandomStream _shuffle, _dropout;
    private readonly BatchShard _shard;
    private readonly List<int[]> _batches = [];
    private readonly List<int[]> _batchSequences = [];
    private int[] _batchLabels = [];
    private int _next;
    private ulong _epochShufflePosition;

    /// <summary>
    /// Training sequences and labels (cut to the model's maximum length when it has one), optional validation data, the
    /// batch size, and the seed of the shuffles and dropout masks.
    /// </summary>
    public ClassifierTrainable(SequenceClassifier<T> model, IReadOnlyList<int[]> train, IReadOnlyList<int> trainLabels,
        IReadOnlyList<int[]>? valid, IReadOnlyList<int>? validLabels, int batchSize, ulong seed, BatchShard? shard = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(trainLabels);
        if (train.Count == 0) throw new ArgumentException("ClassifierTrainable: no training sequences.");
        if (train.Count != trainLabels.Count) throw new ArgumentException($"ClassifierTrainable: {train.Count} training sequences but {trainLabels.Count} labels.");
        if ((valid is null) != (validLabels is null) || (valid is not null && valid.Count != validLabels!.Count))
            throw new ArgumentException("ClassifierTrainable: validation sequences and labels must come together and match in number.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"ClassifierTrainable: the batch size must be positive, got {batchSize}.");
        _model = model;
        _train = train.Select(model.Truncate).ToArray();
        _trainLabels = trainLabels;
        _valid = valid?.Select(model.Truncate).ToArray() ?? [];
        _validLabels = validLabels ?? [];
        _batchSize = Math.Min(batchSize, train.Count);
        _shuffle = new RandomStream(seed);
        _shard = shard ?? BatchShard.Whole;
        _shard.Of(_batchSize); // the configured batch must split evenly
        _dropout = new RandomStream(seed ^ 0x5EC0C1A55UL);
        BatchesPerEpoch = (train.Count + _batchSize - 1) / _batchSize;
    }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _model.Parameters;

    /// <inheritdoc />
    public string ItemUnit => "sequences";

    /// <summary>Batches in one pass over the training data.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Epochs started so far (1 during the first pass).</summary>
    public int Epoch { get; private set; }

    /// <summary>Held-out accuracy of the last <see cref="Evaluate"/>, or null before it.</summary>
    public double? LastValidationAccuracy { get; private set; }

    /// <inheritdoc />
    public BatchLoss TrainBatch(int step)
    {
        if (_next >= _batches.Count) NewEpoch();
        int[] batch = _batches[_next++];
        var (first, rows) = _shard.OfAny(batch.Length);
        int[] members = batch[first..(first + rows)];
        int steps = _shard.IsWhole ? 0 : batch.Max(i => _train[i].Length);
        _batchSequences.Clear();
        if (members.Length == 0)
        {
            _dropout.Rows = new RowWindow(0, 1, batch.Length);
            _batchSequences.Add(_train[batch[0]]);
            _model.ForwardPadded(_batchSequences, _dropout, steps);
            return new BatchLoss(0, 0);
        }
        _dropout.Rows = new RowWindow(first, rows, batch.Length);
        if (_batchLabels.Length != members.Length) _batchLabels = new int[members.Length];
        for (int i = 0; i < members.Length; i++)
        {
            _batchSequences.Add(_train[members[i]]);
            _batchLabels[i] = _trainLabels[members[i]];
        }
        _model.ForwardPadded(_batchSequences, _dropout, steps);
        double loss = _model.Loss(_batchLabels);
        _model.Backward(_batchLabels);
        return new BatchLoss(loss, members.Length);
    }

    /// <inheritdoc />
    public BatchLoss? Evaluate()
    {
        if (_valid.Count == 0) return null;
        var (loss, accuracy) = LossAndAccuracy(_model, _valid, _validLabels);
        LastValidationAccuracy = accuracy;
        return new BatchLoss(loss, _valid.Count);
    }

    /// <summary>Sequences per forward pass of an evaluation (<see cref="LossAndAccuracy"/>) and of a prediction
    /// (<see cref="SequenceClassifier{T}.PredictProbabilities"/>).</summary>
    public const int EvaluationBatch = 256;

    /// <summary>Mean loss (<see cref="SequenceClassifier{T}.Loss"/>) and accuracy of <paramref name="model"/> (no dropout) on labelled sequences, in batches of
    /// <see cref="EvaluationBatch"/> by length.</summary>
    public static (double Loss, double Accuracy) LossAndAccuracy(SequenceClassifier<T> model, IReadOnlyList<int[]> sequences, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (sequences.Count == 0 || sequences.Count != labels.Count) throw new ArgumentException($"LossAndAccuracy: {sequences.Count} sequences and {labels.Count} labels.");
        int[] order = Enumerable.Range(0, sequences.Count).OrderBy(i => sequences[i].Length).ToArray();
        var batch = new List<int[]>(EvaluationBatch);
        double total = 0;
        int correct = 0, k = model.Config.LogitCount;
        for (int start = 0; start < order.Length; start += EvaluationBatch)
        {
            int n = Math.Min(EvaluationBatch, order.Length - start);
            batch.Clear();
            var y = new int[n];
            for (int i = 0; i < n; i++) { batch.Add(model.Truncate(sequences[order[start + i]])); y[i] = labels[order[start + i]]; }
            var logits = model.Backend.ToArray(model.Forward(batch));
            total += model.Loss(y) * n;
            for (int i = 0; i < n; i++)
                if (model.PredictedClass(logits.AsSpan(i * k, k)) == y[i]) correct++;
        }
        return (total / sequences.Count, (double)correct / sequences.Count);
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

    private void NewEpoch()
    {
        Epoch++;
        _epochShufflePosition = _shuffle.Position;
        int n = _train.Count;
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--) // Fisher–Yates
        {
            int j = _shuffle.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        _batches.Clear();
        int pool = _batchSize * PoolBatches;
        for (int start = 0; start < n; start += pool)
        {
            var members = order.AsSpan(start, Math.Min(pool, n - start)).ToArray();
            var sorted = members.OrderBy(i => _train[i].Length).ToArray(); // stable: equal lengths keep the shuffled order
            for (int b = 0; b < sorted.Length; b += _batchSize)
                _batches.Add(sorted[b..Math.Min(b + _batchSize, sorted.Length)]);
        }
        for (int i = _batches.Count - 1; i > 0; i--)
        {
            int j = _shuffle.NextInt(i + 1);
            (_batches[i], _batches[j]) = (_batches[j], _batches[i]);
        }
        _next = 0;
    }

    /// <summary>Nothing to free: the batches live in the model's reused buffers, and the model is the caller's.</summary>
    public void Dispose() { }
}
