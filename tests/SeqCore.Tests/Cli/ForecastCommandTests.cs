using System.Text.Json;
using SeqCore.Cli;
using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Tests.Cuda;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore forecast</c> in-process on the shipped AirPassengers and EU stock market files, and its errors.</summary>
public class ForecastCommandTests
{
    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "Data");
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => _dir = Path.Combine(Path.GetTempPath(), $"seqcore-forecast-{Guid.NewGuid():N}");

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Test]
    public void Trains_forecasts_the_holdout_and_writes_the_checkpoint_plot_and_numbers()
    {
        string outDir = Path.Combine(_dir, "run");
        var (code, stdout, stderr) = Run("forecast", "--csv", Path.Combine(Data, "airpassengers.csv"), "--column", "passengers",
            "--holdout", "12", "--season", "12", "--window", "12", "--log", "--difference", "12", "--hidden", "8", "--steps", "60",
            "--out", Path.Combine(outDir, "air.safetensors"), "--json");
        Assert.That(code, Is.Zero, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.Contain("\"event\":\"start\""));
        Assert.That(lines[1], Does.Contain("\"event\":\"progress\""));
        using var result = JsonDocument.Parse(lines[^1]);
        var r = result.RootElement;
        Assert.That(r.GetProperty("event").GetString(), Is.EqualTo("result"));
        Assert.That(r.GetProperty("rows").GetInt32(), Is.EqualTo(144));
        Assert.That(r.GetProperty("train_rows").GetInt32(), Is.EqualTo(132));
        Assert.That(r.GetProperty("forecast").GetArrayLength(), Is.EqualTo(12));
        // The seasonal-naive baseline for 1960 is 1959 repeated: its RMSE is fixed by the data.
        double[] y = File.ReadLines(Path.Combine(Data, "airpassengers.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        double baseline = ForecastMetrics.Rmse(y.AsSpan(132), y.AsSpan(120, 12));
        Assert.That(r.GetProperty("baseline_rmse").GetDouble(), Is.EqualTo(baseline).Within(1e-9));
        Assert.That(r.GetProperty("rmse").GetDouble(), Is.GreaterThan(0).And.LessThan(1000));
        foreach (string f in new[] { "air.safetensors", "air.forecast.svg", "air.forecast.csv", "air.loss.svg" })
            Assert.That(File.Exists(Path.Combine(outDir, f)), f);
        Assert.That(r.GetProperty("checkpoint").GetString(), Is.EqualTo(Path.Combine(outDir, "air.safetensors")));
        Assert.That(r.GetProperty("plot").GetString(), Is.EqualTo(Path.Combine(outDir, "air.forecast.svg")));
        string svg = File.ReadAllText(Path.Combine(outDir, "air.forecast.svg"));
        Assert.That(svg, Does.Contain("held-out actual").And.Contain("seasonal naive (season 12)").And.Contain("held-out part starts"));
        Assert.That(File.ReadLines(Path.Combine(outDir, "air.forecast.csv")).Count(), Is.EqualTo(145));
        Assert.That(Directory.GetFiles(outDir, ".*tmp*"), Is.Empty);
    }

    [Test]
    public void A_saved_forecaster_forecasts_again_with_model_and_gives_the_same_numbers()
    {
        string air = Path.Combine(Data, "airpassengers.csv");
        string first = Path.Combine(_dir, "train"), again = Path.Combine(_dir, "again");
        var (code, stdout, stderr) = Run("forecast", "--csv", air, "--column", "passengers", "--holdout", "12", "--season", "12",
            "--window", "12", "--log", "--difference", "12", "--hidden", "8", "--steps", "30", "--out", Path.Combine(first, "air.safetensors"), "--json");
        Assert.That(code, Is.Zero, stderr);
        using var trained = JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        string checkpoint = Path.Combine(first, "air.safetensors");

        (code, stdout, stderr) = Run("forecast", "--csv", air, "--model", checkpoint, "--holdout", "12", "--season", "12", "--out", Path.Combine(again, "b.safetensors"), "--json");
        Assert.That(code, Is.Zero, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), "no training, so no progress lines");
        using var loaded = JsonDocument.Parse(lines[0]);
        var t = trained.RootElement;
        var l = loaded.RootElement;
        Assert.That(l.GetProperty("forecast").EnumerateArray().Select(e => e.GetDouble()),
            Is.EqualTo(t.GetProperty("forecast").EnumerateArray().Select(e => e.GetDouble())), "same weights, same history: same forecast");
        Assert.That(l.GetProperty("rmse").GetDouble(), Is.EqualTo(t.GetProperty("rmse").GetDouble()));
        Assert.That(l.GetProperty("one_step_rmse").GetDouble(), Is.EqualTo(t.GetProperty("one_step_rmse").GetDouble()));
        Assert.That(l.GetProperty("target").GetString(), Is.EqualTo("passengers"));
        Assert.That((l.GetProperty("window").GetInt32(), l.GetProperty("log").GetBoolean(), l.GetProperty("difference_lag").GetInt32()), Is.EqualTo((12, true, 12)));
        Assert.That((l.GetProperty("steps").GetInt32(), l.GetProperty("stop_reason").GetString()), Is.EqualTo((0, "Loaded")));
        Assert.That(l.GetProperty("checkpoint").GetString(), Is.EqualTo(checkpoint));
        Assert.That(File.Exists(Path.Combine(again, "b.safetensors")), Is.False, "a loaded forecaster is not written again");
        Assert.That(File.Exists(Path.Combine(again, "b.forecast.svg")) && File.Exists(Path.Combine(again, "b.forecast.csv")));

        // The same model past the end of the file, and the table output; without --out the files go beside the model.
        (code, stdout, stderr) = Run("forecast", "--csv", air, "--model", checkpoint, "--holdout", "0", "--horizon", "6");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("Loaded the forecaster from").And.Contain("Forecast: "));
        Assert.That(File.ReadAllLines(Path.Combine(first, "air.forecast.csv")), Has.Length.EqualTo(1 + 144 + 6));
    }

    [Test]
    public void With_model_training_options_a_wrong_column_and_bad_files_exit_2()
    {
        string air = Path.Combine(Data, "airpassengers.csv");
        string first = Path.Combine(_dir, "train"), never = Path.Combine(_dir, "never");
        var (code, _, err) = Run("forecast", "--csv", air, "--column", "passengers", "--holdout", "12", "--window", "12",
            "--hidden", "4", "--steps", "3", "--out", Path.Combine(first, "air.safetensors"), "--json");
        Assert.That(code, Is.Zero, err);
        string checkpoint = Path.Combine(first, "air.safetensors");
        string neverOut = Path.Combine(never, "x.safetensors");

        foreach (var (extra, expected) in new[]
        {
            (new[] { "--hidden", "16" }, "--hidden is a training option"),
            (new[] { "--log" }, "--log is a training option"),
            (new[] { "--steps", "10" }, "--steps is a training option"),
            (new[] { "--seed", "7" }, "--seed is a training option"),
            (new[] { "--inputs", "month" }, "--inputs is a training option"),
            (new[] { "--column", "month" }, "forecasts 'passengers'"),
            (new[] { "--holdout", "135" }, "needs at least 12"),
        })
        {
            (code, _, err) = Run(["forecast", "--csv", air, "--model", checkpoint, "--out", neverOut, .. extra]);
            Assert.That(code, Is.EqualTo(2), string.Join(" ", extra));
            Assert.That(err, Does.Contain(expected));
        }
        (code, _, err) = Run("forecast", "--csv", air, "--model", "/nonexistent/f.safetensors", "--out", neverOut);
        Assert.That((code, err.Contains("file not found") && err.Contains("/nonexistent/f.safetensors")), Is.EqualTo((2, true)), err);
        Directory.CreateDirectory(_dir);
        string junk = Path.Combine(_dir, "junk.safetensors");
        File.WriteAllText(junk, "not a checkpoint");
        (code, _, err) = Run("forecast", "--csv", air, "--model", junk, "--out", neverOut);
        Assert.That((code, err.Contains("junk.safetensors")), Is.EqualTo((2, true)), err);
        (code, _, err) = Run("forecast", "--csv", air, "--out", neverOut);
        Assert.That((code, err.Contains("--column NAME is required")), Is.EqualTo((2, true)), err);
        Assert.That(Directory.Exists(never), Is.False, "nothing written on an error");
    }

    [Test]
    public void Multivariate_with_extra_inputs_and_a_naive_baseline()
    {
        // A short slice of the four markets keeps this fast; the model reads DAX and the three others.
        string csv = Path.Combine(_dir, "markets.csv");
        Directory.CreateDirectory(_dir);
        File.WriteAllLines(csv, File.ReadLines(Path.Combine(Data, "eu_stock_markets.csv")).Take(121));
        var (code, stdout, stderr) = Run("forecast", "--csv", csv, "--column", "DAX", "--inputs", "SMI,CAC,FTSE", "--holdout", "10",
            "--window", "10", "--log", "--difference", "1", "--hidden", "8", "--steps", "30", "--out", Path.Combine(_dir, "o", "dax.safetensors"), "--json");
        Assert.That(code, Is.Zero, stderr);
        using var result = JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        var r = result.RootElement;
        Assert.That(r.GetProperty("inputs").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "SMI", "CAC", "FTSE" }));
        Assert.That(r.GetProperty("baseline").GetString(), Is.EqualTo("naive (last value)"));
        Assert.That(r.GetProperty("future_inputs").GetString(), Is.EqualTo("last-value"));
    }

    [Test]
    public void Holdout_0_forecasts_the_future_past_the_end_of_the_file()
    {
        string outDir = Path.Combine(_dir, "future");
        var (code, stdout, stderr) = Run("forecast", "--csv", Path.Combine(Data, "airpassengers.csv"), "--column", "passengers",
            "--holdout", "0", "--horizon", "6", "--season", "12", "--window", "12", "--log", "--difference", "12", "--hidden", "4", "--steps", "20",
            "--out", Path.Combine(outDir, "f.safetensors"), "--json");
        Assert.That(code, Is.Zero, stderr);
        using var result = JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        var r = result.RootElement;
        Assert.That(r.GetProperty("forecast").GetArrayLength(), Is.EqualTo(6));
        Assert.That(r.TryGetProperty("rmse", out _), Is.False, "nothing to score against");
        string[] rows = File.ReadAllLines(Path.Combine(outDir, "f.forecast.csv"));
        Assert.That(rows, Has.Length.EqualTo(1 + 150));
        Assert.That(rows[^1], Does.StartWith("1961.41").And.Contain(",,")); // June 1961: a forecast, no actual value
        Assert.That(File.ReadAllText(Path.Combine(outDir, "f.forecast.svg")), Does.Contain("forecast starts"));

        (code, _, stderr) = Run("forecast", "--csv", Path.Combine(Data, "airpassengers.csv"), "--column", "passengers", "--holdout", "0", "--out", Path.Combine(outDir, "f.safetensors"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--horizon"));
    }

    [Test]
    public void Bad_inputs_exit_2_with_one_message_and_write_nothing()
    {
        string air = Path.Combine(Data, "airpassengers.csv");
        string never = Path.Combine(_dir, "never"), outDir = Path.Combine(never, "x.safetensors");
        var (code, _, err) = Run("forecast", "--csv", "/nonexistent/x.csv", "--column", "y", "--out", outDir);
        Assert.That((code, err), Is.EqualTo((2, err)));
        Assert.That(err, Does.Contain("file not found").And.Contain("/nonexistent/x.csv"));

        (code, _, err) = Run("forecast", "--csv", air, "--column", "pasengers", "--out", outDir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("no column 'pasengers'").And.Contain("'month', 'passengers'"));

        (code, _, err) = Run("forecast", "--csv", air, "--column", "passengers", "--inputs", "nope", "--out", outDir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("no column 'nope'"));

        Directory.CreateDirectory(_dir);
        string bad = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(bad, "t,y\n1,10\n2,11\n3,n/a\n4,13\n");
        (code, _, err) = Run("forecast", "--csv", bad, "--column", "y", "--out", outDir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("bad.csv:4:2").And.Contain("'n/a'"));

        (code, _, err) = Run("forecast", "--csv", air, "--column", "passengers", "--holdout", "110", "--window", "36", "--out", outDir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("144 rows are too few"));

        string zero = Path.Combine(_dir, "zero.csv");
        File.WriteAllLines(zero, ["t,y", .. Enumerable.Range(0, 60).Select(i => $"{i},{(i == 5 ? 0 : i + 1)}")]);
        (code, _, err) = Run("forecast", "--csv", zero, "--column", "y", "--log", "--holdout", "5", "--window", "5", "--out", outDir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("positive values").And.Contain("'y'"));

        string empty = Path.Combine(_dir, "empty.csv");
        File.WriteAllText(empty, "");
        (code, _, err) = Run("forecast", "--csv", empty, "--column", "y", "--out", outDir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("empty"));

        (code, _, err) = Run("forecast", "--csv", air, "--column", "passengers", "--cell", "transformer");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--cell").And.Contain("'transformer'"));

        (code, _, err) = Run("forecast", "--csv", air, "--column", "passengers", "--window", "0");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--window").And.Contain("'0'"));

        Assert.That(Directory.Exists(never), Is.False);
    }

    private static JsonElement Result(string stdout) =>
        JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;

    private static string[] Tiny(string air, string checkpoint, int holdout = 12, int window = 12, int evalEvery = 5) =>
        ["--csv", air, "--column", "passengers", "--holdout", $"{holdout}", "--season", "12", "--window", $"{window}", "--log", "--difference", "12",
         "--hidden", "4", "--eval-every", $"{evalEvery}", "--threads", "1", "--out", checkpoint, "--json"];

    [Test]
    [NonParallelizable]
    public void The_emulated_cuda_device_reports_what_the_cpu_reports()
    {
        string? lib = CudaTestDevices.EmulationLibrary(out string reason);
        if (lib is null) Assert.Ignore(reason);
        string air = Path.Combine(Data, "airpassengers.csv");
        // The emulated device is slow: few steps, a short window and a short holdout (every forecast is a pass over a window).
        var (code, stdout, stderr) = Run(["forecast", .. Tiny(air, Path.Combine(_dir, "cpu.safetensors"), holdout: 3, window: 6, evalEvery: 2), "--steps", "2", "--backend", "cpu"]);
        Assert.That(code, Is.Zero, stderr);
        var cpu = Result(stdout);
        Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", lib);
        try { (code, stdout, stderr) = Run(["forecast", .. Tiny(air, Path.Combine(_dir, "cuda.safetensors"), holdout: 3, window: 6, evalEvery: 2), "--steps", "2", "--backend", "cuda"]); }
        finally { Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", null); }
        Assert.That(code, Is.Zero, stderr);
        var cuda = Result(stdout);
        foreach (string key in new[] { "final_train_mse", "best_validation_mse", "rmse", "one_step_rmse" })
        {
            double expected = cpu.GetProperty(key).GetDouble();
            Assert.That(cuda.GetProperty(key).GetDouble(), Is.EqualTo(expected).Within(1e-4 * Math.Abs(expected)), key);
        }
    }

    [Test]
    public void A_run_resumed_at_step_10_ends_with_the_weights_of_a_run_of_20()
    {
        string air = Path.Combine(Data, "airpassengers.csv");
        string whole = Path.Combine(_dir, "whole.safetensors"), parts = Path.Combine(_dir, "parts.safetensors");
        var (code, _, stderr) = Run(["train", "--model", "forecaster", .. Tiny(air, whole), "--steps", "20"]);
        Assert.That(code, Is.Zero, stderr);
        (code, _, stderr) = Run(["train", "--model", "forecaster", .. Tiny(air, parts), "--steps", "10"]);
        Assert.That(code, Is.Zero, stderr);
        // The saved settings carry on; how the run is shown (--json) and executed (--threads) are the caller's again.
        var resumed = Run("train", "--model", "forecaster", "--resume", parts, "--steps", "20", "--json");
        Assert.That(resumed.Code, Is.Zero, resumed.Err);
        Assert.That(Result(resumed.Out).GetProperty("steps").GetInt32(), Is.EqualTo(20));

        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        using var a = Forecaster<float>.Load(whole, cpu);
        using var b = Forecaster<float>.Load(parts, cpu);
        Assert.That(b.Config.ToJson(), Is.EqualTo(a.Config.ToJson()));
        for (int i = 0; i < a.Parameters.Count; i++)
            Assert.That(cpu.ToArray(b.Parameters[i].Value), Is.EqualTo(cpu.ToArray(a.Parameters[i].Value)), a.Parameters[i].Name);
    }

    [Test]
    public void A_checkpoint_of_another_kind_is_refused_naming_both_kinds()
    {
        Directory.CreateDirectory(_dir);
        string corpus = Path.Combine(_dir, "tiny.txt"), lm = Path.Combine(_dir, "lm.safetensors");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat("the cat sat on the mat. ", 20)));
        var (code, _, stderr) = Run("train", "--corpus", corpus, "--hidden", "4", "--embedding", "4", "--batch", "1", "--bptt", "8", "--steps", "1", "--out", lm);
        Assert.That(code, Is.Zero, stderr);
        (code, _, stderr) = Run("forecast", "--csv", Path.Combine(Data, "airpassengers.csv"), "--model", lm, "--holdout", "12");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("lm.safetensors").And.Contain("'language-model'").And.Contain("'forecaster'"));
        (code, _, stderr) = Run("train", "--model", "forecaster", "--csv", Path.Combine(Data, "airpassengers.csv"), "--column", "passengers", "--resume", lm);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("'language-model'").And.Contain("'forecaster'"));
    }

    [Test]
    public void Help_lists_the_options()
    {
        var (code, stdout, _) = Run("forecast", "--help");
        Assert.That(code, Is.Zero);
        Assert.That(stdout, Does.Contain("--holdout").And.Contain("--season").And.Contain("--inputs").And.Contain("--json"));
    }
}
