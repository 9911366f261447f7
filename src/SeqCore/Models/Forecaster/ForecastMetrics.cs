namespace SeqCore.Models;

/// <summary>Forecast accuracy measures and the naive baselines a forecast should beat.</summary>
public static class ForecastMetrics
{
    /// <summary>Root mean squared error <c>√(Σ (f − a)² / n)</c>.</summary>
    public static double Rmse(ReadOnlySpan<double> actual, ReadOnlySpan<double> forecast)
    {
        Same(actual, forecast);
        double s = 0;
        for (int i = 0; i < actual.Length; i++) s += (forecast[i] - actual[i]) * (forecast[i] - actual[i]);
        return Math.Sqrt(s / actual.Length);
    }

    /// <summary>Mean absolute percentage error in percent, <c>100/n · Σ |f − a| / |a|</c> (NaN when an actual value is 0).</summary>
    public static double Mape(ReadOnlySpan<double> actual, ReadOnlySpan<double> forecast)
    {
        Same(actual, forecast);
        double s = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if (actual[i] == 0) return double.NaN;
            s += Math.Abs(forecast[i] - actual[i]) / Math.Abs(actual[i]);
        }
        return 100 * s / actual.Length;
    }

    /// <summary>
    /// The seasonal-naive forecast of the <paramref name="horizon"/> steps after <paramref name="history"/>: each step
    /// repeats the value one season before it, taken from the last observed season,
    /// <c>ŷ_{n+h} = y_{n+h−s·(⌊h/s⌋+1)}</c> (h from 0). With <paramref name="season"/> = 1 this is the naive forecast
    /// (the last value, repeated).
    /// </summary>
    public static double[] SeasonalNaive(ReadOnlySpan<double> history, int season, int horizon)
    {
        if (season <= 0) throw new ArgumentOutOfRangeException(nameof(season), $"Seasonal naive: season must be positive, got {season}.");
        if (history.Length < season)
            throw new ArgumentException($"Seasonal naive: {history.Length} steps of history are fewer than one season of {season}.");
        var f = new double[horizon];
        int n = history.Length;
        for (int h = 0; h < horizon; h++) f[h] = history[n + h - season * (h / season + 1)];
        return f;
    }

    /// <summary>One-step seasonal-naive forecasts of steps <paramref name="start"/> … n − 1 of <paramref name="series"/>:
    /// <c>ŷ_t = y_{t−s}</c> from the actual history (s = 1: the previous value).</summary>
    public static double[] SeasonalNaiveOneStep(ReadOnlySpan<double> series, int start, int season)
    {
        if (season <= 0) throw new ArgumentOutOfRangeException(nameof(season), $"Seasonal naive: season must be positive, got {season}.");
        if (start < season) throw new ArgumentException($"Seasonal naive: step {start} has less than one season of {season} before it.");
        var f = new double[series.Length - start];
        for (int t = start; t < series.Length; t++) f[t - start] = series[t - season];
        return f;
    }

    private static void Same(ReadOnlySpan<double> a, ReadOnlySpan<double> f)
    {
        if (a.Length != f.Length || a.Length == 0)
            throw new ArgumentException($"Forecast metrics need equal, non-zero lengths; got {a.Length} actual and {f.Length} forecast values.");
    }
}
