namespace SeqCore.Training;

/// <summary>What the trainer reports after every step, for progress bars, logs and <c>--json</c> lines.</summary>
/// <param name="Step">Steps done so far (1-based).</param>
/// <param name="TotalSteps">Steps planned (the run may stop early).</param>
/// <param name="Loss">Training loss of this step's batch.</param>
/// <param name="SmoothedLoss">Exponential moving average of the training loss (0.98 decay, bias-corrected).</param>
/// <param name="EvalLoss">Held-out loss when this step evaluated, else null.</param>
/// <param name="BestEvalLoss">Best held-out loss so far, or null before the first evaluation.</param>
/// <param name="LearningRate">Learning rate used for this step.</param>
/// <param name="GradientNorm">Global gradient 2-norm before clipping.</param>
/// <param name="ItemsPerSecond">Throughput over the run so far, in <see cref="ItemUnit"/> per second.</param>
/// <param name="ItemUnit">What an item is (<c>tokens</c>, <c>windows</c> …).</param>
/// <param name="Elapsed">Wall time since training started.</param>
/// <param name="Remaining">Estimated time left at the current pace (steps or time budget, whichever ends first).</param>
public readonly record struct TrainingProgress(
    int Step, int TotalSteps, double Loss, double SmoothedLoss, double? EvalLoss, double? BestEvalLoss,
    double LearningRate, double GradientNorm, double ItemsPerSecond, string ItemUnit, TimeSpan Elapsed, TimeSpan Remaining);

/// <summary>Why a training run ended.</summary>
public enum StopReason
{
    /// <summary>All planned steps ran.</summary>
    StepsDone,
    /// <summary>The time budget ran out.</summary>
    TimeBudget,
    /// <summary>The held-out loss did not improve for <see cref="TrainerOptions.Patience"/> evaluations.</summary>
    EarlyStopping,
    /// <summary>Cancelled by the caller.</summary>
    Cancelled,
}

/// <summary>The outcome of <see cref="Trainer{T}.Run(ITrainable{T}, CancellationToken)"/>.</summary>
/// <param name="Steps">Steps run.</param>
/// <param name="Reason">Why training stopped.</param>
/// <param name="FinalLoss">Smoothed training loss at the end.</param>
/// <param name="BestEvalLoss">Best held-out loss, or null when there was no evaluation.</param>
/// <param name="BestStep">Step of the best held-out loss (0 when none).</param>
/// <param name="History">One entry per step, in order (for loss curves).</param>
/// <param name="Elapsed">Wall time of the run.</param>
public sealed record TrainingResult(int Steps, StopReason Reason, double FinalLoss, double? BestEvalLoss, int BestStep,
    IReadOnlyList<TrainingProgress> History, TimeSpan Elapsed);

/// <summary>Thrown when a loss or a gradient stops being finite; the message names the step and the tensor.</summary>
public sealed class NonFiniteTrainingException(int step, string tensor, string message) : Exception(message)
{
    /// <summary>The step at which it happened (1-based).</summary>
    public int Step { get; } = step;

    /// <summary>The tensor that held the NaN or infinity: a parameter's gradient name, or <c>loss</c>.</summary>
    public string Tensor { get; } = tensor;
}
