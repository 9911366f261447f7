using System.Text.Json;
using SeqCore.Models;

namespace SeqCore.Tests.Models;

/// <summary>The classical forecast baselines: <see cref="AutoRegression"/>, <see cref="HoltWinters"/> (by hand and
/// against statsmodels, Golden/holt_winters_golden.json from tests/golden/make_holt_winters_golden.py) and
/// <see cref="ClassicalBaselines"/> on a split.</summary>
public class ForecastBaselineTests
{
    /// <summary>y_t = 10 + 0.5 t + s_{t mod 12}, a season summing to zero: exactly trend plus season.</summary>
    private static double[] TrendPlusSeason(int n) =>
        Enumerable.Range(0, n).Select(t => 10 + 0.5 * t + 3 * Math.Sin(2 * Math.PI * (t % 12) / 12) + (t % 12 == 5 ? 2 : t % 12 == 6 ? -2 : 0)).ToArray();

    [Test]
    public void Ar_recovers_the_coefficients_of_a_simulated_ar2()
    {
        // x_t = 0.5 + 0.6 x_{t−1} − 0.3 x_{t−2} + e_t, e ~ N(0, 1): standard errors of the estimates are ~0.005.
        var random = new System.Random(20261122);
        var x = new double[20_000];
        for (int t = 2; t < x.Length; t++)
        {
            double e = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            x[t] = 0.5 + 0.6 * x[t - 1] - 0.3 * x[t - 2] + e;
        }
        var ar = AutoRegression.Fit(x, 2);
        Assert.That(ar.Order, Is.EqualTo(2));
        Assert.That(ar.Coefficients[0], Is.EqualTo(0.6).Within(0.02));
        Assert.That(ar.Coefficients[1], Is.EqualTo(-0.3).Within(0.02));
        Assert.That(ar.Intercept, Is.EqualTo(0.5).Within(0.05));

        // Noise-free, the recursion is recovered to rounding.
        var exact = new double[200];
        exact[0] = 3;
        exact[1] = -1;
        for (int t = 2; t < exact.Length; t++) exact[t] = 0.5 + 0.6 * exact[t - 1] - 0.3 * exact[t - 2];
        var fit = AutoRegression.Fit(exact.AsSpan(0, 40), 2);
        Assert.That((fit.Intercept, fit.Coefficients[0], fit.Coefficients[1]), Is.EqualTo((0.5, 0.6, -0.3)).Using<(double, double, double)>(
            (a, b) => Math.Abs(a.Item1 - b.Item1) < 1e-6 && Math.Abs(a.Item2 - b.Item2) < 1e-6 && Math.Abs(a.Item3 - b.Item3) < 1e-6));
    }

    [Test]
    public void Ar_forecasts_recursively_and_one_step_from_the_actual_history()
    {
        var x = new double[] { 1, 2, 0.5, 1.5, 3, 2, 1, 0.5, 2.5, 1, 2, 1.5, 0 };
        var ar = AutoRegression.Fit(x, 2);
        double Next(double a1, double a2) => ar.Intercept + ar.Coefficients[0] * a1 + ar.Coefficients[1] * a2;
        double[] f = ar.Forecast(x, 3);
        Assert.That(f[0], Is.EqualTo(Next(x[^1], x[^2])).Within(1e-15));
        Assert.That(f[1], Is.EqualTo(Next(f[0], x[^1])).Within(1e-15));
        Assert.That(f[2], Is.EqualTo(Next(f[1], f[0])).Within(1e-15));
        double[] one = ar.OneStep(x, 10);
        Assert.That(one, Is.EqualTo(new[] { Next(x[9], x[8]), Next(x[10], x[9]), Next(x[11], x[10]) }).Within(1e-15));
    }

