using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers;

/// <summary>How a <see cref="Conv1d{T}"/> pads its input in time.</summary>
public enum Conv1dPadding
{
    /// <summary>No padding (PyTorch <c>padding="valid"</c> or 0, Keras <c>"valid"</c>): <c>L_out = ⌊(L − d·(K−1) − 1)/s⌋ + 1</c>.</summary>
    Valid,
    /// <summary>
    /// Output length <c>⌈L/s⌉</c> (Keras <c>"same"</c>): total padding <c>max((L_out − 1)·s + d·(K−1) + 1 − L, 0)</c>, half
    /// on the left (rounded down) and the rest on the right. With stride 1 this is PyTorch's <c>padding="same"</c>.
    /// </summary>
    Same,
    /// <summary>
    /// Left padding <c>d·(K−1)</c> only (Keras <c>layer_conv_1d(padding = "causal")</c>; in PyTorch <c>F.pad(x, (d·(K−1), 0))</c>
    /// before a valid convolution): output step t sees input steps ≤ t·s only. <c>L_out = ⌈L/s⌉</c>.
    /// </summary>
    Causal,
}

/// <summary>
/// A 1-D convolution over time with PyTorch's <c>nn.Conv1d</c> layout and names (groups = 1):
/// <c>y[b, o, t] = bias[o] + Σ_c Σ_k weight[o, c, k]·x[b, c, t·s + k·d − p_left]</c> (zero outside the input), with
/// <c>{prefix}weight [C_out, C_in, K]</c> and <c>{prefix}bias [C_out]</c>, both initialised U(−1/√(C_in·K), 1/√(C_in·K))
/// like PyTorch.
/// </summary>
/// <remarks>
/// <para>Input <c>[B, C_in, L]</c> and output <c>[B, C_out, L_out]</c>, channels before time as in PyTorch (Keras is
/// channels-last: swap the last two axes, and its kernel <c>[K, C_in, C_out]</c> is this weight with the axes reversed: <c>kernel[k, c, o] = weight[o, c, k]</c>).</para>
/// <para>Forward is im2col plus one GEMM for the whole batch: <c>cols [C_in·K, B·L_out]</c> (<see cref="IBackend{T}.Im2Col"/>),
/// <c>Y' [C_out, B·L_out] = W·cols</c> (the bias added by a rank-1 GEMM with a row of ones), then
/// <c>Y' [C_out, B, L_out] → y [B, C_out, L_out]</c>. Backward: <c>dW += dY'·colsᵀ</c>, <c>db += Σ_columns dY'</c>,
/// <c>dcols = Wᵀ·dY'</c> and <c>dx = col2im(dcols)</c>. The columns of the last Forward are kept for Backward; every
/// workspace is reused while (B, L) stay the same.</para>
/// </remarks>
public sealed class Conv1d<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private int _batch = -1, _length = -1, _outLength, _padLeft;
    private Tensor<T>? _cols, _dCols, _yT, _dyT, _ones;

    /// <summary>Creates the layer; parameter names are <c>{prefix}weight</c> and <c>{prefix}bias</c>.</summary>
    public Conv1d(IBackend<T> backend, int inChannels, int outChannels, int kernelSize, RandomStream init,
        int stride = 1, int dilation = 1, Conv1dPadding padding = Conv1dPadding.Valid, bool bias = true, string prefix = "")
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0 || dilation <= 0)
            throw new ArgumentOutOfRangeException(nameof(inChannels), $"Conv1d needs positive sizes, got in={inChannels}, out={outChannels}, kernel={kernelSize}, stride={stride}, dilation={dilation}.");
        _backend = backend;
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Dilation = dilation;
        Padding = padding;
        Weight = Parameter<T>.Create(backend, prefix + "weight", outChannels, inChannels, kernelSize);
        T bound = T.One / T.Sqrt(T.CreateTruncating(inChannels * kernelSize));
        backend.FillUniform(init, -bound, bound, Weight.Value);
        if (bias)
        {
            Bias = Parameter<T>.Create(backend, prefix + "bias", outChannels);
            backend.FillUniform(init, -bound, bound, Bias.Value);
        }
        Parameters = Bias is null ? [Weight] : [Weight, Bias];
    }

    /// <summary>C_in.</summary>
    public int InChannels { get; }

    /// <summary>C_out.</summary>
    public int OutChannels { get; }

    /// <summary>K.</summary>
    public int KernelSize { get; }

    /// <summary>s.</summary>
    public int Stride { get; }

    /// <summary>d.</summary>
    public int Dilation { get; }

    /// <summary>The padding mode.</summary>
    public Conv1dPadding Padding { get; }

    /// <summary><c>[C_out, C_in, K]</c>.</summary>
    public Parameter<T> Weight { get; }

    /// <summary><c>[C_out]</c>, or null without bias.</summary>
    public Parameter<T>? Bias { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>The output length for an input of <paramref name="length"/> steps.</summary>
    public int OutputLength(int length) => Geometry(length, KernelSize, Stride, Dilation, Padding).OutLength;

    /// <summary>
    /// Left and right padding and output length of a convolution with kernel K, stride s and dilation d over
    /// <paramref name="length"/> steps (see <see cref="Conv1dPadding"/>). A valid convolution of an input shorter than
    /// its receptive field <c>d·(K−1) + 1</c> has 0 output steps.
    /// </summary>
    public static (int Left, int Right, int OutLength) Geometry(int length, int kernel, int stride, int dilation, Conv1dPadding padding)
    {
        if (length < 0 || kernel <= 0 || stride <= 0 || dilation <= 0)
            throw new ArgumentOutOfRangeException(nameof(length), $"Conv1d geometry needs length ≥ 0 and positive kernel, stride, dilation; got {length}, {kernel}, {stride}, {dilation}.");
        int span = dilation * (kernel - 1) + 1;
        switch (padding)
        {
            case Conv1dPadding.Valid:
                return (0, 0, length >= span ? (length - span) / stride + 1 : 0);
            case Conv1dPadding.Same:
            {
                int outLength = (length + stride - 1) / stride;
                int total = Math.Max((outLength - 1) * stride + span - length, 0);
                return (total / 2, total - total / 2, outLength);
            }
            case Conv1dPadding.Causal:
                return (span - 1, 0, length == 0 ? 0 : (length - 1) / stride + 1);
            default:
                throw new ArgumentOutOfRangeException(nameof(padding), $"Unknown Conv1d padding {padding}.");
        }
    }

    /// <summary><paramref name="x"/> <c>[B, C_in, L]</c> → <paramref name="y"/> <c>[B, C_out, L_out]</c>.</summary>
    public void Forward(Tensor<T> x, Tensor<T> y)
    {
        if (x.Rank != 3 || x.Dim(1) != InChannels)
            throw new ArgumentException($"Conv1d.Forward: 'x' has shape {x.ShapeText}; expected [B, {InChannels}, L] (channels before time, as PyTorch).");
        int batch = x.Dim(0), length = x.Dim(2);
        Ensure(batch, length);
        if (y.Rank != 3 || y.Dim(0) != batch || y.Dim(1) != OutChannels || y.Dim(2) != _outLength)
            throw new ArgumentException($"Conv1d.Forward: 'y' has shape {y.ShapeText}; 'x' {x.ShapeText} with kernel {KernelSize}, stride {Stride}, dilation {Dilation} and {Padding} padding gives [{batch}, {OutChannels}, {_outLength}].");
        int ck = InChannels * KernelSize, n = batch * _outLength;
        if (n == 0) return; // no output steps (an input shorter than a valid convolution's receptive field) or no sequences
        var be = _backend;
        be.Im2Col(x, InChannels, length, KernelSize, Stride, Dilation, _padLeft, _outLength, _cols!);
        if (Bias is not null) be.Gemm(Transpose.No, Transpose.No, OutChannels, n, 1, T.One, Bias.Value, 1, _ones!, n, T.Zero, _yT!, n);
        be.Gemm(Transpose.No, Transpose.No, OutChannels, n, ck, T.One, Weight.Value, ck, _cols!, n, Bias is null ? T.Zero : T.One, _yT!, n);
        be.SwapLeadingAxes(_yT!, OutChannels, batch, y);
    }

    /// <summary>
    /// From <paramref name="dy"/> <c>[B, C_out, L_out]</c> of the last Forward: accumulates the weight and bias gradients
    /// and writes <paramref name="dx"/> <c>[B, C_in, L]</c> (overwritten) when given.
    /// </summary>
    public void Backward(Tensor<T> dy, Tensor<T>? dx)
    {
        if (_batch < 0) throw new InvalidOperationException("Conv1d.Backward: no Forward to go back through.");
        if (dy.Rank != 3 || dy.Dim(0) != _batch || dy.Dim(1) != OutChannels || dy.Dim(2) != _outLength)
            throw new ArgumentException($"Conv1d.Backward: 'dy' has shape {dy.ShapeText}; the last Forward gave [{_batch}, {OutChannels}, {_outLength}].");
        if (dx is not null && (dx.Rank != 3 || dx.Dim(0) != _batch || dx.Dim(1) != InChannels || dx.Dim(2) != _length))
            throw new ArgumentException($"Conv1d.Backward: 'dx' has shape {dx.ShapeText}; the last Forward's input was [{_batch}, {InChannels}, {_length}].");
        int ck = InChannels * KernelSize, n = _batch * _outLength;
        var be = _backend;
        if (n == 0)
        {
            if (dx is not null) be.Fill(T.Zero, dx); // no output step read the input
            return;
        }
        be.SwapLeadingAxes(dy, _batch, OutChannels, _dyT!);
        be.Gemm(Transpose.No, Transpose.Yes, OutChannels, ck, n, T.One, _dyT!, n, _cols!, n, T.One, Weight.Gradient, ck);
        if (Bias is not null) be.SumCols(_dyT!, accumulate: true, Bias.Gradient);
        if (dx is null) return;
        be.Gemm(Transpose.Yes, Transpose.No, ck, n, OutChannels, T.One, Weight.Value, ck, _dyT!, n, T.Zero, _dCols!, n);
        be.Col2Im(_dCols!, InChannels, _length, KernelSize, Stride, Dilation, _padLeft, _outLength, dx);
    }

    private void Ensure(int batch, int length)
    {
        if (batch == _batch && length == _length) return;
        ReleaseBuffers();
        var (left, _, outLength) = Geometry(length, KernelSize, Stride, Dilation, Padding);
        _batch = batch; _length = length; _padLeft = left; _outLength = outLength;
        int ck = InChannels * KernelSize, n = batch * outLength;
        _cols = _backend.Allocate(ck, n);
        _dCols = _backend.Allocate(ck, n);
        _yT = _backend.Allocate(OutChannels, n);
        _dyT = _backend.Allocate(OutChannels, n);
        if (Bias is not null) { _ones = _backend.Allocate(n); _backend.Fill(T.One, _ones); }
    }

    private void ReleaseBuffers()
    {
        _cols?.Dispose(); _dCols?.Dispose(); _yT?.Dispose(); _dyT?.Dispose(); _ones?.Dispose();
        _cols = _dCols = _yT = _dyT = _ones = null;
        _batch = _length = -1;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in Parameters) { p.Value.Dispose(); p.Gradient.Dispose(); }
        ReleaseBuffers();
    }
}

/// <summary>Sizes of a <see cref="Conv1d{T}"/> known before it is built.</summary>
public static class Conv1d
{
    /// <summary>Elements of the parameters <see cref="Conv1d{T}"/> creates: <c>out·in·kernel</c>, plus <c>out</c> with a
    /// bias; <see cref="OverflowException"/> instead of wrapping.</summary>
    public static long CountParameters(int inChannels, int outChannels, int kernelSize, bool bias = true) =>
        checked((long)outChannels * inChannels * kernelSize + (bias ? outChannels : 0));
}
