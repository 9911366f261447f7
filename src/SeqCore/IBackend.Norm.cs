using System.Numerics;

namespace SeqCore;

/// <summary>Operations used by transformer-style blocks: layer normalisation and positional encodings.</summary>
/// <remarks>
/// <para>Layer normalisation works on rows: a tensor is read as <c>[R, D]</c> (<see cref="Tensor{T}.AsMatrix"/>) and
/// every row of <c>D</c> elements is normalised on its own, as PyTorch's <c>nn.LayerNorm(D)</c>.</para>
/// <para>Positional tables are <c>[P, D]</c>: row <c>p</c> belongs to absolute position <c>p</c>. Sequences are rank-3
/// tensors, time-major <c>[T, B, D]</c> or batch-first <c>[B, T, D]</c>; step <c>t</c> of a sequence is at absolute
/// position <c>start + t</c>, so incremental decoding passes the number of tokens already decoded as <c>start</c>.</para>
/// </remarks>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Layer normalisation of every row of <paramref name="x"/> <c>[R, D]</c>:
    /// <c>μ = (1/D)·Σ_j x_j</c>, <c>σ² = (1/D)·Σ_j (x_j − μ)²</c> (biased, as PyTorch), <c>rstd = 1/√(σ² + ε)</c>,
    /// <c>x̂ = (x − μ)·rstd</c>, <c>y = x̂ ⊙ weight + bias</c> (or <c>y = x̂</c> without weight and bias).
    /// The mean is found in two passes around a per-row shift (the row's first element), so rows with a large mean
    /// and a small spread (e.g. 1e4 + noise in float) keep their precision.
    /// </summary>
    /// <param name="x"><c>[R, D]</c> (any rank; the last dimension is D).</param>
    /// <param name="weight"><c>[D]</c> scale γ, or null (no elementwise affine; then <paramref name="bias"/> must be null too).</param>
    /// <param name="bias"><c>[D]</c> shift β, or null.</param>
    /// <param name="epsilon">ε added to the variance (PyTorch's default is 1e-5).</param>
    /// <param name="y"><c>[R, D]</c> out; may alias <paramref name="x"/>.</param>
    /// <param name="mean"><c>[R]</c> out: μ per row, kept for backward.</param>
    /// <param name="rstd"><c>[R]</c> out: <c>1/√(σ² + ε)</c> per row, kept for backward.</param>
    void LayerNormForward(Tensor<T> x, Tensor<T>? weight, Tensor<T>? bias, T epsilon, Tensor<T> y, Tensor<T> mean, Tensor<T> rstd);

    /// <summary>
    /// Backward of <see cref="LayerNormForward"/>. With <c>x̂ = (x − μ)·rstd</c> and <c>g = dy ⊙ weight</c> (or <c>g = dy</c>):
    /// <c>dx = rstd·(g − mean_j(g) − x̂·mean_j(g ⊙ x̂))</c> per row (overwritten), and, summed over all rows,
    /// <c>dWeight += Σ_r dy ⊙ x̂</c>, <c>dBias += Σ_r dy</c> (accumulated). The row sums are race-free: dx is parallel
    /// over rows, the parameter gradients parallel over blocks of columns.
    /// </summary>
    /// <param name="x"><c>[R, D]</c> the forward input.</param>
    /// <param name="weight"><c>[D]</c> or null, as in forward.</param>
    /// <param name="mean"><c>[R]</c> saved by forward.</param>
    /// <param name="rstd"><c>[R]</c> saved by forward.</param>
    /// <param name="dy"><c>[R, D]</c> gradient of the output.</param>
    /// <param name="dx"><c>[R, D]</c> out (overwritten), or null when not wanted; may alias <paramref name="dy"/>.</param>
    /// <param name="dWeight"><c>[D]</c> accumulated, or null.</param>
    /// <param name="dBias"><c>[D]</c> accumulated, or null.</param>
    void LayerNormBackward(Tensor<T> x, Tensor<T>? weight, Tensor<T> mean, Tensor<T> rstd, Tensor<T> dy,
        Tensor<T>? dx, Tensor<T>? dWeight, Tensor<T>? dBias);

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
