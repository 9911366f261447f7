using System.Numerics;
using SeqCore.Layers;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// A <see cref="TransformerSeq2Seq{T}"/> with its training and held-out examples, as the <see cref="Trainer{T}"/> sees
/// it: each step draws a random batch (with replacement, from a seeded stream) and trains on it with dropout drawn from
/// a second stream; with <see cref="TokenBatches"/> it walks length-bucketed batches epoch by epoch instead.
/// <see cref="Evaluate"/> gives the plain teacher-forced held-out loss and token accuracy. A run saved mid-way resumes
/// exactly: the state is the positions of the two streams (and of the token batches). <see cref="Decode"/> measures
/// exact-match sequence accuracy with greedy or beam-search decoding.
/// </summary>
public sealed class TransformerSeq2SeqTrainable<T> : ITrainable<T>, IResumableTrainable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly TransformerSeq2Seq<T> _model;
    private readonly IReadOnlyList<Seq2SeqExample> _train, _heldOut;
    private readonly RandomStream _sampling, _dropout;
    private readonly int[][] _sources, _targets;

    /// <summary>Creates the trainable; <paramref name="seed"/> drives batch sampling and dropout.</summary>
    public TransformerSeq2SeqTrainable(TransformerSeq2Seq<T> model, IReadOnlyList<Seq2SeqExample> train, IReadOnlyList<Seq2SeqExample> heldOut,
        int batchSize, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        if (train.Count == 0) throw new ArgumentException("TransformerSeq2SeqTrainable: there are no training examples.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"TransformerSeq2SeqTrainable: the batch size must be positive, got {batchSize}.");
        _model = model;
        _train = train;
        _heldOut = heldOut;
        BatchSize = batchSize;
        _sampling = new RandomStream(seed);
        _dropout = new RandomStream(seed ^ 0xd409_0a7e_5eedUL);
        _sources = new int[batchSize][];
        _targets = new int[batchSize][];
    }

    /// <summary>Examples per training batch (with <see cref="TokenBatches"/>: per evaluation chunk only).</summary>
    public int BatchSize { get; }

    /// <summary>Length-bucketed batches planned over the training examples, walked epoch by epoch instead of drawing
    /// <see cref="BatchSize"/> examples at random; null: random sentence batches.</summary>
    public Seq2SeqTokenBatches? TokenBatches { get; init; }

    /// <summary>Teacher-forced token accuracy of the last <see cref="Evaluate"/> (NaN before).</summary>
    public double LastTokenAccuracy { get; private set; } = double.NaN;

    /// <inheritdoc />
    public string ItemUnit => "tokens";

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _model.Parameters;

    /// <inheritdoc />
    public BatchLoss TrainBatch(int step)
    {
        if (TokenBatches is not null)
        {
            var picked = TokenBatches.Next();
            var tokenLoss = _model.TrainStep(new Seq2SeqBatch([.. picked.Select(i => _train[i].Source)], [.. picked.Select(i => _train[i].Target)]), _dropout);
            return new BatchLoss(tokenLoss.Loss, tokenLoss.Tokens);
        }
        for (int i = 0; i < BatchSize; i++)
        {
            var ex = _train[_sampling.NextInt(_train.Count)];
            (_sources[i], _targets[i]) = (ex.Source, ex.Target);
        }
        var loss = _model.TrainStep(new Seq2SeqBatch(_sources, _targets), _dropout);
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
        state.Values["dropoutPosition"] = _dropout.Position;
        if (TokenBatches is null) return;
        state.Values["tokenBatchEpoch"] = TokenBatches.Epoch;
        state.Values["tokenBatchPosition"] = TokenBatches.Position;
    }

    /// <inheritdoc />
    public void RestoreState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _sampling.Position = state.Get<ulong>("samplingPosition");
        _dropout.Position = state.Get<ulong>("dropoutPosition");
        TokenBatches?.Seek(state.Get<int>("tokenBatchEpoch"), state.Get<int>("tokenBatchPosition"));
    }

    /// <summary>Decodes the held-out sources with <paramref name="options"/> (greedy when its beam width is 1) and counts
    /// the predictions equal to their targets.</summary>
    public Seq2SeqAccuracy Decode(Seq2SeqDecodeOptions options) => Seq2SeqTrainable<T>.Decode(_model, _heldOut, options);

    /// <summary>Nothing to free: the batches live in the model's reused buffers, and the model is the caller's.</summary>
    public void Dispose() { }
}
