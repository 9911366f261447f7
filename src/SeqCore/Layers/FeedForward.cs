using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers;

/// <summary>
/// The position-wise feed-forward block of a transformer: <c>y = Linear2(Dropout(GELU(Linear1(x))))</c>, with
/// <c>Linear1: D → H</c> and <c>Linear2: H → D</c>, applied to every row of <c>x [N, D]</c> independently.
/// Parameter names follow PyTorch's <c>nn.TransformerEncoderLayer</c>: <c>{prefix}linear1.weight [H, D]</c>,
/// <c>{prefix}linear1.bias [H]</c>, <c>{prefix}linear2.weight [D, H]</c>, <c>{prefix}linear2.bias [D]</c>.
/// </summary>
/// <remarks>
/// <para>The block does not add its input: a transformer layer forms the residual itself with
/// <see cref="IBackend{T}.Add"/> (<c>out = x + FeedForward(LayerNorm(x))</c> pre-norm), and in backward adds the
/// gradient arriving at <c>out</c> to the gradient this block returns for its input
/// (<see cref="IBackend{T}.Add"/> again, or pass <c>accumulateInput</c> to <see cref="Backward"/>).</para>
/// <para>Activations of the last Forward (<c>[N, H]</c> pre-activation, activation and dropped activation) are kept for
/// Backward in buffers reused while N stays the same.</para>
/// </remarks>
public sealed class FeedForward<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly Dropout<T>? _dropout;
    private Tensor<T>? _pre, _act, _dropped, _dAct;

    /// <summary>Creates the block: model width <paramref name="dim"/>, hidden width <paramref name="hidden"/>.</summary>
    public FeedForward(IBackend<T> backend, int dim, int hidden, RandomStream init,
        GeluApproximation approximation = GeluApproximation.None, double dropout = 0, bool bias = true, string prefix = "")
    {
        _backend = backend;
        Linear1 = new Linear<T>(backend, dim, hidden, init, bias, prefix + "linear1.");
        Linear2 = new Linear<T>(backend, hidden, dim, init, bias, prefix + "linear2.");
        Approximation = approximation;
        if (dropout > 0) _dropout = new Dropout<T>(backend, dropout);
        else if (dropout < 0) throw new ArgumentOutOfRangeException(nameof(dropout), $"FeedForward: dropout must be in [0, 1), got {dropout}.");
        Parameters = [.. Linear1.Parameters, .. Linear2.Parameters];
    }

    /// <summary>The first projection, D → H.</summary>
    public Linear<T> Linear1 { get; }

    /// <summary>The second projection, H → D.</summary>
    public Linear<T> Linear2 { get; }

    /// <summary>The GELU formula (exact or tanh, PyTorch's <c>approximate</c>).</summary>
    public GeluApproximation Approximation { get; }

    /// <summary>The dropout after the activation, or null when its probability is 0.</summary>
    public Dropout<T>? Dropout => _dropout;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>
    /// <paramref name="x"/> <c>[N, D]</c> → <paramref name="y"/> <c>[N, D]</c> (must not be x). Dropout is applied only
    /// when <paramref name="dropout"/> is given (training), drawing <c>N·H</c> counters from it.
    /// </summary>
    public void Forward(Tensor<T> x, Tensor<T> y, RandomStream? dropout = null)
    {
        var (n, _) = x.AsMatrix();
        Ensure(n);
        Linear1.Forward(x, _pre!);
        _backend.Gelu(_pre!, Approximation, _act!);
        if (_dropout is not null) _dropout.Forward(_act!, _dropped!, dropout);
        Linear2.Forward(_dropout is null ? _act! : _dropped!, y);
    }

    /// <summary>
    /// Accumulates the parameter gradients and writes <paramref name="dx"/> <c>[N, D]</c> when given (added to its
    /// contents when <paramref name="accumulateInput"/>, which is the residual sum), from the forward input
    /// <paramref name="x"/> and <paramref name="dy"/> <c>[N, D]</c>.
    /// </summary>
    public void Backward(Tensor<T> x, Tensor<T> dy, Tensor<T>? dx, bool accumulateInput = false)
    {
        var (n, _) = x.AsMatrix();
        if (_pre is null || _pre.AsMatrix().Rows != n)
            throw new InvalidOperationException($"FeedForward.Backward: no Forward of {n} rows to go back through ('x' {x.ShapeText}).");
        Linear2.Backward(_dropout is null ? _act! : _dropped!, dy, _dAct);
        _dropout?.Backward(_dAct!, _dAct!);
        _backend.GeluBackward(_pre, _dAct!, Approximation, _dAct!);
        Linear1.Backward(x, _dAct!, dx, accumulateInput);
    }

    private void Ensure(int n)
    {
        if (_pre is not null && _pre.AsMatrix().Rows == n) return;
        ReleaseBuffers();
        int h = Linear1.OutFeatures;
        _pre = _backend.Allocate(n, h);
        _act = _backend.Allocate(n, h);
        _dAct = _backend.Allocate(n, h);
        if (_dropout is not null) _dropped = _backend.Allocate(n, h);
    }

    private void ReleaseBuffers()
    {
        _pre?.Dispose(); _act?.Dispose(); _dropped?.Dispose(); _dAct?.Dispose();
        _pre = _act = _dropped = _dAct = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Linear1.Dispose();
        Linear2.Dispose();
        _dropout?.Dispose();
        ReleaseBuffers();
    }
}

/// <summary>Sizes of a <see cref="FeedForward{T}"/> known before it is built.</summary>
public static class FeedForward
{
    /// <summary>Elements of the parameters <see cref="FeedForward{T}"/> creates: its two <see cref="Linear{T}"/> layers.</summary>
    public static long CountParameters(int dim, int hidden, bool bias = true) =>
        checked(Linear.CountParameters(dim, hidden, bias) + Linear.CountParameters(hidden, dim, bias));
}
