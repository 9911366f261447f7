namespace SeqCore.Training;

/// <summary>
/// Linear decay from a start rate to a floor over S steps, word2vec's schedule:
/// <c>lr(s) = max(floor, start·(1 − s/S))</c> (s from 0).
/// </summary>
public sealed class LinearDecaySchedule : ILearningRateSchedule
{
    private readonly double _start, _floor;
    private readonly int _total;

    /// <summary>Creates the schedule; <paramref name="totalSteps"/> must be positive.</summary>
    public LinearDecaySchedule(double startLearningRate, int totalSteps, double floorLearningRate)
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), $"LinearDecaySchedule: total steps must be positive, got {totalSteps}.");
        (_start, _total, _floor) = (startLearningRate, totalSteps, floorLearningRate);
    }

    /// <inheritdoc />
    public double LearningRate(int step) => Math.Max(_floor, _start * (1 - (double)step / _total));
}
