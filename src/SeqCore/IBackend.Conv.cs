using System.Numerics;

namespace SeqCore;

/// <summary>Operations used by 1-D convolutions and global pooling over time.</summary>
/// <remarks>
/// <para>Channel-first layout, as PyTorch's <c>nn.Conv1d</c>: a batch of sequences is <c>[B, C, L]</c>, time last.</para>
/// <para>Im2col layout: for kernel size K, stride s, dilation d and left padding p, output step t of sequence b reads
/// input step <c>i = t·s + k·d − p</c> for tap k. The column matrix is <c>[C·K, B·L_out]</c> with row <c>c·K + k</c> and
/// column <c>b·L_out + t</c>, so the whole batch is one GEMM: <c>Y' [C_out, B·L_out] = W [C_out, C·K] · cols</c>.
/// Taps that fall outside <c>[0, L)</c> read zero, which gives left padding p and any right padding implied by
/// <c>L_out</c>.</para>
/// <para>Lengths for pooling follow <see cref="IBackend{T}"/>'s sequence convention: <c>lengths [B]</c> holds each
/// sequence's number of valid steps as a value of T, in <c>[0, L]</c>.</para>
/// </remarks>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// <c>columns[c·K + k, b·L_out + t] = x[b, c, t·stride + k·dilation − padLeft]</c>, or 0 where that index is outside
    /// <c>[0, length)</c>.
    /// </summary>
    /// <param name="x"><c>[B, C, length]</c>.</param>
    /// <param name="channels">C.</param>
    /// <param name="length">Input steps L.</param>
    /// <param name="kernel">K ≥ 1.</param>
    /// <param name="stride">s ≥ 1.</param>
    /// <param name="dilation">d ≥ 1.</param>
    /// <param name="padLeft">Zero steps before the input (≥ 0).</param>
    /// <param name="outLength">Output steps L_out ≥ 0.</param>
    /// <param name="columns"><c>[C·K, B·L_out]</c> out (overwritten).</param>
    void Im2Col(Tensor<T> x, int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength, Tensor<T> columns);

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/> (the input gradient of a convolution):
    /// <c>dx[b, c, i] = Σ_{k, t : t·stride + k·dilation − padLeft = i} columns[c·K + k, b·L_out + t]</c>; dx is overwritten.
    /// Parallel over the (b, c) rows of dx, each written by one thread, so the sums are race-free and deterministic.
    /// </summary>
    /// <param name="columns"><c>[C·K, B·L_out]</c>.</param>
    /// <param name="channels">C.</param>
    /// <param name="length">Input steps L.</param>
    /// <param name="kernel">K.</param>
    /// <param name="stride">s.</param>
    /// <param name="dilation">d.</param>
    /// <param name="padLeft">Left padding.</param>
    /// <param name="outLength">L_out.</param>
    /// <param name="dx"><c>[B, C, length]</c> out (overwritten).</param>
    void Col2Im(Tensor<T> columns, int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength, Tensor<T> dx);

    /// <summary>
    /// Global average pooling over time: <c>y[b, c] = (1/n_b)·Σ_{t &lt; n_b} x[b, c, t]</c> with <c>n_b = lengths[b]</c>
    /// (or L without lengths); a sequence of length 0 gives 0.
    /// </summary>
    /// <param name="x"><c>[B, C, L]</c> (rank 3).</param>
    /// <param name="lengths"><c>[B]</c> valid steps per sequence in <c>[0, L]</c>, or null for all L.</param>
    /// <param name="y"><c>[B, C]</c> out.</param>
    void GlobalAvgPoolForward(Tensor<T> x, Tensor<T>? lengths, Tensor<T> y);

    /// <summary>Backward of <see cref="GlobalAvgPoolForward"/>: <c>dx[b, c, t] = dy[b, c]/n_b</c> for <c>t &lt; n_b</c>, else 0 (overwritten).</summary>
    /// <param name="lengths"><c>[B]</c> or null, as in forward.</param>
    /// <param name="dy"><c>[B, C]</c>.</param>
    /// <param name="dx"><c>[B, C, L]</c> (rank 3) out.</param>
    void GlobalAvgPoolBackward(Tensor<T>? lengths, Tensor<T> dy, Tensor<T> dx);

    /// <summary>
    /// Global max pooling over time: <c>y[b, c] = max_{t &lt; n_b} x[b, c, t]</c> and its position, the first one on ties
    /// (NaNs are skipped); a sequence of length 0 gives 0 and position −1.
    /// </summary>
    /// <param name="x"><c>[B, C, L]</c> (rank 3).</param>
    /// <param name="lengths"><c>[B]</c> valid steps per sequence in <c>[0, L]</c>, or null for all L.</param>
    /// <param name="y"><c>[B, C]</c> out.</param>
    /// <param name="argmax"><c>[B, C]</c> out: the step t of the maximum, as a value of T (kept for backward).</param>
    void GlobalMaxPoolForward(Tensor<T> x, Tensor<T>? lengths, Tensor<T> y, Tensor<T> argmax);

    /// <summary>Backward of <see cref="GlobalMaxPoolForward"/>: <c>dx[b, c, argmax[b, c]] = dy[b, c]</c>, every other element 0 (overwritten).</summary>
    /// <param name="argmax"><c>[B, C]</c> saved by forward.</param>
    /// <param name="dy"><c>[B, C]</c>.</param>
    /// <param name="dx"><c>[B, C, L]</c> (rank 3) out.</param>
    void GlobalMaxPoolBackward(Tensor<T> argmax, Tensor<T> dy, Tensor<T> dx);
}
