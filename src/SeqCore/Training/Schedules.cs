namespace SeqCore.Training;

/// <summary>A learning rate as a function of the 0-based step index (the rate for the update number <c>step + 1</c>).</summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate at <paramref name="step"/> (≥ 0).</summary>
    double LearningRate(int step);
}

/// <summary>The same rate at every step.</summary>
public sealed class ConstantSchedule(double learningRate) : ILearningRateSchedule
{
    /// <inheritdoc />
    public double LearningRate(int step) => learningRate;
}

/// <summary>
/// Step decay, PyTorch's <c>StepLR(step_size, gamma)</c>: <c>lr(s) = base·γ^⌊s / stepSize⌋</c>.
/// </summary>
public sealed class StepSchedule : ILearningRateSchedule
{
    private readonly double _base, _gamma;
    private readonly int _stepSize;

    /// <summary>Creates the schedule; <paramref name="stepSize"/> must be positive.</summary>
    public StepSchedule(double baseLearningRate, int stepSize, double gamma = 0.1)
    {
        if (stepSize < 1) throw new ArgumentOutOfRangeException(nameof(stepSize), $"StepSchedule: step size must be ≥ 1, got {stepSize}.");
        (_base, _stepSize, _gamma) = (baseLearningRate, stepSize, gamma);
    }

    /// <inheritdoc />
    public double LearningRate(int step) => _base * Math.Pow(_gamma, Math.Max(step, 0) / _stepSize);
}

/// <summary>
/// Linear warmup then cosine decay to a minimum: for <c>s &lt; W</c>, <c>lr(s) = peak·(s + 1)/W</c>; for
/// <c>W ≤ s &lt; S</c>, with <c>u = (s − W)/(S − W)</c>, <c>lr(s) = min + (peak − min)·(1 + cos(π·u))/2</c>;
/// for <c>s ≥ S</c>, <c>lr = min</c>. W = warmup steps, S = total steps.
/// </summary>
public sealed class WarmupCosineSchedule : ILearningRateSchedule
{
    private readonly double _peak, _min;
    private readonly int _warmup, _total;

    /// <summary>Creates the schedule; needs <c>0 ≤ warmupSteps &lt; totalSteps</c>.</summary>
    public WarmupCosineSchedule(double peakLearningRate, int warmupSteps, int totalSteps, double minLearningRate = 0)
    {
        if (warmupSteps < 0 || totalSteps <= warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), $"WarmupCosineSchedule: needs 0 ≤ warmup steps < total steps, got {warmupSteps} and {totalSteps}.");
        (_peak, _warmup, _total, _min) = (peakLearningRate, warmupSteps, totalSteps, minLearningRate);
    }

    /// <inheritdoc />
    public double LearningRate(int step)
    {
        if (step < _warmup) return _peak * (step + 1) / _warmup;
        if (step >= _total) return _min;
        double u = (double)(step - _warmup) / (_total - _warmup);
        return _min + (_peak - _min) * 0.5 * (1 + Math.Cos(Math.PI * u));
    }
}

/// <summary>
/// The warm-up schedule of "Attention is all you need" (Vaswani et al. 2017, eq. 3,
/// <c>d^−0.5 · min(n^−0.5, n · W^−1.5)</c> at step number <c>n = s + 1</c>), scaled so that its peak, reached at
/// <c>n = W</c>, is the given rate: <c>lr(s) = peak · min(n / W, √(W / n))</c> — a linear rise over W steps, then decay
/// as the inverse square root of the step. It needs no total step count (fairseq's <c>inverse_sqrt</c>).
/// </summary>
public sealed class InverseSqrtSchedule : ILearningRateSchedule
{
    private readonly double _peak;
    private readonly int _warmup;

    /// <summary>Creates the schedule; needs <c>warmupSteps ≥ 1</c>.</summary>
    public InverseSqrtSchedule(double peakLearningRate, int warmupSteps)
    {
        if (warmupSteps < 1) throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"InverseSqrtSchedule: needs at least one warm-up step, got {warmupSteps}.");
        (_peak, _warmup) = (peakLearningRate, warmupSteps);
    }

    /// <inheritdoc />
    public double LearningRate(int step)
    {
        double n = Math.Max(step, 0) + 1.0;
        return _peak * Math.Min(n / _warmup, Math.Sqrt(_warmup / n));
    }
}
