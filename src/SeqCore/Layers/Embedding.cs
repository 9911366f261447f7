using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers;

/// <summary>
/// A lookup table <c>weight [num, embeddingSize]</c> (PyTorch's <c>nn.Embedding</c>, initialised N(0, 1)); backward is a
/// scatter-add of the output gradient into the rows that were looked up. The padding row, if any, gets no gradient.
/// </summary>
public sealed class Embedding<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;

    /// <summary>Creates the table; the parameter is named <c>{prefix}weight</c>.</summary>
    public Embedding(IBackend<T> backend, int count, int embeddingSize, RandomStream init, int paddingIndex = -1, string prefix = "")
    {
        if (count <= 0 || embeddingSize <= 0) throw new ArgumentOutOfRangeException(nameof(count), $"Embedding needs positive sizes, got {count}×{embeddingSize}.");
        if (paddingIndex >= count) throw new ArgumentOutOfRangeException(nameof(paddingIndex), $"Padding index {paddingIndex} is outside {count} rows.");
        _backend = backend;
        Count = count;
        EmbeddingSize = embeddingSize;
        PaddingIndex = paddingIndex;
        Weight = Parameter<T>.Create(backend, prefix + "weight", count, embeddingSize);
        backend.FillNormal(init, T.Zero, T.One, Weight.Value);
        if (paddingIndex >= 0) backend.Fill(T.Zero, Weight.Value.Row(paddingIndex));
        Parameters = [Weight];
    }

    /// <summary>Number of rows.</summary>
    public int Count { get; }

    /// <summary>Row width.</summary>
    public int EmbeddingSize { get; }

    /// <summary>The row that gets no gradient, or −1.</summary>
    public int PaddingIndex { get; }

    /// <summary><c>[Count, EmbeddingSize]</c>.</summary>
    public Parameter<T> Weight { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary><c>y[i, :] = weight[indices[i], :]</c>, <paramref name="y"/> <c>[N, EmbeddingSize]</c>.</summary>
    public void Forward(ReadOnlySpan<int> indices, Tensor<T> y) => _backend.Gather(Weight.Value, indices, y);

    /// <summary>Accumulates <c>dWeight[indices[i], :] += dy[i, :]</c>.</summary>
    public void Backward(ReadOnlySpan<int> indices, Tensor<T> dy) => _backend.ScatterAddRows(dy, indices, PaddingIndex, Weight.Gradient);

    /// <inheritdoc />
    public void Dispose() { Weight.Value.Dispose(); Weight.Gradient.Dispose(); }
}

/// <summary>Sizes of an <see cref="Embedding{T}"/> known before it is built.</summary>
public static class Embedding
{
    /// <summary>Elements of the table <see cref="Embedding{T}"/> creates: <c>count·embeddingSize</c>; <see cref="OverflowException"/>
    /// instead of wrapping.</summary>
    public static long CountParameters(int count, int embeddingSize) => checked((long)count * embeddingSize);
}
