using System.Numerics;

namespace SeqCore.Training;

/// <summary>
/// Softmax cross-entropy over class logits with integer targets, PyTorch's <c>nn.CrossEntropyLoss(ignore_index,
/// label_smoothing, reduction)</c> (no class weights). Holds the options; the arithmetic is the backend's fused
/// <see cref="IBackend{T}.CrossEntropyForward"/> / <see cref="IBackend{T}.CrossEntropyBackward"/>:
/// <c>loss_r = lse(x_r) − Σ_c q_c·x_rc</c> with <c>q = (1 − ε)·onehot(t_r) + ε/C</c>, and
/// <c>dx_r = (softmax(x_r) − q_r)·scale/K</c> for the mean over the K rows whose target is not the ignore index.
/// </summary>
public sealed class CrossEntropyLoss<T>(IBackend<T> backend) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows with this target are skipped (PyTorch's default −100).</summary>
    public int IgnoreIndex { get; init; } = -100;

    /// <summary>Label smoothing ε in [0, 1] (default 0).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Mean over counted rows (default) or sum.</summary>
    public LossReduction Reduction { get; init; } = LossReduction.Mean;

    /// <summary>The loss of <paramref name="logits"/> <c>[N, C]</c> against N targets; optionally the per-row losses <c>[N]</c>.</summary>
    public double Forward(Tensor<T> logits, ReadOnlySpan<int> targets, Tensor<T>? rowLosses = null)
        => backend.CrossEntropyForward(logits, targets, IgnoreIndex, LabelSmoothing, Reduction, rowLosses);

    /// <summary>Writes <c>dLogits</c> <c>[N, C]</c> (overwritten), the gradient of <c>scale·loss</c>.</summary>
    public void Backward(Tensor<T> logits, ReadOnlySpan<int> targets, Tensor<T> dLogits, double scale = 1.0)
        => backend.CrossEntropyBackward(logits, targets, IgnoreIndex, LabelSmoothing, Reduction, scale, dLogits);
}

/// <summary>
/// Binary cross-entropy on logits, PyTorch's <c>nn.BCEWithLogitsLoss(pos_weight, reduction)</c>:
/// <c>ℓ = (1 − y)·x + (1 + (p − 1)·y)·(log(1 + e^−|x|) + max(−x, 0))</c>, and <c>dx = ((1 − y) − w·σ(−x))·scale/D</c>
/// (see <see cref="IBackend{T}.BceWithLogitsForward"/>).
/// </summary>
public sealed class BceWithLogitsLoss<T>(IBackend<T> backend) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary><c>[C]</c> positive-class weight per class (last dimension), or null (all 1).</summary>
    public Tensor<T>? PosWeight { get; init; }

    /// <summary>Mean over all elements (default) or sum.</summary>
    public LossReduction Reduction { get; init; } = LossReduction.Mean;

    /// <summary>The loss of <paramref name="logits"/> against <paramref name="targets"/> (same shape, values in [0, 1]).</summary>
    public double Forward(Tensor<T> logits, Tensor<T> targets) => backend.BceWithLogitsForward(logits, targets, PosWeight, Reduction);

    /// <summary>Writes <paramref name="dLogits"/> (overwritten), the gradient of <c>scale·loss</c>.</summary>
    public void Backward(Tensor<T> logits, Tensor<T> targets, Tensor<T> dLogits, double scale = 1.0)
        => backend.BceWithLogitsBackward(logits, targets, PosWeight, Reduction, scale, dLogits);
}

/// <summary>Mean squared error, PyTorch's <c>nn.MSELoss(reduction)</c>: <c>Σ (p − y)²/D</c>, <c>dp = 2·(p − y)·scale/D</c>.</summary>
public sealed class MseLoss<T>(IBackend<T> backend) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Mean over all elements (default) or sum.</summary>
    public LossReduction Reduction { get; init; } = LossReduction.Mean;

    /// <summary>The loss of <paramref name="prediction"/> against <paramref name="target"/> (same element count).</summary>
    public double Forward(Tensor<T> prediction, Tensor<T> target) => backend.MseForward(prediction, target, Reduction);

    /// <summary>Writes <paramref name="dPrediction"/> (overwritten), the gradient of <c>scale·loss</c>.</summary>
    public void Backward(Tensor<T> prediction, Tensor<T> target, Tensor<T> dPrediction, double scale = 1.0)
        => backend.MseBackward(prediction, target, Reduction, scale, dPrediction);
}
