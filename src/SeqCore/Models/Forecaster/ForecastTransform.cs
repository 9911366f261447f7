namespace SeqCore.Models;

/// <summary>
/// The map from raw values to what a <see cref="Forecaster{T}"/> network sees, and back: level
/// <c>z = log x</c> (or <c>x</c>), difference <c>d_t = z_t − z_{t−L}</c> (or <c>z_t</c> when L = 0), scale
/// <c>s = (d − center) / spread</c>. Row i of the transformed features is time step <c>i + L</c>.
/// </summary>
public static class ForecastTransform
{
    /// <summary>The level of a raw series: its log when <see cref="ForecasterConfig.Log"/>, else a copy.</summary>
    /// <exception cref="ArgumentException">Log of a value ≤ 0; the message names the series and the step.</exception>
    public static double[] Level(ForecasterConfig config, double[] raw, string name)
    {
        var z = new double[raw.Length];
        for (int t = 0; t < raw.Length; t++)
        {
            if (config.Log && !(raw[t] > 0))
                throw new ArgumentException($"Forecaster: the log transform needs positive values, but '{name}' is {raw[t]} at step {t}.");
            z[t] = config.Log ? Math.Log(raw[t]) : raw[t];
        }
        return z;
    }

    /// <summary>The inverse of <see cref="Level"/> for one value.</summary>
    public static double Unlevel(ForecasterConfig config, double z) => config.Log ? Math.Exp(z) : z;

    /// <summary>Unscaled transformed values of one series: <c>d[i] = z[i + L] − z[i]</c> (L = 0: <c>z</c>), length n − L.</summary>
    public static double[] Differenced(ForecasterConfig config, double[] level)
    {
        int lag = config.DifferenceLag;
        if (level.Length <= lag) return [];
        var d = new double[level.Length - lag];
        for (int i = 0; i < d.Length; i++) d[i] = lag == 0 ? level[i] : level[i + lag] - level[i];
        return d;
    }

    /// <summary>
    /// Returns <paramref name="config"/> with scaling constants fitted on the first <paramref name="rows"/> raw time steps
    /// of <paramref name="series"/> only (so nothing after them leaks into the scale).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two transformed values to fit on.</exception>
    public static ForecasterConfig FitScaling(ForecasterConfig config, ForecastSeries series, int rows)
    {
        if (rows > series.Length) throw new ArgumentOutOfRangeException(nameof(rows), $"Forecaster: cannot fit scaling on {rows} of {series.Length} steps.");
        var center = new double[config.Features];
        var spread = new double[config.Features];
        string[] names = [config.Target, .. config.Inputs];
        for (int f = 0; f < config.Features; f++)
        {
            double[] d = Differenced(config, Level(config, series.Feature(f)[..rows], names[f]));
            if (d.Length < 2)
                throw new ArgumentException($"Forecaster: {rows} training steps leave {d.Length} values after differencing at lag {config.DifferenceLag}; at least 2 are needed to fit the scaling.");
            if (config.Scaling == FeatureScaling.Standard)
            {
                double mean = d.Average();
                double var = d.Sum(v => (v - mean) * (v - mean)) / d.Length;
                center[f] = mean;
                spread[f] = Spread(Math.Sqrt(var), mean);
            }
            else
            {
                double min = d.Min(), max = d.Max();
                center[f] = min;
                spread[f] = Spread(max - min, min);
            }
        }
        return config with { ScaleCenter = center, ScaleSpread = spread };
    }

    /// <summary>A spread at rounding level of the values (a constant series) becomes 1, so scaling does not blow noise up.</summary>
    private static double Spread(double spread, double center) => spread > 1e-9 * Math.Max(1, Math.Abs(center)) ? spread : 1;

    /// <summary>
    /// The scaled features the network reads, <c>[n − L, F]</c> row-major: row i is time step <c>i + L</c>, column 0 the
    /// target, columns 1… the inputs.
    /// </summary>
    public static double[] Features(ForecasterConfig config, ForecastSeries series)
    {
        if (!config.IsFitted) throw new InvalidOperationException("Forecaster: the scaling is not fitted yet (ForecastTransform.FitScaling).");
        int f = config.Features, m = Math.Max(0, series.Length - config.DifferenceLag);
        var x = new double[m * f];
        string[] names = [config.Target, .. config.Inputs];
        for (int j = 0; j < f; j++)
        {
            double[] d = Differenced(config, Level(config, series.Feature(j), names[j]));
            for (int i = 0; i < m; i++) x[i * f + j] = (d[i] - config.ScaleCenter[j]) / config.ScaleSpread[j];
        }
        return x;
    }
}
