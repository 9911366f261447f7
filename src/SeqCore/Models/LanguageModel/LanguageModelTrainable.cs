using System.Numerics;
using SeqCore.Distributed;
using SeqCore.Layers;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// A <see cref="LanguageModel{T}"/> and its token stream as the <see cref="Trainer{T}"/> sees them, with truncated
/// backpropagation through time. The training tokens are cut into <c>B</c> contiguous streams of
/// <c>S = (N − 1) / B</c> predictions; step k reads the next window of <c>W</c> tokens from every stream at once
/// (a <c>[W, B]</c> batch whose targets are the same tokens shifted by one). A recurrent model carries its hidden state
/// from one window to the next and the gradient stops at the window's start (the state is detached); when a stream has
/// fewer than W tokens left, the state is reset to zero and every stream starts again from its beginning (the tail
/// is skipped, so every batch has the same shape). A transformer reads windows of its context length with no state.
/// With a <see cref="BatchShard"/> (data-parallel training), rank r reads only its streams <c>[r·B/N, (r+1)·B/N)</c>
/// of the same B streams and carries their state; the ranks together read exactly the batch of one process.
/// </summary>
public sealed class LanguageModelTrainable<T> : ITrainable<T>, IResumableTrainable, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LanguageModel<T> _model;
    private readonly int[] _train, _heldOut;
    private readonly int _streams, _firstStream, _length, _window, _evalBatch;
    private readonly LanguageModelState<T>? _state;
    private readonly RandomStream _dropout;
    private readonly int[] _x, _y;
    private int _offset;

    /// <summary>
    /// Prepares training on <paramref name="train"/> (token ids) with <paramref name="batch"/> streams and windows of
    /// <paramref name="bptt"/> tokens (a transformer uses its context length instead); <paramref name="heldOut"/> (may be
    /// empty) is what <see cref="Evaluate"/> scores, at most its first <paramref name="maxEvalTokens"/> tokens.
    /// Dropout masks come from a Philox stream seeded with <paramref name="seed"/>; a rank draws its streams' part of the
    /// whole batch's masks (<see cref="RowWindow"/>). <paramref name="shard"/>: this rank's streams (null: all of them).
    /// </summary>
    public LanguageModelTrainable(LanguageModel<T> model, int[] train, int[] heldOut, int batch, int bptt, ulong seed,
        int maxEvalTokens = int.MaxValue, int evalBatch = 0, BatchShard? shard = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        if (batch <= 0 || bptt <= 0) throw new ArgumentOutOfRangeException(nameof(batch), $"LanguageModelTrainable: batch and bptt must be positive, got {batch} and {bptt}.");
        _model = model;
        _window = model.IsRecurrent ? bptt : model.Config.ContextLength;
        var part = shard ?? BatchShard.Whole;
        (_firstStream, _streams) = part.Of(batch);
        _length = (train.Length - 1) / batch;
        if (_length < _window)
            throw new ArgumentException($"LanguageModelTrainable: {train.Length} training tokens give {batch} streams of {_length} predictions, fewer than one window of {_window}; " +
                "use a longer corpus, a smaller batch or a shorter window.");
        _train = train;
        _heldOut = heldOut.Length > maxEvalTokens ? heldOut[..maxEvalTokens] : heldOut;
        _evalBatch = evalBatch > 0 ? evalBatch : batch;
        _state = model.IsRecurrent ? model.CreateState(_streams) : null;
        _state?.Reset();
        _dropout = new RandomStream(seed) { Rows = part.Window(batch) };
        _x = new int[_window * _streams];
        _y = new int[_window * _streams];
    }

    /// <summary>Tokens per window W.</summary>
    public int Window => _window;

    /// <summary>Held-out tokens <see cref="Evaluate"/> scores.</summary>
    public int HeldOutTokens => _heldOut.Length;

    /// <summary>Windows in one pass over the training streams.</summary>
    public int WindowsPerEpoch => _length / _window;

    /// <inheritdoc />
    public string ItemUnit => "tokens";

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _model.Parameters;

    /// <inheritdoc />
    public BatchLoss TrainBatch(int step)
    {
        if (_offset + _window > _length)
        {
            _offset = 0;
            _state?.Reset();
        }
        for (int t = 0; t < _window; t++)
            for (int b = 0; b < _streams; b++)
            {
                int at = (_firstStream + b) * _length + _offset + t;
                _x[t * _streams + b] = _train[at];
                _y[t * _streams + b] = _train[at + 1];
            }
        _offset += _window;
        double loss = _model.Forward(_x, _y, _window, _streams, _state, _dropout);
        _model.Backward();
        return new BatchLoss(loss, _x.Length);
    }

    /// <inheritdoc />
    public BatchLoss? Evaluate()
    {
        if (_heldOut.Length < 2) return null;
        var (nll, tokens) = LanguageModelEvaluator.Evaluate(_model, _heldOut, _evalBatch, _window);
        return new BatchLoss(nll, tokens);
    }

    /// <inheritdoc />
    public void SaveState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Values["offset"] = _offset;
        state.Values["dropoutPosition"] = _dropout.Position;
        if (_state is null) return;
        state.Tensors["h"] = (_state.H.Shape.ToArray(), _model.Backend.ToDoubleArray(_state.H));
        state.RowAxes["h"] = 1; // [layers, streams, hidden]
        if (_state.C is { } c)
        {
            state.Tensors["c"] = (c.Shape.ToArray(), _model.Backend.ToDoubleArray(c));
            state.RowAxes["c"] = 1;
        }
    }

    /// <inheritdoc />
    public void RestoreState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        int offset = state.Get<int>("offset");
        if (offset < 0 || offset > _length) throw new InvalidDataException($"the saved stream offset {offset} does not fit streams of {_length} tokens (another corpus or batch?).");
        _offset = offset;
        _dropout.Position = state.Get<ulong>("dropoutPosition");
        if (_state is null) return;
        var be = _model.Backend;
        be.CopyFromDoubles(state.GetTensor("h", (int)_state.H.Length), _state.H);
        if (_state.C is { } c) be.CopyFromDoubles(state.GetTensor("c", (int)c.Length), c);
    }

    /// <inheritdoc />
    public void Dispose() => _state?.Dispose();
}
