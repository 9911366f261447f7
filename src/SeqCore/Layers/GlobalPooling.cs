using System.Numerics;

namespace SeqCore.Layers;

/// <summary>Which statistic <see cref="GlobalPooling1d{T}"/> takes over time.</summary>
public enum PoolingKind
{
    /// <summary>The mean over the valid steps (PyTorch <c>x.mean(-1)</c>, Keras <c>layer_global_average_pooling_1d</c>).</summary>
    Average,
    /// <summary>The maximum over the valid steps (PyTorch <c>x.amax(-1)</c>, Keras <c>layer_global_max_pooling_1d</c>).</summary>
    Max,
}

/// <summary>
/// Global pooling over time: <c>x [B, C, L]</c> (channels before time, the layout of <see cref="Conv1d{T}"/>) →
/// <c>y [B, C]</c>. With lengths (ragged batches) each sequence is pooled over its own first <c>lengths[b]</c> steps
/// only, so padding never leaks into the result (Keras' masked global pooling). Max pooling sends the whole gradient
/// to the step of the maximum, the first one on ties; a sequence of length 0 gives 0 and no gradient.
/// No parameters. Time-major <c>[T, B, C]</c> data is brought to this layout with a transpose first.
/// </summary>
public sealed class GlobalPooling1d<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private Tensor<T>? _argmax, _lengths;
    private T[] _lengthsHost = [];
    private bool _hasLengths;
    private int _steps = -1;

    /// <summary>Creates the layer.</summary>
    public GlobalPooling1d(IBackend<T> backend, PoolingKind kind)
    {
        _backend = backend;
        Kind = kind;
    }

    /// <summary>Average or max.</summary>
    public PoolingKind Kind { get; }

    /// <summary>
    /// <paramref name="x"/> <c>[B, C, L]</c> → <paramref name="y"/> <c>[B, C]</c>. <paramref name="lengths"/>: one length
    /// per sequence in <c>[0, L]</c>, or empty when every sequence has all L steps.
    /// </summary>
    public void Forward(Tensor<T> x, ReadOnlySpan<int> lengths, Tensor<T> y)
    {
        if (x.Rank != 3) throw new ArgumentException($"GlobalPooling1d.Forward: 'x' has shape {x.ShapeText}; expected [B, C, L].");
        int batch = x.Dim(0), channels = x.Dim(1);
        _steps = x.Dim(2);
        _hasLengths = !lengths.IsEmpty;
        if (_hasLengths)
        {
            if (lengths.Length != batch) throw new ArgumentException($"GlobalPooling1d.Forward: {lengths.Length} lengths for 'x' {x.ShapeText} with {batch} sequences.");
            if (_lengths is null || _lengths.Length != batch) { _lengths?.Dispose(); _lengths = _backend.Allocate(batch); _lengthsHost = new T[batch]; }
            for (int b = 0; b < batch; b++)
            {
                if ((uint)lengths[b] > (uint)_steps) throw new ArgumentOutOfRangeException(nameof(lengths), $"GlobalPooling1d.Forward: lengths[{b}] = {lengths[b]} is outside [0, {_steps}] for 'x' {x.ShapeText}.");
                _lengthsHost[b] = T.CreateTruncating(lengths[b]);
            }
            _backend.CopyFromHost(_lengthsHost, _lengths);
        }
        if (Kind == PoolingKind.Average) _backend.GlobalAvgPoolForward(x, _hasLengths ? _lengths : null, y);
        else
        {
            if (_argmax is null || _argmax.Length != (long)batch * channels) { _argmax?.Dispose(); _argmax = _backend.Allocate(batch, channels); }
            _backend.GlobalMaxPoolForward(x, _hasLengths ? _lengths : null, y, _argmax);
        }
    }

    /// <summary><paramref name="dy"/> <c>[B, C]</c> → <paramref name="dx"/> <c>[B, C, L]</c> (overwritten), for the last Forward.</summary>
    public void Backward(Tensor<T> dy, Tensor<T> dx)
    {
        if (_steps < 0) throw new InvalidOperationException("GlobalPooling1d.Backward: no Forward to go back through.");
        if (dx.Rank != 3 || dx.Dim(2) != _steps)
            throw new ArgumentException($"GlobalPooling1d.Backward: 'dx' has shape {dx.ShapeText}; the last Forward's input had {_steps} steps.");
        if (Kind == PoolingKind.Average) _backend.GlobalAvgPoolBackward(_hasLengths ? _lengths : null, dy, dx);
        else _backend.GlobalMaxPoolBackward(_argmax!, dy, dx);
    }

    /// <inheritdoc />
    public void Dispose() { _argmax?.Dispose(); _lengths?.Dispose(); }
}
