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

/// <summary>Loss functions with their fused backward passes, and the fused parameter updates of the optimizers.</summary>
/// <remarks>
/// <para>Loss forwards return the reduced loss as a <c>double</c> (accumulated in double) and wait for queued work.
/// Loss backwards take <c>scale</c>, the gradient of whatever follows the loss (1 for a plain training step), and
/// overwrite the gradient they produce.</para>
/// <para>Optimizer updates work in place on one parameter tensor, its gradient and its state tensors (all with the
/// same element count). Hyper-parameters arrive as <c>double</c> and are rounded to T once per call.</para>
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

    // ----- optimizer updates ----------------------------------------------------------------

    /// <summary>
    /// One SGD step on one tensor, PyTorch's <c>torch.optim.SGD</c>: <c>g = grad + λ·p</c>; with momentum μ ≠ 0,
    /// <c>b = g</c> on the first step, else <c>b = μ·b + (1 − dampening)·g</c>, then <c>g = g + μ·b</c> (Nesterov) or
    /// <c>g = b</c>; finally <c>p = p − lr·g</c>. <paramref name="gradient"/> is not modified.
    /// </summary>
    /// <param name="parameter">The values, updated in place.</param>
    /// <param name="gradient">Same element count.</param>
    /// <param name="momentumBuffer">Same element count, updated in place; may be null when <paramref name="momentum"/> is 0.</param>
    /// <param name="learningRate">lr.</param>
    /// <param name="momentum">μ (0 for plain SGD).</param>
    /// <param name="dampening">Dampening of the momentum accumulation (PyTorch's default is 0).</param>
    /// <param name="weightDecay">λ, an L2 penalty added to the gradient.</param>
    /// <param name="nesterov">Nesterov momentum.</param>
    /// <param name="firstStep">True on the first step, when the buffer is initialised to g.</param>
    void SgdUpdate(Tensor<T> parameter, Tensor<T> gradient, Tensor<T>? momentumBuffer, double learningRate, double momentum,
        double dampening, double weightDecay, bool nesterov, bool firstStep);

    /// <summary>
    /// One Adam or AdamW step on one tensor, PyTorch's <c>torch.optim.Adam</c> / <c>AdamW</c> (amsgrad off). Adam adds the
    /// L2 penalty to the gradient, <c>g = grad + λ·p</c>; AdamW (<paramref name="decoupledWeightDecay"/>) decays the weights
    /// instead, <c>p = p·(1 − lr·λ)</c>, and uses <c>g = grad</c>. Then <c>m = β1·m + (1 − β1)·g</c>,
    /// <c>v = β2·v + (1 − β2)·g²</c>, and with <c>c1 = 1 − β1^t</c>, <c>c2 = 1 − β2^t</c>:
    /// <c>p = p − (lr/c1)·m / (√v/√c2 + ε)</c>.
    /// </summary>
    /// <param name="parameter">The values, updated in place.</param>
    /// <param name="gradient">Same element count; not modified.</param>
    /// <param name="expAvg">m, the first-moment estimate, updated in place.</param>
    /// <param name="expAvgSq">v, the second-moment estimate, updated in place.</param>
    /// <param name="learningRate">lr.</param>
    /// <param name="beta1">β1 (0.9 by default).</param>
    /// <param name="beta2">β2 (0.999 by default).</param>
    /// <param name="epsilon">ε (1e-8 by default).</param>
    /// <param name="weightDecay">λ.</param>
    /// <param name="decoupledWeightDecay">True for AdamW.</param>
    /// <param name="step">t, the 1-based step count of this tensor.</param>
    void AdamUpdate(Tensor<T> parameter, Tensor<T> gradient, Tensor<T> expAvg, Tensor<T> expAvgSq, double learningRate,
        double beta1, double beta2, double epsilon, double weightDecay, bool decoupledWeightDecay, int step);
}
