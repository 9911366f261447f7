using System.Globalization;

namespace SeqCore.Training;

/// <summary>Thrown when the training loss stays finite but runs away: the smoothed loss has exceeded
/// <see cref="TrainerOptions.DivergenceFactor"/> × the first step's loss for <see cref="TrainerOptions.DivergenceSteps"/>
/// steps in a row. The message names the step, the smoothed loss and the first loss.</summary>
public sealed class DivergedTrainingException(int step, double loss, double firstLoss)
    : Exception(string.Create(CultureInfo.InvariantCulture, $"diverged at step {step}: loss {loss:G4}, started at {firstLoss:G4}; try a smaller --lr."))
{
    /// <summary>The step at which the run was stopped (1-based).</summary>
    public int Step { get; } = step;

    /// <summary>The smoothed training loss at <see cref="Step"/>.</summary>
    public double Loss { get; } = loss;

    /// <summary>The first step's training loss.</summary>
    public double FirstLoss { get; } = firstLoss;
}
