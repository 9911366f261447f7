using System.Globalization;
using System.Text.Json;
using SeqCore.IO;
using SeqCore.Models;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore forecast</c> reports AR(p) and Holt-Winters beside seasonal naive, on the shipped CO2,
/// Nottingham and sunspot series; and the bad settings of the baselines.</summary>
public class ForecastBaselineCommandTests
{
    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "Data");
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => _dir = Path.Combine(Path.GetTempPath(), $"seqcore-fcbase-{Guid.NewGuid():N}");

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static JsonElement Result(string stdout) =>
        JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;

    private static double[] Doubles(JsonElement r, string key) => r.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [TestCase("co2_mauna_loa.csv", "co2_ppm", false, 12)]
    [TestCase("nottingham_temperature.csv", "fahrenheit", false, 0)]
    public void The_baselines_are_reported_in_json_csv_and_svg_as_the_library_computes_them(string file, string column, bool log, int difference)
    {
        string csv = Path.Combine(Data, file), checkpoint = Path.Combine(_dir, "run.safetensors");
        string[] transform = [.. log ? ["--log"] : Array.Empty<string>(), "--difference", $"{difference}"];
        var (code, stdout, stderr) = Run(["forecast", "--csv", csv, "--column", column, "--holdout", "24", "--season", "12", .. transform,
            "--window", "12", "--hidden", "4", "--steps", "5", "--threads", "1", "--out", checkpoint, "--json"]);
        Assert.That(code, Is.Zero, stderr);
        var r = Result(stdout);

        var series = new ForecastSeries(NumericCsv.Read(csv).Column(column));
        var split = new ForecastSplit(series.Length, series.Length - 24, 24, 24, 0, 12);
        var expected = ClassicalBaselines.Run(series, split, new ForecasterConfig { Target = column, Log = log, DifferenceLag = difference }, 0);
        Assert.That(r.GetProperty("ar_order").GetInt32(), Is.EqualTo(24), "two seasons");
        Assert.That(r.GetProperty("ar_name").GetString(), Is.EqualTo(expected.ArForecast.Name));
        Assert.That(r.GetProperty("ar_rmse").GetDouble(), Is.EqualTo(expected.ArForecast.Rmse));
        Assert.That(r.GetProperty("ar_mape").GetDouble(), Is.EqualTo(expected.ArForecast.Mape));
        Assert.That(r.GetProperty("ar_one_step_rmse").GetDouble(), Is.EqualTo(expected.ArForecast.OneStepRmse));
        Assert.That(Doubles(r, "ar_forecast"), Is.EqualTo(expected.ArForecast.Forecast));
        Assert.That(r.GetProperty("holt_winters_name").GetString(), Is.EqualTo("Holt-Winters (season 12)"));
        Assert.That(r.GetProperty("holt_winters_alpha").GetDouble(), Is.EqualTo(expected.HoltWinters!.Alpha));
        Assert.That(r.GetProperty("holt_winters_rmse").GetDouble(), Is.EqualTo(expected.HoltWintersForecast!.Rmse));
        Assert.That(r.GetProperty("holt_winters_one_step_mape").GetDouble(), Is.EqualTo(expected.HoltWintersForecast.OneStepMape));
        // Both classical baselines beat seasonal naive on these two seasonal series.
        Assert.That(r.GetProperty("ar_rmse").GetDouble(), Is.LessThan(r.GetProperty("baseline_rmse").GetDouble()));
        Assert.That(r.GetProperty("holt_winters_rmse").GetDouble(), Is.LessThan(r.GetProperty("baseline_rmse").GetDouble()));

        string[] rows = File.ReadAllLines(Path.Combine(_dir, "run.forecast.csv"));
        Assert.That(rows[0], Is.EqualTo("x,actual,forecast,baseline,one_step,ar,holt_winters"));
        string[] last = rows[^1].Split(',');
        Assert.That(double.Parse(last[5], CultureInfo.InvariantCulture), Is.EqualTo(expected.ArForecast.Forecast[^1]));
        Assert.That(double.Parse(last[6], CultureInfo.InvariantCulture), Is.EqualTo(expected.HoltWintersForecast.Forecast[^1]));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "run.forecast.svg")), Does.Contain(expected.ArForecast.Name).And.Contain("Holt-Winters (season 12)"));
    }

    [Test]
    public void The_table_shows_both_baselines_and_the_comparison_with_the_better_one()
    {
        var (code, stdout, stderr) = Run("forecast", "--csv", Path.Combine(Data, "airpassengers.csv"), "--column", "passengers", "--holdout", "12",
            "--season", "12", "--log", "--difference", "12", "--window", "12", "--hidden", "4", "--steps", "5", "--threads", "1", "--ar-order", "3",
            "--out", Path.Combine(_dir, "air.safetensors"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("AR(3) on log, difference 12 ").And.Contain("AR(3) on log, difference 12, one-step")
            .And.Contain("Holt-Winters (season 12) on log ").And.Contain("Holt-Winters (season 12) on log, one-step")
            .And.Contain("the best classical baseline, "));
    }

    [Test]
    public void Without_a_season_only_ar_is_reported_with_12_lags()
    {
        // Sunspots: no calendar season; a slice keeps this fast.
        Directory.CreateDirectory(_dir);
        string csv = Path.Combine(_dir, "sunspots.csv");
        File.WriteAllLines(csv, File.ReadLines(Path.Combine(Data, "sunspot_month.csv")).Take(301));
        var (code, stdout, stderr) = Run("forecast", "--csv", csv, "--column", "sunspots", "--holdout", "24", "--window", "12", "--hidden", "4",
            "--steps", "5", "--threads", "1", "--out", Path.Combine(_dir, "s.safetensors"), "--json");
        Assert.That(code, Is.Zero, stderr);
        var r = Result(stdout);
        Assert.That((r.GetProperty("ar_order").GetInt32(), r.GetProperty("ar_name").GetString()), Is.EqualTo((12, "AR(12)")));
        Assert.That(r.TryGetProperty("holt_winters_rmse", out _), Is.False);
        Assert.That(File.ReadLines(Path.Combine(_dir, "s.forecast.csv")).First(), Is.EqualTo("x,actual,forecast,baseline,one_step,ar"));
    }

    [Test]
    public void A_constant_series_is_forecast_exactly_by_every_baseline()
    {
        Directory.CreateDirectory(_dir);
        string csv = Path.Combine(_dir, "flat.csv");
        File.WriteAllLines(csv, ["t,y", .. Enumerable.Range(0, 80).Select(i => $"{i},5")]);
        var (code, stdout, stderr) = Run("forecast", "--csv", csv, "--column", "y", "--holdout", "12", "--season", "12", "--window", "6",
            "--hidden", "4", "--steps", "5", "--threads", "1", "--out", Path.Combine(_dir, "flat.safetensors"), "--json");
        Assert.That(code, Is.Zero, stderr);
        var r = Result(stdout);
        foreach (string key in new[] { "baseline_rmse", "ar_rmse", "holt_winters_rmse", "ar_one_step_rmse", "holt_winters_one_step_rmse" })
            Assert.That(r.GetProperty(key).GetDouble(), Is.EqualTo(0).Within(1e-12), key);
    }

    [Test]
    public void Bad_baseline_settings_exit_2_with_one_message_and_write_nothing()
    {
        string air = Path.Combine(Data, "airpassengers.csv");
        string never = Path.Combine(_dir, "never"), outFile = Path.Combine(never, "x.safetensors");
        string[] common = ["forecast", "--csv", air, "--column", "passengers", "--window", "12", "--hidden", "4", "--steps", "5", "--out", outFile];

        // Too few rows for p: 120 training rows less the lag 12 leave 108 values; AR(40) needs 122.
        var (code, _, err) = Run([.. common, "--holdout", "24", "--difference", "12", "--ar-order", "40"]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.StartWith("seqcore: forecast: --ar-order: ").And.Contain("AR(40) needs at least 122").And.Contain("give 108"));

        // A season longer than half the training rows: Holt-Winters needs two of them.
        (code, _, err) = Run([.. common, "--holdout", "24", "--season", "72"]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.StartWith("seqcore: forecast: --season: ").And.Contain("two full seasons").And.Contain("144").And.Contain("120"));

        // A season longer than the series.
        (code, _, err) = Run([.. common, "--holdout", "24", "--validation", "10", "--season", "200"]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.StartWith("seqcore: forecast: --season: ").And.Contain("200 is longer than the 120 training rows"));

        (code, _, err) = Run([.. common, "--ar-order", "-1"]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--ar-order"));
        Assert.That(Directory.Exists(never), Is.False, "nothing written on an error");
    }
}
