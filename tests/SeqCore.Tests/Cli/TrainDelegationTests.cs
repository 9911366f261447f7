using System.Text.Json;
using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore train --model KIND</c> for the kinds with a verb of their own: a config file's keys and the
/// remaining flags become that verb's options, and the result equals running the verb directly.</summary>
public class TrainDelegationTests
{
    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "Data");
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-train-kind-{Guid.NewGuid():N}"));

    [TearDown]
    public void RemoveFolder() { if (Directory.Exists(_dir)) Directory.Delete(_dir, true); }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static JsonElement LastJson(string stdout) =>
        JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;

    [Test]
    public void A_forecaster_config_gives_the_same_forecast_as_the_forecast_verb()
    {
        string csv = Path.Combine(Data, "airpassengers.csv");
        string config = Path.Combine(_dir, "air.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model"] = "forecaster", ["csv"] = csv, ["column"] = "passengers", ["holdout"] = 12, ["season"] = 12, ["window"] = 12,
            ["log"] = true, ["difference"] = 12, ["hidden"] = 8, ["out"] = Path.Combine(_dir, "a"),
        }));
        // --steps and --json come from the command line; the rest from the file.
        var (code, stdout, stderr) = Run("train", "--config", config, "--steps", "30", "--json");
        Assert.That(code, Is.Zero, stderr);
        var (code2, stdout2, stderr2) = Run("forecast", "--csv", csv, "--column", "passengers", "--holdout", "12", "--season", "12",
            "--window", "12", "--log", "--difference", "12", "--hidden", "8", "--steps", "30", "--out", Path.Combine(_dir, "b"), "--json");
        Assert.That(code2, Is.Zero, stderr2);
        var viaTrain = LastJson(stdout);
        var direct = LastJson(stdout2);
        Assert.That(viaTrain.GetProperty("steps").GetInt32(), Is.EqualTo(30));
        Assert.That(viaTrain.GetProperty("rmse").GetDouble(), Is.EqualTo(direct.GetProperty("rmse").GetDouble()));
        Assert.That(File.ReadAllBytes(Path.Combine(_dir, "a", "forecast.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(_dir, "b", "forecast.safetensors"))));
    }

    [Test]
    public void A_classifier_from_flags_trains()
    {
        string tsv = Path.Combine(_dir, "words.tsv");
        var lines = Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? $"{new string('a', 1 + i % 5)}b\tab" : $"{new string('x', 1 + i % 5)}y\txy");
        File.WriteAllLines(tsv, lines);
        var (code, stdout, stderr) = Run("train", "--model", "classifier", "--tsv", tsv, "--epochs", "2", "--hidden", "8", "--out", Path.Combine(_dir, "c.safetensors"), "--json");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(LastJson(stdout).TryGetProperty("accuracy", out _), Is.True, stdout);
        Assert.That(File.Exists(Path.Combine(_dir, "c.safetensors")) && File.Exists(Path.Combine(_dir, "c.confusion.svg")));
    }

    [Test]
    public void Options_the_verb_does_not_know_are_a_usage_error_naming_the_verb()
    {
        var (code, _, stderr) = Run("train", "--model", "word2vec", "--corpus", "x.txt", "--bogus", "1");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(stderr, Does.Contain("word2vec train").And.Contain("--bogus"));
    }

    [Test]
    public void Unknown_flags_for_a_language_model_and_unknown_kinds_are_usage_errors()
    {
        var (code, _, stderr) = Run("train", "--corpus", "x.txt", "--bogus", "1");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(stderr, Does.Contain("--bogus"));
        (code, _, stderr) = Run("train", "--model", "banana");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(stderr, Does.Contain("banana").And.Contain("forecaster").And.Contain("seq2seq"));
    }
}