    [Test]
    public void Holt_winters_matches_hand_worked_numbers()
    {
        // m = 2, y = 2 6 4 8 | 9. The first two seasons have means 4 and 6 at centres 0.5 and 2.5: trend 1, line 3.5 + t,
        // so l0 = 2.5 (the line at t = −1), b0 = 1, seasonal indices 2 − 3.5 = −1.5 and 6 − 4.5 = 1.5 (the same from the
        // second season). y_0 … y_3 lie on line + season, so their one-step errors are 0 and the state moves along it to
        // l_3 = 6.5, b_3 = 1. Step 4 (phase 0): ŷ_4 = 6.5 + 1 − 1.5 = 6, error 3. With α = β = γ = ½:
        //   l_4 = ½(9 + 1.5) + ½(7.5) = 9,  b_4 = ½(9 − 6.5) + ½·1 = 1.75,  s_4 = ½(9 − 7.5) + ½(−1.5) = 0.
        // Forecasts: h = 1 (phase 1): 9 + 1.75 + 1.5 = 12.25; h = 2 (phase 0): 9 + 3.5 + 0 = 12.5; h = 3: 9 + 5.25 + 1.5 = 15.75.
        var hw = HoltWinters.Smooth([2, 6, 4, 8, 9], 2, 0.5, 0.5, 0.5);
        Assert.That((hw.InitialLevel, hw.InitialTrend), Is.EqualTo((2.5, 1.0)));
        Assert.That(hw.InitialSeasonal, Is.EqualTo(new[] { -1.5, 1.5 }));
        Assert.That(hw.Fitted, Is.EqualTo(new[] { 2.0, 6, 4, 8, 6 }).Within(1e-12));
        Assert.That(hw.Sse, Is.EqualTo(9).Within(1e-12));
        Assert.That((hw.Level, hw.Trend), Is.EqualTo((9.0, 1.75)));
        Assert.That(hw.Forecast(3), Is.EqualTo(new[] { 12.25, 12.5, 15.75 }).Within(1e-12));
        // One-step over later values continues the same recursion: ŷ_5 = 12.25; after y_5 = 12.25 (no error) ŷ_6 = l_5 + b_5 + s_4.
        double[] one = hw.OneStep([12.25, 11]);
        Assert.That(one[0], Is.EqualTo(12.25).Within(1e-12));
        Assert.That(one[1], Is.EqualTo(12.5).Within(1e-12));
    }

