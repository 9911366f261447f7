using System.Numerics;
using SeqCore.Distributed;
using SeqCore.Layers;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>One (source, target) example as ids: the source ends with the source <c>&lt;eos&gt;</c>, the target is bare.</summary>
/// <param name="Source">Source ids.</param>
/// <param name="Target">Target ids.</param>
public sealed record Seq2SeqExample(int[] Source, int[] Target);

/// <summary>Held-out quality of a <see cref="Seq2Seq{T}"/>.</summary>
/// <param name="Examples">Held-out examples decoded.</param>
/// <param name="ExactMatches">Decoded sequences equal to the reference.</param>
/// <param name="Predictions">The decoded target ids, one per example (without <c>&lt;eos&gt;</c>).</param>
public sealed record Seq2SeqAccuracy(int Examples, int ExactMatches, IReadOnlyList<int[]> Predictions)
{
    /// <summary>Exact-match sequence accuracy in [0, 1].</summary>
    public double ExactMatch => Examples == 0 ? 0 : (double)ExactMatches / Examples;
}

/// <summary>
/// A <see cref="Seq2Seq{T}"/> with its training and held-out examples, as the <see cref="Trainer{T}"/> sees it:
/// each step draws a random batch (with replacement, from a seeded stream), trains on it with the configured
/// teacher-forcing ratio, and <see cref="Evaluate"/> gives the teacher-forced held-out loss and token accuracy.
/// With <see cref="TokenBatches"/> it walks length-bucketed batches epoch by epoch instead.
/// A run saved mid-way resumes exactly: the state is the positions of the three random streams (sampling, teacher
/// forcing, dropout) and of the token batches. <see cref="Decode(Seq2SeqDecodeOptions)"/> measures exact-match sequence
/// accuracy with batched greedy or beam-search decoding (<see cref="Seq2SeqDecoder"/>).
/// With a <see cref="BatchShard"/> (data-parallel training) every rank draws the same global batch and trains on its
/// examples of it, padded to the global batch's target length; a rank's teacher-forcing coins are its rows' part of
/// the whole batch's (<see cref="RowWindow"/>), so N ranks draw what one process draws.
/// </summary>
public sealed class Seq2SeqTrainable<T> : ITrainable<T>, IResumableTrainable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Seq2Seq<T> _model;
    private readonly IReadOnlyList<Seq2SeqExample> _train, _heldOut;
    private readonly RandomStream _sampling, _teacher, _dropout;
    private readonly int _first, _rows;
    private readonly Seq2SeqTokenBatches? _tokenBatches;

    /// <summary>Creates the trainable. <paramref name="seed"/> drives batch sampling and teacher forcing;
    /// <paramref name="shard"/>: this rank's examples of every batch (null: all of them).</summary>
    public Seq2SeqTrainable(Seq2Seq<T> model, IReadOnlyList<Seq2SeqExample> train, IReadOnlyList<Seq2SeqExample> heldOut,
        int batchSize, double teacherForcing, ulong seed, BatchShard? shard = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        if (train.Count == 0) throw new ArgumentException("Seq2SeqTrainable: there are no training examples.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"Seq2SeqTrainable: the batch size must be positive, got {batchSize}.");
        if (teacherForcing is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(teacherForcing), $"Seq2SeqTrainable: the teacher-forcing ratio must be in [0, 1], got {teacherForcing}.");
        _model = model;
        _train = train;
        _heldOut = heldOut;
        BatchSize = batchSize;
        TeacherForcing = teacherForcing;
        _sampling = new RandomStream(seed);
        var part = shard ?? BatchShard.Whole;
        (_first, _rows) = part.Of(batchSize);
        _teacher = new RandomStream(seed ^ 0x5eed_7eac_4e55UL) { Rows = part.Window(batchSize) };
        _dropout = new RandomStream(seed ^ 0xd120_9047_5eedUL) { Rows = part.Window(batchSize) };
    }

    /// <summary>Length-bucketed batches planned over the training examples, walked epoch by epoch instead of drawing
    /// <see cref="BatchSize"/> examples at random (then <see cref="BatchSize"/> is only the batch of
    /// <see cref="Evaluate"/> and <see cref="Decode(Seq2SeqDecodeOptions)"/>); null: random sentence batches. One process only.</summary>
    public Seq2SeqTokenBatches? TokenBatches
    {
        get => _tokenBatches;
        init
        {
            if (value is not null && (_first != 0 || _rows != BatchSize))
                throw new ArgumentException("Seq2SeqTrainable: token batches are for one process; a data-parallel rank draws sentence batches.");
            _tokenBatches = value;
            if (value is not null) _teacher.Rows = _dropout.Rows = null;
        }
    }

    /// <summary>Examples per training batch.</summary>
    public int BatchSize { get; }

    /// <summary>Probability that a decoder input is the reference token (1 = full teacher forcing).</summary>
    public double TeacherForcing { get; }

    /// <summary>Teacher-forced token accuracy of the last <see cref="Evaluate"/> (NaN before).</summary>
    public double LastTokenAccuracy { get; private set; } = double.NaN;

    /// <inheritdoc />
    public string ItemUnit => "tokens";

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _model.Parameters;

    /// <inheritdoc />
    public BatchLoss TrainBatch(int step)
    {
        if (_tokenBatches is not null)
        {
            var picked = _tokenBatches.Next();
            var tokenBatch = new Seq2SeqBatch([.. picked.Select(i => _train[i].Source)], [.. picked.Select(i => _train[i].Target)]);
            var tokenLoss = _model.TrainStep(tokenBatch, TeacherForcing, _teacher, _dropout);
            return new BatchLoss(tokenLoss.Loss, tokenLoss.Tokens);
        }
        var sources = new int[BatchSize][];
        var targets = new int[BatchSize][];
        for (int i = 0; i < BatchSize; i++)
        {
            var ex = _train[_sampling.NextInt(_train.Count)];
            (sources[i], targets[i]) = (ex.Source, ex.Target);
        }
        // Padded to the whole batch's lengths: the coins and dropout masks are drawn per step for every row of the batch.
        int targetSteps = targets.Max(t => t.Length) + 1, sourceSteps = sources.Max(s => s.Length);
        var batch = new Seq2SeqBatch(sources[_first..(_first + _rows)], targets[_first..(_first + _rows)], targetSteps, sourceSteps);
        var loss = _model.TrainStep(batch, TeacherForcing, _teacher, _dropout);
        return new BatchLoss(loss.Loss, loss.Tokens);
    }

    /// <inheritdoc />
    public BatchLoss? Evaluate()
    {
        if (_heldOut.Count == 0) return null;
        double total = 0;
        long tokens = 0, correct = 0;
        foreach (var chunk in _heldOut.Chunk(BatchSize))
        {
            var r = _model.Loss(new Seq2SeqBatch([.. chunk.Select(e => e.Source)], [.. chunk.Select(e => e.Target)]));
            total += r.Loss * r.Tokens;
            tokens += r.Tokens;
            correct += r.CorrectTokens;
        }
        LastTokenAccuracy = (double)correct / tokens;
        return new BatchLoss(total / tokens, tokens);
    }

    /// <inheritdoc />
    public void SaveState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Values["samplingPosition"] = _sampling.Position;
        state.Values["teacherPosition"] = _teacher.Position;
        state.Values["dropoutPosition"] = _dropout.Position;
        if (_tokenBatches is null) return;
        state.Values["tokenBatchEpoch"] = _tokenBatches.Epoch;
        state.Values["tokenBatchPosition"] = _tokenBatches.Position;
    }

    /// <inheritdoc />
    public void RestoreState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _sampling.Position = state.Get<ulong>("samplingPosition");
        _teacher.Position = state.Get<ulong>("teacherPosition");
        // States saved before dropout existed have no dropout stream (and trained without dropout).
        if (state.Values.ContainsKey("dropoutPosition")) _dropout.Position = state.Get<ulong>("dropoutPosition");
        _tokenBatches?.Seek(state.Get<int>("tokenBatchEpoch"), state.Get<int>("tokenBatchPosition"));
    }

    /// <summary>Decodes the held-out sources (batched greedy or beam search, see <see cref="Seq2SeqDecoder"/>) and counts
    /// exact matches.</summary>
    public Seq2SeqAccuracy Decode(Seq2SeqDecodeOptions options) => Decode(_model, _heldOut, options);

    /// <summary>Decodes <paramref name="examples"/> with <see cref="Seq2SeqDecoder"/> and counts the predictions equal
    /// to their targets.</summary>
    public static Seq2SeqAccuracy Decode(ISeq2SeqModel<T> model, IReadOnlyList<Seq2SeqExample> examples, Seq2SeqDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        var decoded = Seq2SeqDecoder.Decode(model, [.. examples.Select(e => e.Source)], options);
        var predictions = decoded.Select(Seq2SeqDecoder.WithoutEnd).ToList();
        int exact = 0;
        for (int i = 0; i < examples.Count; i++) if (predictions[i].AsSpan().SequenceEqual(examples[i].Target)) exact++;
        return new Seq2SeqAccuracy(examples.Count, exact, predictions);
    }

    /// <summary>Nothing to free: the batches live in the model's reused buffers, and the model is the caller's.</summary>
    public void Dispose() { }
}
