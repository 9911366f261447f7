using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers;

/// <summary>
/// Fixed sinusoidal positional encoding (Vaswani et al. 2017, "Attention is all you need"), added to the input:
/// <c>PE[p, 2i] = sin(p / 10000^(2i/D))</c>, <c>PE[p, 2i+1] = cos(p / 10000^(2i/D))</c>, <c>y = x + PE[start + t]</c>.
/// No parameters; the table <c>[maxLength, D]</c> is computed once (in double) at construction.
/// </summary>
/// <remarks>
/// Sequences are time-major <c>[T, B, D]</c> or batch-first <c>[B, T, D]</c>. <c>start</c> is the absolute position of
/// step 0: 0 for a whole sequence, the number of tokens already decoded for incremental decoding (one step at a time
/// with <c>T = 1</c>). Backward is the identity: <c>dx = dy</c>.
/// </remarks>
public sealed class SinusoidalPositionalEncoding<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;

    /// <summary>
    /// Creates the table for positions <c>0 .. maxLength−1</c> and width <paramref name="embeddingSize"/>; <paramref name="timescale"/>
    /// is the 10000 of the formula. An odd D ends with a sine column.
    /// </summary>
    public SinusoidalPositionalEncoding(IBackend<T> backend, int maxLength, int embeddingSize, bool batchFirst = false, double timescale = 10000)
    {
        if (maxLength <= 0 || embeddingSize <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), $"SinusoidalPositionalEncoding needs positive sizes, got {maxLength}×{embeddingSize}.");
        _backend = backend;
        MaxLength = maxLength;
        EmbeddingSize = embeddingSize;
        BatchFirst = batchFirst;
        var table = new T[(long)maxLength * embeddingSize];
        for (int p = 0; p < maxLength; p++)
            for (int j = 0; j < embeddingSize; j++)
            {
                double angle = p / Math.Pow(timescale, (j - j % 2) / (double)embeddingSize);
                table[(long)p * embeddingSize + j] = T.CreateTruncating(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        Table = backend.FromHost(table, maxLength, embeddingSize);
    }

    /// <summary>Number of positions in the table.</summary>
    public int MaxLength { get; }

    /// <summary>Model width D.</summary>
    public int EmbeddingSize { get; }

    /// <summary>True for <c>[B, T, D]</c> inputs, false for <c>[T, B, D]</c>.</summary>
    public bool BatchFirst { get; }

    /// <summary>The table <c>[MaxLength, D]</c>.</summary>
    public Tensor<T> Table { get; }

    /// <summary><c>y = x + PE[start + t]</c>; <paramref name="y"/> may be x itself.</summary>
    public void Forward(Tensor<T> x, Tensor<T> y, int start = 0) => _backend.AddPositionRows(x, Table, start, BatchFirst, y);

    /// <summary><c>dx = dy</c> (nothing to do when they are the same tensor).</summary>
    public void Backward(Tensor<T> dy, Tensor<T> dx)
    {
        if (!ReferenceEquals(dy, dx)) _backend.Copy(dy, dx);
    }

    /// <inheritdoc />
    public void Dispose() => Table.Dispose();
}

/// <summary>
/// Learned positional embedding (as in BERT and GPT-2): an <see cref="Embedding{T}"/>-style table of positions
/// <c>{prefix}weight [maxLength, D]</c> (initialised N(0, 1) like <c>nn.Embedding</c>) added to the input:
/// <c>y = x + weight[start + t]</c>. Backward accumulates <c>dWeight[start + t] += Σ_b dy[t, b]</c> and gives
/// <c>dx = dy</c>. Layouts and <c>start</c> as <see cref="SinusoidalPositionalEncoding{T}"/>.
/// </summary>
public sealed class LearnedPositionalEncoding<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;

    /// <summary>Creates the table; the parameter is named <c>{prefix}weight</c>.</summary>
    public LearnedPositionalEncoding(IBackend<T> backend, int maxLength, int embeddingSize, RandomStream init, bool batchFirst = false, string prefix = "")
    {
        if (maxLength <= 0 || embeddingSize <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), $"LearnedPositionalEncoding needs positive sizes, got {maxLength}×{embeddingSize}.");
        _backend = backend;
        MaxLength = maxLength;
        EmbeddingSize = embeddingSize;
        BatchFirst = batchFirst;
        Weight = Parameter<T>.Create(backend, prefix + "weight", maxLength, embeddingSize);
        backend.FillNormal(init, T.Zero, T.One, Weight.Value);
        Parameters = [Weight];
    }

    /// <summary>Number of positions in the table.</summary>
    public int MaxLength { get; }

    /// <summary>Model width D.</summary>
    public int EmbeddingSize { get; }

    /// <summary>True for <c>[B, T, D]</c> inputs, false for <c>[T, B, D]</c>.</summary>
    public bool BatchFirst { get; }

    /// <summary><c>[MaxLength, D]</c>.</summary>
    public Parameter<T> Weight { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary><c>y = x + weight[start + t]</c>; <paramref name="y"/> may be x itself.</summary>
    public void Forward(Tensor<T> x, Tensor<T> y, int start = 0) => _backend.AddPositionRows(x, Weight.Value, start, BatchFirst, y);

    /// <summary>Accumulates the table gradient and writes <paramref name="dx"/> <c>= dy</c> when given (may be dy itself).</summary>
    public void Backward(Tensor<T> dy, Tensor<T>? dx, int start = 0)
    {
        _backend.AccumulatePositionRows(dy, start, BatchFirst, Weight.Gradient);
        if (dx is not null && !ReferenceEquals(dy, dx)) _backend.Copy(dy, dx);
    }

    /// <inheritdoc />
    public void Dispose() { Weight.Value.Dispose(); Weight.Gradient.Dispose(); }
}

/// <summary>Sizes of a <see cref="LearnedPositionalEncoding{T}"/> known before it is built.</summary>
public static class LearnedPositionalEncoding
{
    /// <summary>Elements of the position table: <c>maxLength·embeddingSize</c>; <see cref="OverflowException"/> instead of wrapping.</summary>
    public static long CountParameters(int maxLength, int embeddingSize) => checked((long)maxLength * embeddingSize);
}
