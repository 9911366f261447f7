namespace SeqCore.Models;

/// <summary>
/// A linear autoregression AR(p) with intercept, <c>x_t = c + φ_1 x_{t−1} + … + φ_p x_{t−p} + e_t</c>, fitted by least
/// squares on the equations <c>t = p … n − 1</c> of one series. Multi-step forecasts are recursive: each forecast is
/// fed back as the most recent lag of the next.
/// </summary>
/// <remarks>
/// The fit centres every column (the target and each lag) and solves the p × p normal equations of the centred
/// problem by Cholesky with a ridge of 1e-10 of their mean diagonal; the intercept then follows from the means. The
/// centring keeps the system well conditioned for a series far from zero, and the ridge keeps it solvable when the lags
/// are collinear (a constant series gives φ = 0 and c = its value) while leaving a well-posed fit unchanged to ~1e-10.
/// </remarks>
public sealed class AutoRegression
{
    private readonly double[] _phi;

    private AutoRegression(double intercept, double[] phi)
    {
        Intercept = intercept;
        _phi = phi;
    }

    /// <summary>p, the number of lags.</summary>
    public int Order => _phi.Length;

    /// <summary>c, the constant term.</summary>
    public double Intercept { get; }

    /// <summary>φ_1 … φ_p: the weights of <c>x_{t−1}</c> … <c>x_{t−p}</c>.</summary>
    public IReadOnlyList<double> Coefficients => _phi;

    /// <summary>The shortest series an AR(<paramref name="order"/>) is fitted on: 3p + 2 values, i.e. at least twice as
    /// many equations (n − p) as unknowns (p + 1).</summary>
    public static int MinLength(int order) => 3 * order + 2;

    /// <summary>Fits AR(<paramref name="order"/>) to <paramref name="series"/> by least squares.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The order is below 1.</exception>
    /// <exception cref="ArgumentException">The series is shorter than <see cref="MinLength"/> or not finite.</exception>
    public static AutoRegression Fit(ReadOnlySpan<double> series, int order)
    {
        if (order < 1) throw new ArgumentOutOfRangeException(nameof(order), $"AR(p): the order must be at least 1, got {order}.");
        if (series.Length < MinLength(order))
            throw new ArgumentException($"AR({order}): {series.Length} values are too few; at least {MinLength(order)} (3p + 2) are needed.", nameof(series));
        foreach (double v in series)
            if (!double.IsFinite(v)) throw new ArgumentException($"AR({order}): the series has a value that is not finite ({v}).", nameof(series));

        int p = order, rows = series.Length - p;
        // Column j = 0 is the target x_t, column j ≥ 1 the lag x_{t−j}, over t = p … n − 1.
        var mean = new double[p + 1];
        for (int j = 0; j <= p; j++)
        {
            double s = 0;
            for (int t = p; t < series.Length; t++) s += series[t - j];
            mean[j] = s / rows;
        }
        var a = new double[p * p];
        var b = new double[p];
        for (int t = p; t < series.Length; t++)
        {
            double y = series[t] - mean[0];
            for (int i = 0; i < p; i++)
            {
                double xi = series[t - 1 - i] - mean[1 + i];
                b[i] += xi * y;
                for (int k = 0; k <= i; k++) a[i * p + k] += xi * (series[t - 1 - k] - mean[1 + k]);
            }
        }
        double trace = 0;
        for (int i = 0; i < p; i++) trace += a[i * p + i];
        double ridge = trace > 0 ? 1e-10 * trace / p : 1;
        for (int i = 0; i < p; i++) a[i * p + i] += ridge;
        double[] phi = CholeskySolve(a, b, p);
        double c = mean[0];
        for (int i = 0; i < p; i++) c -= phi[i] * mean[1 + i];
        return new AutoRegression(c, phi);
    }

    /// <summary>The next value after <paramref name="recent"/>, whose last p values are the lags.</summary>
    private double Next(ReadOnlySpan<double> recent)
    {
        double y = Intercept;
        for (int i = 0; i < _phi.Length; i++) y += _phi[i] * recent[recent.Length - 1 - i];
        return y;
    }

    /// <summary>The <paramref name="horizon"/> values after <paramref name="history"/> (at least p long), each forecast
    /// feeding the next.</summary>
    public double[] Forecast(ReadOnlySpan<double> history, int horizon)
    {
        if (history.Length < Order) throw new ArgumentException($"AR({Order}): {history.Length} values of history are fewer than the order.", nameof(history));
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        var path = new double[Order + horizon];
        history[^Order..].CopyTo(path);
        for (int h = 0; h < horizon; h++) path[Order + h] = Next(path.AsSpan(h, Order));
        return path[Order..];
    }

    /// <summary>One-step forecasts of steps <paramref name="start"/> … n − 1 of <paramref name="series"/>, each from the
    /// actual values before it.</summary>
    public double[] OneStep(ReadOnlySpan<double> series, int start)
    {
        if (start < Order || start > series.Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"AR({Order}): step {start} needs {Order} values before it within {series.Length}.");
        var f = new double[series.Length - start];
        for (int t = start; t < series.Length; t++) f[t - start] = Next(series[..t]);
        return f;
    }

    /// <summary>Solves <c>A x = b</c> for symmetric positive definite A (lower triangle used), p × p row-major.</summary>
    private static double[] CholeskySolve(double[] a, double[] b, int p)
    {
        var l = new double[p * p];
        for (int i = 0; i < p; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = a[i * p + j];
                for (int k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
                if (i == j)
                {
                    if (!(s > 0)) throw new ArithmeticException($"AR({p}): the normal equations are not positive definite (pivot {s}).");
                    l[i * p + i] = Math.Sqrt(s);
                }
                else l[i * p + j] = s / l[j * p + j];
            }
        var x = new double[p];
        for (int i = 0; i < p; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i * p + k] * x[k];
            x[i] = s / l[i * p + i];
        }
        for (int i = p - 1; i >= 0; i--)
        {
            double s = x[i];
            for (int k = i + 1; k < p; k++) s -= l[k * p + i] * x[k];
            x[i] = s / l[i * p + i];
        }
        return x;
    }
}
