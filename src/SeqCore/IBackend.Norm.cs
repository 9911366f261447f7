using System.Numerics;

namespace SeqCore;

/// <summary>Layer normalisation, forward and backward.</summary>
/// <remarks>
/// Layer normalisation works on rows: a tensor is read as <c>[R, D]</c> (<see cref="Tensor{T}.AsMatrix"/>) and
/// every row of <c>D</c> elements is normalised on its own, as PyTorch's <c>nn.LayerNorm(D)</c>.
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
}
