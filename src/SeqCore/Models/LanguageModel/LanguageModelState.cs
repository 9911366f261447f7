using System.Numerics;

namespace SeqCore.Models;

/// <summary>
/// The hidden state a recurrent <see cref="LanguageModel{T}"/> carries from one window to the next (truncated BPTT,
/// generation): <c>h [L, B, H]</c> and, for an LSTM, <c>c [L, B, H]</c>. Forward reads it as the initial state and
/// overwrites it with the final one; no gradient flows back into it.
/// </summary>
public sealed class LanguageModelState<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;

    internal LanguageModelState(IBackend<T> backend, int layers, int batch, int hidden, bool cell)
    {
        _backend = backend;
        Batch = batch;
        H = backend.Allocate(layers, batch, hidden);
        C = cell ? backend.Allocate(layers, batch, hidden) : null;
    }

    /// <summary>Streams B.</summary>
    public int Batch { get; }

    /// <summary><c>[L, B, H]</c>.</summary>
    public Tensor<T> H { get; }

    /// <summary><c>[L, B, H]</c> for an LSTM, else null.</summary>
    public Tensor<T>? C { get; }

    /// <summary>Back to zeros (the start of a stream).</summary>
    public void Reset()
    {
        _backend.Fill(T.Zero, H);
        if (C is not null) _backend.Fill(T.Zero, C);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        H.Dispose();
        C?.Dispose();
    }
}
