namespace SeqCore.Models;

/// <summary>
/// Holt-Winters exponential smoothing with additive trend and additive season of period m (the error-correction form
/// of Hyndman &amp; Athanasopoulos, the one statsmodels' <c>ExponentialSmoothing(trend="add", seasonal="add")</c> uses):
/// <code>
/// ŷ_t  = l_{t−1} + b_{t−1} + s_{t−m}
/// l_t  = α (y_t − s_{t−m}) + (1 − α)(l_{t−1} + b_{t−1})
/// b_t  = β (l_t − l_{t−1}) + (1 − β) b_{t−1}
/// s_t  = γ (y_t − l_{t−1} − b_{t−1}) + (1 − γ) s_{t−m}
/// ŷ_{n+h} = l_n + h b_n + s_{n+h−m(⌊(h−1)/m⌋+1)}
/// </code>
/// <see cref="Fit"/> picks α, β, γ in [0, 1] that minimise the one-step squared error over the series (a grid, then
/// Nelder–Mead); the initial state comes from a decomposition of the first seasons and is not fitted.
/// </summary>
/// <remarks>
/// Initial state, from the first k = min(⌊n/m⌋, 5) full seasons: the mean of season j is the level at its centre
/// <c>c_j = jm + (m − 1)/2</c>, so a least-squares line <c>a + b·t</c> through the k season means gives the trend b and the
/// level just before the first observation, <c>l_0 = a − b</c>; the seasonal index of phase i is the mean over the k
/// seasons of <c>y_{jm+i} − (a + b(jm + i))</c> (these sum to zero). On a series that is exactly trend plus season the
/// state is exact, so every one-step and multi-step forecast is too. Additive smoothing divides by nothing, so a constant
/// series is forecast as itself.
/// </remarks>
public sealed class HoltWinters
{
    private readonly double[] _initialSeasonal;
    private readonly double[] _seasonal;   // s_{t−m} for the next step t sits at t mod m
    private readonly double[] _fitted;
    private readonly int _length;

    private HoltWinters(int season, double alpha, double beta, double gamma, ReadOnlySpan<double> series)
    {
        Season = season;
        Alpha = alpha;
        Beta = beta;
        Gamma = gamma;
        (InitialLevel, InitialTrend, _initialSeasonal) = InitialState(series, season);
        double level = InitialLevel, trend = InitialTrend;
        _seasonal = (double[])_initialSeasonal.Clone();
        _fitted = new double[series.Length];
        Sse = Run(series, 0, season, alpha, beta, gamma, ref level, ref trend, _seasonal, _fitted);
        Level = level;
        Trend = trend;
        _length = series.Length;
    }

    /// <summary>m, the season length.</summary>
    public int Season { get; }

    /// <summary>α, the level's smoothing weight.</summary>
    public double Alpha { get; }

    /// <summary>β, the trend's smoothing weight.</summary>
    public double Beta { get; }

    /// <summary>γ, the seasonal smoothing weight.</summary>
    public double Gamma { get; }

    /// <summary>l_0, the level before the first observation.</summary>
    public double InitialLevel { get; }

    /// <summary>b_0, the trend before the first observation.</summary>
    public double InitialTrend { get; }

    /// <summary>The seasonal indices used for the first m observations, in their order.</summary>
    public IReadOnlyList<double> InitialSeasonal => _initialSeasonal;

    /// <summary>l_n after the last observation.</summary>
    public double Level { get; }

    /// <summary>b_n after the last observation.</summary>
    public double Trend { get; }

    /// <summary>The one-step forecast ŷ_t of every observation of the series it was fitted on.</summary>
    public IReadOnlyList<double> Fitted => _fitted;

    /// <summary>Σ (y_t − ŷ_t)² over the series: what <see cref="Fit"/> minimises.</summary>
    public double Sse { get; }

    /// <summary>The shortest series for season <paramref name="season"/>: two full seasons.</summary>
    public static int MinLength(int season) => 2 * season;

    /// <summary>Smooths <paramref name="series"/> with the given weights (each in [0, 1]).</summary>
    /// <exception cref="ArgumentException">A season below 2, a series shorter than two seasons or not finite, a weight
    /// outside [0, 1].</exception>
    public static HoltWinters Smooth(ReadOnlySpan<double> series, int season, double alpha, double beta, double gamma)
    {
        Check(series, season);
        foreach (var (name, w) in new[] { ("alpha", alpha), ("beta", beta), ("gamma", gamma) })
            if (!(w >= 0 && w <= 1)) throw new ArgumentOutOfRangeException(name, $"Holt-Winters: {name} must be in [0, 1], got {w}.");
        return new HoltWinters(season, alpha, beta, gamma, series);
    }

