using System.Numerics;

namespace SeqCore.Layers;

/// <summary>
/// Layer normalisation over the last dimension, as PyTorch's <c>nn.LayerNorm(D, eps, elementwise_affine)</c>:
/// every row of <c>D</c> elements is normalised to zero mean and unit (biased) variance, then scaled and shifted:
/// <c>y = (x − μ)/√(σ² + ε) ⊙ weight + bias</c>. Parameters <c>{prefix}weight [D]</c> (initialised to 1) and
/// <c>{prefix}bias [D]</c> (initialised to 0), only with <c>elementwiseAffine</c>.
/// </summary>
/// <remarks>
/// Forward keeps the per-row mean and <c>1/std</c> (<see cref="Mean"/>, <see cref="Rstd"/>) for Backward; they are
/// allocated when the number of rows changes and reused otherwise. A transformer block uses it pre-norm
/// (<c>x + f(LayerNorm(x))</c>) or post-norm (<c>LayerNorm(x + f(x))</c>) with the residual sum done by
/// <see cref="IBackend{T}.Add"/> and the residual gradient by adding the two incoming gradients the same way.
/// </remarks>
public sealed class LayerNorm<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private Tensor<T>? _mean, _rstd;

    /// <summary>Creates the layer for rows of <paramref name="size"/> elements.</summary>
    public LayerNorm(IBackend<T> backend, int size, double epsilon = 1e-5, bool elementwiseAffine = true, string prefix = "")
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"LayerNorm needs a positive width, got {size}.");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"LayerNorm: epsilon must be ≥ 0, got {epsilon}.");
        _backend = backend;
        Size = size;
        Epsilon = epsilon;
        if (elementwiseAffine)
        {
            Weight = Parameter<T>.Create(backend, prefix + "weight", size);
            Bias = Parameter<T>.Create(backend, prefix + "bias", size);
            backend.Fill(T.One, Weight.Value);
            Parameters = [Weight, Bias];
        }
        else Parameters = [];
    }

    /// <summary>Row width D.</summary>
    public int Size { get; }

    /// <summary>ε added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary><c>[D]</c> scale γ, or null without elementwise affine.</summary>
    public Parameter<T>? Weight { get; }

    /// <summary><c>[D]</c> shift β, or null without elementwise affine.</summary>
    public Parameter<T>? Bias { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary><c>[R]</c> row means of the last Forward (null before the first).</summary>
    public Tensor<T>? Mean => _mean;

    /// <summary><c>[R]</c> row <c>1/√(σ² + ε)</c> of the last Forward (null before the first).</summary>
    public Tensor<T>? Rstd => _rstd;

    /// <summary><paramref name="x"/> <c>[..., D]</c> → <paramref name="y"/> (same shape; may be x itself when no Backward follows, since Backward reads x).</summary>
    public void Forward(Tensor<T> x, Tensor<T> y)
    {
        int rows = Rows(x, "x", "Forward");
        if (y.Length != x.Length) throw new ArgumentException($"LayerNorm.Forward: 'y' has shape {y.ShapeText} but 'x' has shape {x.ShapeText}.");
        if (_mean is null || _mean.Length != rows)
        {
            _mean?.Dispose(); _rstd?.Dispose();
            _mean = _backend.Allocate(rows);
            _rstd = _backend.Allocate(rows);
        }
        _backend.LayerNormForward(x, Weight?.Value, Bias?.Value, T.CreateTruncating(Epsilon), y, _mean, _rstd!);
    }

    /// <summary>
    /// From the forward input <paramref name="x"/> (unchanged since Forward) and <paramref name="dy"/>: writes
    /// <paramref name="dx"/> when given (overwritten; may be dy itself) and accumulates the weight and bias gradients.
    /// </summary>
    public void Backward(Tensor<T> x, Tensor<T> dy, Tensor<T>? dx)
    {
        int rows = Rows(x, "x", "Backward");
        if (_mean is null || _mean.Length != rows)
            throw new InvalidOperationException($"LayerNorm.Backward: no Forward of {rows} rows to go back through ('x' {x.ShapeText}).");
        _backend.LayerNormBackward(x, Weight?.Value, _mean, _rstd!, dy, dx, Weight?.Gradient, Bias?.Gradient);
    }

    private int Rows(Tensor<T> t, string role, string op)
    {
        var (rows, cols) = t.AsMatrix();
        if (cols != Size) throw new ArgumentException($"LayerNorm.{op}: '{role}' has shape {t.ShapeText}; its last dimension must be {Size}.");
        return rows;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in Parameters) { p.Value.Dispose(); p.Gradient.Dispose(); }
        _mean?.Dispose(); _rstd?.Dispose();
    }
}

/// <summary>Sizes of a <see cref="LayerNorm{T}"/> known before it is built.</summary>
public static class LayerNorm
{
    /// <summary>Elements of the parameters <see cref="LayerNorm{T}"/> creates: weight and bias, <c>2·size</c>, when affine.</summary>
    public static long CountParameters(int size, bool elementwiseAffine = true) => elementwiseAffine ? checked(2L * size) : 0;
}
