namespace SeqCore.Models;

/// <summary>
/// Time-aligned series for a <see cref="Forecaster{T}"/>: the target and any extra inputs, all of the same length,
/// oldest first.
/// </summary>
public sealed record ForecastSeries
{
    /// <summary>Creates the series; every input must be as long as the target.</summary>
    public ForecastSeries(double[] target, IReadOnlyList<double[]>? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        inputs ??= [];
        for (int i = 0; i < inputs.Count; i++)
            if (inputs[i].Length != target.Length)
                throw new ArgumentException($"ForecastSeries: input {i} has {inputs[i].Length} values, the target {target.Length}.");
        Target = target;
        Inputs = inputs;
    }

    /// <summary>The series to forecast.</summary>
    public double[] Target { get; }

    /// <summary>Extra input series, in the order of <see cref="ForecasterConfig.Inputs"/>.</summary>
    public IReadOnlyList<double[]> Inputs { get; }

    /// <summary>Time steps.</summary>
    public int Length => Target.Length;

    /// <summary>Feature <paramref name="f"/>: 0 is the target, 1… the inputs.</summary>
    public double[] Feature(int f) => f == 0 ? Target : Inputs[f - 1];

    /// <summary>The first <paramref name="count"/> time steps.</summary>
    public ForecastSeries Take(int count) => Slice(0, count);

    /// <summary><paramref name="count"/> time steps from <paramref name="start"/>.</summary>
    public ForecastSeries Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Length)
            throw new ArgumentOutOfRangeException(nameof(count), $"ForecastSeries: [{start}, {start + count}) is outside {Length} steps.");
        return new ForecastSeries(Target[start..(start + count)], Inputs.Select(x => x[start..(start + count)]).ToArray());
    }
}
