using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers;

/// <summary>
/// <c>y = x·Wᵀ + b</c> with PyTorch's <c>nn.Linear</c> layout: <c>weight [out, in]</c>, <c>bias [out]</c>,
/// initialised U(−1/√in, 1/√in) like PyTorch.
/// </summary>
public sealed class Linear<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;

    /// <summary>Creates the layer; parameter names are <c>{prefix}weight</c> and <c>{prefix}bias</c>.</summary>
    public Linear(IBackend<T> backend, int inFeatures, int outFeatures, RandomStream init, bool bias = true, string prefix = "")
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear needs positive sizes, got in={inFeatures}, out={outFeatures}.");
        _backend = backend;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Parameter<T>.Create(backend, prefix + "weight", outFeatures, inFeatures);
        T bound = T.One / T.Sqrt(T.CreateTruncating(inFeatures));
        backend.FillUniform(init, -bound, bound, Weight.Value);
        if (bias)
        {
            Bias = Parameter<T>.Create(backend, prefix + "bias", outFeatures);
            backend.FillUniform(init, -bound, bound, Bias.Value);
        }
        Parameters = Bias is null ? [Weight] : [Weight, Bias];
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary><c>[out, in]</c>.</summary>
    public Parameter<T> Weight { get; }

    /// <summary><c>[out]</c>, or null without bias.</summary>
    public Parameter<T>? Bias { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary><paramref name="x"/> <c>[N, in]</c> → <paramref name="y"/> <c>[N, out]</c>.</summary>
    public void Forward(Tensor<T> x, Tensor<T> y)
    {
        int n = Rows(x, InFeatures, "x", "Forward");
        Rows(y, OutFeatures, "y", "Forward", n);
        if (Bias is not null) _backend.BroadcastRows(Bias.Value, y);
        _backend.Gemm(Transpose.No, Transpose.Yes, n, OutFeatures, InFeatures, T.One, x, InFeatures, Weight.Value, InFeatures,
            Bias is null ? T.Zero : T.One, y, OutFeatures);
    }

    /// <summary>
    /// Accumulates <c>dW += dyᵀ·x</c> and <c>db += Σ dy</c>; writes <c>dx = dy·W</c> when <paramref name="dx"/> is given
    /// (added to dx's contents when <paramref name="accumulateInput"/>).
    /// </summary>
    public void Backward(Tensor<T> x, Tensor<T> dy, Tensor<T>? dx, bool accumulateInput = false)
    {
        int n = Rows(x, InFeatures, "x", "Backward");
        Rows(dy, OutFeatures, "dy", "Backward", n);
        _backend.Gemm(Transpose.Yes, Transpose.No, OutFeatures, InFeatures, n, T.One, dy, OutFeatures, x, InFeatures, T.One, Weight.Gradient, InFeatures);
        if (Bias is not null) _backend.SumRows(dy, accumulate: true, Bias.Gradient);
        if (dx is null) return;
        Rows(dx, InFeatures, "dx", "Backward", n);
        _backend.Gemm(Transpose.No, Transpose.No, n, InFeatures, OutFeatures, T.One, dy, OutFeatures, Weight.Value, InFeatures,
            accumulateInput ? T.One : T.Zero, dx, InFeatures);
    }

    private static int Rows(Tensor<T> t, int width, string role, string op, int expectRows = -1)
    {
        var (rows, cols) = t.AsMatrix();
        if (cols != width || (expectRows >= 0 && rows != expectRows))
            throw new ArgumentException($"Linear.{op}: '{role}' has shape {t.ShapeText}; expected [{(expectRows >= 0 ? expectRows.ToString() : "N")}, {width}].");
        return rows;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in Parameters) { p.Value.Dispose(); p.Gradient.Dispose(); }
    }
}

/// <summary>Sizes of a <see cref="Linear{T}"/> known before it is built.</summary>
public static class Linear
{
    /// <summary>Elements of the parameters <see cref="Linear{T}"/> creates: <c>out·in</c>, plus <c>out</c> with a bias;
    /// <see cref="OverflowException"/> instead of wrapping.</summary>
    public static long CountParameters(int inFeatures, int outFeatures, bool bias = true) =>
        checked((long)outFeatures * inFeatures + (bias ? outFeatures : 0));
}