    private static IEnumerable<JsonElement> GoldenCases() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "holt_winters_golden.json"))).RootElement
            .GetProperty("cases").EnumerateArray();

    private static double[] Doubles(JsonElement e, string key) => e.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    [TestCaseSource(nameof(GoldenCases))]
    public void Holt_winters_with_fixed_weights_matches_statsmodels(JsonElement c)
    {
        int m = c.GetProperty("season").GetInt32();
        var hw = HoltWinters.Smooth(Doubles(c, "series"), m, c.GetProperty("alpha").GetDouble(), c.GetProperty("beta").GetDouble(), c.GetProperty("gamma").GetDouble());
        Assert.That(hw.InitialLevel, Is.EqualTo(c.GetProperty("initial_level").GetDouble()).Within(1e-9));
        Assert.That(hw.InitialTrend, Is.EqualTo(c.GetProperty("initial_trend").GetDouble()).Within(1e-9));
        Assert.That(hw.InitialSeasonal, Is.EqualTo(Doubles(c, "initial_seasonal")).Within(1e-9));
        Assert.That(hw.Fitted, Is.EqualTo(Doubles(c, "fitted")).Within(1e-9));
        Assert.That(hw.Sse, Is.EqualTo(c.GetProperty("sse").GetDouble()).Within(1e-9 * Math.Max(1, c.GetProperty("sse").GetDouble())));
        Assert.That(hw.Level, Is.EqualTo(c.GetProperty("level").GetDouble()).Within(1e-9));
        Assert.That(hw.Trend, Is.EqualTo(c.GetProperty("trend").GetDouble()).Within(1e-9));
        int horizon = c.GetProperty("horizon").GetInt32();
        double[] forecast = hw.Forecast(horizon);
        Assert.That(forecast, Is.EqualTo(Doubles(c, "forecast")).Within(1e-9));
        // statsmodels 0.13.5's own forecast() differs only where h is a multiple of m (its issue #9538).
        double[] statsmodels = Doubles(c, "statsmodels_forecast");
        for (int h = 1; h <= horizon; h++)
            if (h % m != 0) Assert.That(forecast[h - 1], Is.EqualTo(statsmodels[h - 1]).Within(1e-9), $"h = {h}");
    }

    [Test]
    public void Holt_winters_fit_finds_weights_no_worse_than_a_scan_of_random_ones()
    {
        var c = GoldenCases().First(e => e.GetProperty("name").GetString() == "nottingham");
        double[] y = Doubles(c, "series");
        var fitted = HoltWinters.Fit(y, 12);
        Assert.That(new[] { fitted.Alpha, fitted.Beta, fitted.Gamma }, Has.All.InRange(0.0, 1.0));
        Assert.That(fitted.Sse, Is.EqualTo(HoltWinters.Smooth(y, 12, fitted.Alpha, fitted.Beta, fitted.Gamma).Sse));
        var random = new System.Random(7);
        for (int i = 0; i < 300; i++)
        {
            double a = random.NextDouble(), b = random.NextDouble(), g = random.NextDouble();
            Assert.That(fitted.Sse, Is.LessThanOrEqualTo(HoltWinters.Smooth(y, 12, a, b, g).Sse * (1 + 1e-9)), $"α {a}, β {b}, γ {g}");
        }
    }

    [Test]
    public void Both_forecast_a_pure_trend_plus_season_exactly()
    {
        double[] y = TrendPlusSeason(84);
        double[] history = y[..60], future = y[60..];
        var hw = HoltWinters.Fit(history, 12);
        Assert.That(hw.Sse, Is.LessThan(1e-18));
        Assert.That(hw.Forecast(24), Is.EqualTo(future).Within(1e-9));
        Assert.That(hw.OneStep(future), Is.EqualTo(future).Within(1e-9));

        // On raw values an AR(13) with intercept can represent y_t = y_{t−12} + 6 exactly.
        var ar = AutoRegression.Fit(history, 13);
        Assert.That(ar.Forecast(history, 24), Is.EqualTo(future).Within(1e-6));

        // Through a split with the network's transform (seasonal differences: a constant 6), both exactly.
        var split = new ForecastSplit(84, 60, 24, 24, 0, 12);
        var baselines = ClassicalBaselines.Run(new ForecastSeries(y), split, new ForecasterConfig { Target = "y", DifferenceLag = 12 }, 0);
        Assert.That(baselines.Ar.Order, Is.EqualTo(15), "auto: two seasons, capped by the 48 differenced values (3p + 2 ≤ 48)");
        Assert.That(baselines.ArForecast.Name, Is.EqualTo("AR(15) on difference 12"));
        Assert.That(baselines.ArForecast.Forecast, Is.EqualTo(future).Within(1e-9));
        Assert.That(baselines.ArForecast.OneStep, Is.EqualTo(future).Within(1e-9));
        Assert.That(baselines.HoltWintersForecast!.Forecast, Is.EqualTo(future).Within(1e-9));
        Assert.That((baselines.ArForecast.Rmse!.Value, baselines.HoltWintersForecast.Rmse!.Value), Is.EqualTo((0.0, 0.0)).Using<(double, double)>(
            (a, b) => Math.Abs(a.Item1 - b.Item1) < 1e-9 && Math.Abs(a.Item2 - b.Item2) < 1e-9));
    }

    [Test]
    public void A_constant_series_is_forecast_as_itself_without_dividing_by_zero()
    {
        double[] y = Enumerable.Repeat(7.25, 48).ToArray();
        var hw = HoltWinters.Fit(y, 12);
        Assert.That(hw.Forecast(13), Has.All.EqualTo(7.25));
        var ar = AutoRegression.Fit(y, 5);
        Assert.That(ar.Coefficients, Has.All.EqualTo(0.0));
        Assert.That(ar.Forecast(y, 4), Has.All.EqualTo(7.25).Within(1e-12));
        var baselines = ClassicalBaselines.Run(new ForecastSeries(y), new ForecastSplit(48, 36, 12, 12, 0, 12),
            new ForecasterConfig { Target = "y", Log = true, DifferenceLag = 1 }, 0);
        Assert.That(baselines.All.Select(b => b.Rmse), Has.All.EqualTo(0.0).Within(1e-12));
    }

    [Test]
    public void Log_and_differencing_are_undone_like_the_network_does()
    {
        // AR on log first differences: ẑ_t = d̂_t + ẑ_{t−1}, then exp.
        double[] y = [.. Enumerable.Range(0, 40).Select(t => 100 * Math.Exp(0.01 * t + 0.05 * Math.Sin(t)))];
        var config = new ForecasterConfig { Target = "y", Log = true, DifferenceLag = 1 };
        var baselines = ClassicalBaselines.Run(new ForecastSeries(y), new ForecastSplit(40, 34, 6, 6, 0, 0), config, 3);
        double[] d = Enumerable.Range(1, 33).Select(t => Math.Log(y[t]) - Math.Log(y[t - 1])).ToArray();
        var ar = AutoRegression.Fit(d, 3);
        double[] dHat = ar.Forecast(d, 6);
        double z = Math.Log(y[33]);
        double[] expected = dHat.Select(v => Math.Exp(z += v)).ToArray();
        Assert.That(baselines.ArForecast.Forecast, Is.EqualTo(expected).Within(1e-9));
        Assert.That(baselines.ArForecast.Name, Is.EqualTo("AR(3) on log, difference 1"));
        Assert.That(baselines.HoltWintersForecast, Is.Null, "no season, no Holt-Winters");
        double[] oneStep = ar.OneStep([.. d, .. Enumerable.Range(34, 6).Select(t => Math.Log(y[t]) - Math.Log(y[t - 1]))], 33)
            .Select((v, i) => Math.Exp(Math.Log(y[33 + i]) + v)).ToArray();
        Assert.That(baselines.ArForecast.OneStep, Is.EqualTo(oneStep).Within(1e-9));
    }

    [Test]
    public void Bad_settings_name_what_is_wrong()
    {
        Assert.That(() => AutoRegression.Fit(new double[10], 3), Throws.ArgumentException.With.Message.Contains("at least 11"));
        Assert.That(() => AutoRegression.Fit(new double[10], 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => HoltWinters.Fit(new double[23], 12), Throws.ArgumentException.With.Message.Contains("two seasons of 12"));
        Assert.That(() => HoltWinters.Fit(new double[30], 1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("at least 2"));
        Assert.That(() => HoltWinters.Smooth(new double[30], 3, 1.5, 0, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("alpha"));
        Assert.That(() => HoltWinters.Fit([1, 2, double.NaN, 4], 2), Throws.ArgumentException.With.Message.Contains("not finite"));

        var config = new ForecasterConfig { Target = "y" };
        var series = new ForecastSeries(TrendPlusSeason(60));
        var e = Assert.Throws<ArgumentException>(() => ClassicalBaselines.Run(series, new ForecastSplit(60, 48, 12, 12, 0, 12), config, 20))!;
        Assert.That(e.ParamName, Is.EqualTo("ar-order"));
        Assert.That(e.Message, Does.Contain("AR(20) needs at least 62").And.Contain("give 48"));
        e = Assert.Throws<ArgumentException>(() => ClassicalBaselines.Run(series, new ForecastSplit(60, 40, 20, 20, 0, 24), config, 0))!;
        Assert.That(e.ParamName, Is.EqualTo("season"));
        Assert.That(e.Message, Does.Contain("two full seasons").And.Contain("48").And.Contain("40"));
        Assert.That(ClassicalBaselines.Order(0, 0, 1000), Is.EqualTo(12));
        Assert.That(ClassicalBaselines.Order(0, 52, 1000), Is.EqualTo(ClassicalBaselines.MaxAutoOrder));
        Assert.That(ClassicalBaselines.Order(0, 12, 20), Is.EqualTo(6));
        Assert.That(() => ClassicalBaselines.Order(0, 12, 4), Throws.ArgumentException.With.Property("ParamName").EqualTo("ar-order"));
    }
}
