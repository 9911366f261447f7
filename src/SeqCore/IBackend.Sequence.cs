using System.Numerics;

namespace SeqCore;

/// <summary>
/// Row copies, gathers and masks used by embeddings, linear layers, recurrent layers and positional encodings.
/// </summary>
/// <remarks>
/// <para>Variable-length batches: a <c>lengths</c> tensor <c>[B]</c> holds each sequence's length as a value of T
/// (exact for lengths below 2²⁴ in float). At time step <c>t</c>, row <c>b</c> is <em>active</em> when
/// <c>t &lt; lengths[b]</c>. The lengths live on the backend, so a whole sequence needs one upload.</para>
/// <para>Positional tables are <c>[P, D]</c>: row <c>p</c> belongs to absolute position <c>p</c>. Sequences are rank-3
/// tensors, time-major <c>[T, B, D]</c> or batch-first <c>[B, T, D]</c>; step <c>t</c> of a sequence is at absolute
/// position <c>start + t</c>, so incremental decoding passes the number of tokens already decoded as <c>start</c>.</para>
/// </remarks>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Copies <paramref name="row"/> <c>[C]</c> into every row of <paramref name="y"/> <c>[R, C]</c> (bias initialisation before a GEMM with beta = 1).</summary>
    void BroadcastRows(Tensor<T> row, Tensor<T> y);

    /// <summary>
    /// A strided 2-D copy: <paramref name="rows"/> rows of <paramref name="cols"/> elements, row r read at
    /// <c>x[r·ldx ..]</c> and written at <c>y[r·ldy ..]</c>. Concatenates and splits along the last dimension
    /// (e.g. the two directions of a bidirectional layer into <c>[T, B, 2H]</c>).
    /// </summary>
    void Copy2D(Tensor<T> x, int rows, int cols, int ldx, Tensor<T> y, int ldy);

    /// <summary>Swaps the first two dimensions: <c>x [A, B, C]</c> → <c>y [B, A, C]</c> (batch-first ↔ time-major).</summary>
    void SwapLeadingAxes(Tensor<T> x, int a, int b, Tensor<T> y);

    /// <summary><c>y[i, :] = table[indices[i], :]</c> for <c>table [V, D]</c>, <c>y [N, D]</c>. Throws naming the index if out of range.</summary>
    void Gather(Tensor<T> table, ReadOnlySpan<int> indices, Tensor<T> y);

    /// <summary>
    /// <c>dTable[indices[i], :] += dy[i, :]</c> (embedding backward). Rows whose index equals
    /// <paramref name="skipIndex"/> are skipped (a padding index; pass −1 for none).
    /// </summary>
    void ScatterAddRows(Tensor<T> dy, ReadOnlySpan<int> indices, int skipIndex, Tensor<T> dTable);

    /// <summary>Per row of <c>[B, C]</c>: <c>y[b] = active(b, t) ? whenActive[b] : whenInactive[b]</c>. <paramref name="y"/> may alias either input.</summary>
    void SelectRows(Tensor<T> lengths, int t, Tensor<T> whenActive, Tensor<T> whenInactive, Tensor<T> y);

    /// <summary>Per row of <c>[B, C]</c>: <c>y[b] = x[b]</c> where <c>active(b, t) == keepActive</c>, else 0.</summary>
    void MaskRows(Tensor<T> lengths, int t, bool keepActive, Tensor<T> x, Tensor<T> y);

    /// <summary>
    /// Adds positional rows: <c>y[t, b, :] = x[t, b, :] + table[start + t, :]</c> (time-major) or
    /// <c>y[b, t, :] = x[b, t, :] + table[start + t, :]</c> (<paramref name="batchFirst"/>). Used by sinusoidal and
    /// learned positional encodings alike.
    /// </summary>
    /// <param name="x"><c>[T, B, D]</c> or <c>[B, T, D]</c>.</param>
    /// <param name="table"><c>[P, D]</c> with <c>start + T ≤ P</c>.</param>
    /// <param name="start">Absolute position of step 0 (≥ 0).</param>
    /// <param name="batchFirst">Layout of <paramref name="x"/> and <paramref name="y"/>.</param>
    /// <param name="y">Same shape as <paramref name="x"/>; may alias it.</param>
    void AddPositionRows(Tensor<T> x, Tensor<T> table, int start, bool batchFirst, Tensor<T> y);

    /// <summary>
    /// Backward of <see cref="AddPositionRows"/> for the table: <c>dTable[start + t, :] += Σ_b dy[t, b, :]</c>
    /// (accumulated; the gradient of x is dy itself).
    /// </summary>
    /// <param name="dy"><c>[T, B, D]</c> or <c>[B, T, D]</c>.</param>
    /// <param name="start">Absolute position of step 0.</param>
    /// <param name="batchFirst">Layout of <paramref name="dy"/>.</param>
    /// <param name="dTable"><c>[P, D]</c> accumulated, <c>start + T ≤ P</c>.</param>
    void AccumulatePositionRows(Tensor<T> dy, int start, bool batchFirst, Tensor<T> dTable);
}
