using System.Numerics;

namespace SeqCore;

/// <summary>The fused parameter updates of the optimizers.</summary>
/// <remarks>Optimizer updates work in place on one parameter tensor, its gradient and its state tensors (all with the
/// same element count). Hyper-parameters arrive as <c>double</c> and are rounded to T once per call.</remarks>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
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
