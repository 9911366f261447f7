using System.Numerics;

namespace SeqCore;

/// <summary>How per-element (or per-row) losses are combined into one number, as PyTorch's <c>reduction</c> argument.</summary>
public enum LossReduction
{
    /// <summary>The mean over the counted rows or elements (PyTorch's default, <c>reduction='mean'</c>).</summary>
    Mean,
    /// <summary>The sum (<c>reduction='sum'</c>).</summary>
    Sum,
}

/// <summary>Loss functions with their fused backward passes.</summary>
/// <remarks>
/// Loss forwards return the reduced loss as a <c>double</c> (accumulated in double) and wait for queued work.
/// Loss backwards take <c>scale</c>, the gradient of whatever follows the loss (1 for a plain training step), and
/// overwrite the gradient they produce.
/// </remarks>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Fused softmax cross-entropy, PyTorch's <c>F.cross_entropy(logits, targets, ignore_index, label_smoothing, reduction)</c>
    /// without class weights. For every row r of <paramref name="logits"/> <c>x: [N, C]</c> whose target
    /// <c>t_r ≠ ignoreIndex</c>, with the smoothed target distribution <c>q_c = (1 − ε)·[c = t_r] + ε/C</c>:
    /// <c>loss_r = lse(x_r) − Σ_c q_c·x_rc</c>, where <c>lse(x) = m + log Σ_c e^(x_c − m)</c>, <c>m = max_c x_c</c>
    /// (numerically stable). Ignored rows have <c>loss_r = 0</c>. The result is <c>Σ_r loss_r</c> (Sum) or
    /// <c>Σ_r loss_r / K</c> with K the number of non-ignored rows (Mean; 0 when K = 0, where PyTorch gives NaN).
    /// </summary>
    /// <param name="logits"><c>[N, C]</c> (any rank; the last dimension is C).</param>
    /// <param name="targets">N class indices in <c>[0, C)</c>, or <paramref name="ignoreIndex"/>.</param>
    /// <param name="ignoreIndex">Target value of rows to skip (PyTorch's default is −100).</param>
    /// <param name="labelSmoothing">ε in <c>[0, 1]</c>.</param>
    /// <param name="reduction">Mean over non-ignored rows, or sum.</param>
    /// <param name="rowLosses"><c>[N]</c> out: <c>loss_r</c> before reduction (0 for ignored rows), or null.</param>
    /// <returns>The reduced loss.</returns>
    double CrossEntropyForward(Tensor<T> logits, ReadOnlySpan<int> targets, int ignoreIndex, double labelSmoothing,
        LossReduction reduction, Tensor<T>? rowLosses);

    /// <summary>
    /// Backward of <see cref="CrossEntropyForward"/> in one pass per row:
    /// <c>dLogits_r = (softmax(x_r) − q_r)·scale/D</c> with D = K (Mean) or 1 (Sum); ignored rows get 0.
    /// </summary>
    /// <param name="logits"><c>[N, C]</c> the forward input.</param>
    /// <param name="targets">N class indices, as in forward.</param>
    /// <param name="ignoreIndex">As in forward.</param>
    /// <param name="labelSmoothing">As in forward.</param>
    /// <param name="reduction">As in forward.</param>
    /// <param name="scale">Gradient of the final objective with respect to the loss (usually 1).</param>
    /// <param name="dLogits"><c>[N, C]</c> out (overwritten); may alias <paramref name="logits"/>.</param>
    void CrossEntropyBackward(Tensor<T> logits, ReadOnlySpan<int> targets, int ignoreIndex, double labelSmoothing,
        LossReduction reduction, double scale, Tensor<T> dLogits);

    /// <summary>
    /// Binary cross-entropy on logits, PyTorch's <c>F.binary_cross_entropy_with_logits(x, y, pos_weight=p)</c>, in the
    /// stable form <c>ℓ = (1 − y)·x + w·(log(1 + e^−|x|) + max(−x, 0))</c> with <c>w = 1 + (p − 1)·y</c>
    /// (without pos_weight, <c>w = 1</c> and <c>ℓ = max(x, 0) − x·y + log(1 + e^−|x|)</c>). Targets may be soft (in [0, 1]).
    /// </summary>
    /// <param name="logits"><c>[N, C]</c> (any rank).</param>
    /// <param name="targets">Same element count as <paramref name="logits"/>.</param>
    /// <param name="posWeight"><c>[C]</c> weight of the positive term per class (the last dimension), or null.</param>
    /// <param name="reduction">Mean over all elements, or sum.</param>
    /// <returns>The reduced loss.</returns>
    double BceWithLogitsForward(Tensor<T> logits, Tensor<T> targets, Tensor<T>? posWeight, LossReduction reduction);

    /// <summary>
    /// Backward of <see cref="BceWithLogitsForward"/>: <c>dx = ((1 − y) − w·σ(−x))·scale/D</c>
    /// (<c>= (σ(x) − y)·scale/D</c> without pos_weight), D = element count (Mean) or 1 (Sum).
    /// </summary>
    /// <param name="logits">The forward input.</param>
    /// <param name="targets">As in forward.</param>
    /// <param name="posWeight"><c>[C]</c> or null, as in forward.</param>
    /// <param name="reduction">As in forward.</param>
    /// <param name="scale">Gradient of the final objective with respect to the loss.</param>
    /// <param name="dLogits">Out (overwritten); may alias <paramref name="logits"/>.</param>
    void BceWithLogitsBackward(Tensor<T> logits, Tensor<T> targets, Tensor<T>? posWeight, LossReduction reduction, double scale, Tensor<T> dLogits);

    /// <summary>Mean squared error, PyTorch's <c>F.mse_loss</c>: <c>Σ_i (p_i − y_i)² / D</c>, D = element count (Mean) or 1 (Sum).</summary>
    /// <param name="prediction">Any shape.</param>
    /// <param name="target">Same element count.</param>
    /// <param name="reduction">Mean or sum.</param>
    /// <returns>The reduced loss.</returns>
    double MseForward(Tensor<T> prediction, Tensor<T> target, LossReduction reduction);

    /// <summary>Backward of <see cref="MseForward"/>: <c>dPrediction = 2·(p − y)·scale/D</c>.</summary>
    /// <param name="prediction">The forward input.</param>
    /// <param name="target">As in forward.</param>
    /// <param name="reduction">As in forward.</param>
    /// <param name="scale">Gradient of the final objective with respect to the loss.</param>
    /// <param name="dPrediction">Out (overwritten); may alias <paramref name="prediction"/>.</param>
    void MseBackward(Tensor<T> prediction, Tensor<T> target, LossReduction reduction, double scale, Tensor<T> dPrediction);
}