    /// <summary>Fits α, β, γ by minimising the one-step squared error: the best point of the grid {0.05, 0.2, 0.4, 0.6,
    /// 0.8, 0.95}³, refined by Nelder–Mead on [0, 1]³.</summary>
    /// <exception cref="ArgumentException">As <see cref="Smooth"/>.</exception>
    public static HoltWinters Fit(ReadOnlySpan<double> series, int season)
    {
        Check(series, season);
        double[] y = series.ToArray();
        var (level0, trend0, seasonal0) = InitialState(series, season);
        var seasonal = new double[season];
        double Sse(double[] w)
        {
            seasonal0.CopyTo(seasonal, 0);
            double level = level0, trend = trend0;
            return Run(y, 0, season, w[0], w[1], w[2], ref level, ref trend, seasonal, null);
        }
        double[] grid = [0.05, 0.2, 0.4, 0.6, 0.8, 0.95];
        double[] best = [grid[0], grid[0], grid[0]];
        double bestSse = double.PositiveInfinity;
        foreach (double a in grid)
            foreach (double b in grid)
                foreach (double g in grid)
                {
                    double sse = Sse([a, b, g]);
                    if (sse < bestSse) (best, bestSse) = ([a, b, g], sse);
                }
        var (w, _) = NelderMead.Minimise(Sse, best);
        return new HoltWinters(season, w[0], w[1], w[2], series);
    }

    /// <summary>The <paramref name="horizon"/> values after the series it was fitted on.</summary>
    public double[] Forecast(int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        var f = new double[horizon];
        for (int h = 1; h <= horizon; h++) f[h - 1] = Level + h * Trend + _seasonal[(_length + h - 1) % Season];
        return f;
    }

    /// <summary>One-step forecasts of <paramref name="later"/>, the values that follow the fitted series: each from the
    /// state updated with the actual values before it (same α, β, γ).</summary>
    public double[] OneStep(ReadOnlySpan<double> later)
    {
        double level = Level, trend = Trend;
        var seasonal = (double[])_seasonal.Clone();
        var f = new double[later.Length];
        Run(later, _length, Season, Alpha, Beta, Gamma, ref level, ref trend, seasonal, f);
        return f;
    }

    /// <summary>Runs the recursion over <paramref name="y"/>, whose first value is step <paramref name="t0"/>; updates the
    /// state, writes the one-step forecasts to <paramref name="forecasts"/> when given, and returns their squared error.</summary>
    private static double Run(ReadOnlySpan<double> y, int t0, int m, double alpha, double beta, double gamma,
        ref double level, ref double trend, double[] seasonal, double[]? forecasts)
    {
        double sse = 0;
        for (int i = 0; i < y.Length; i++)
        {
            int phase = (t0 + i) % m;
            double s = seasonal[phase], predicted = level + trend + s;
            if (forecasts is not null) forecasts[i] = predicted;
            sse += (y[i] - predicted) * (y[i] - predicted);
            double newLevel = alpha * (y[i] - s) + (1 - alpha) * (level + trend);
            seasonal[phase] = gamma * (y[i] - level - trend) + (1 - gamma) * s;
            trend = beta * (newLevel - level) + (1 - beta) * trend;
            level = newLevel;
        }
        return sse;
    }

    /// <summary>l_0, b_0 and the m seasonal indices from the first seasons (see the remarks).</summary>
    internal static (double Level, double Trend, double[] Seasonal) InitialState(ReadOnlySpan<double> y, int m)
    {
        int k = Math.Min(y.Length / m, 5);
        var means = new double[k];
        for (int j = 0; j < k; j++)
        {
            double s = 0;
            for (int i = 0; i < m; i++) s += y[j * m + i];
            means[j] = s / m;
        }
        // Least-squares line through (c_j, mean_j), c_j = jm + (m − 1)/2.
        double cBar = (k - 1) * m / 2.0 + (m - 1) / 2.0, mBar = means.Average(), sxy = 0, sxx = 0;
        for (int j = 0; j < k; j++)
        {
            double dc = j * m + (m - 1) / 2.0 - cBar;
            sxy += dc * (means[j] - mBar);
            sxx += dc * dc;
        }
        double b = sxy / sxx, a = mBar - b * cBar;
        var seasonal = new double[m];
        for (int i = 0; i < m; i++)
        {
            double s = 0;
            for (int j = 0; j < k; j++) s += y[j * m + i] - (a + b * (j * m + i));
            seasonal[i] = s / k;
        }
        return (a - b, b, seasonal);
    }

    private static void Check(ReadOnlySpan<double> series, int season)
    {
        if (season < 2) throw new ArgumentOutOfRangeException(nameof(season), $"Holt-Winters: the season must be at least 2, got {season}.");
        if (series.Length < MinLength(season))
            throw new ArgumentException($"Holt-Winters: {series.Length} values are fewer than two seasons of {season} ({MinLength(season)}), which the initial trend and season need.", nameof(series));
        foreach (double v in series)
            if (!double.IsFinite(v)) throw new ArgumentException($"Holt-Winters: the series has a value that is not finite ({v}).", nameof(series));
    }
}
