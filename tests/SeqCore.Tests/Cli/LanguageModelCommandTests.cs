using SeqCore.Plots;
using System.Text.Json;
using SeqCore.Cli;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore train</c>, <c>eval</c> and <c>generate</c> in-process on a tiny corpus (each run well under a second).</summary>
public class LanguageModelCommandTests
{
    private string _dir = null!;
    private string _corpus = null!;

    [SetUp]
    public void MakeFiles()
    {
        _dir = Path.Combine(Path.GetTempPath(), "seqcore-lmcli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(_corpus, string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log.\n", 40)));
    }

    [TearDown] public void RemoveFiles() => Directory.Delete(_dir, true);

    /// <summary>A tiny, fast training run; options in <paramref name="more"/> replace the defaults of the same name.</summary>
    private string[] Tiny(string model, params string[] more)
    {
        string[] defaults = ["--corpus", _corpus, "--steps", "40", "--hidden", "32", "--embedding", "8", "--batch", "4", "--bptt", "16",
            "--lr", "0.01", "--eval-every", "20", "--threads", "1", "--out", model];
        var args = new List<string> { "train" };
        for (int i = 0; i < defaults.Length; i += 2)
            if (!more.Contains(defaults[i])) args.AddRange([defaults[i], defaults[i + 1]]);
        return [.. args, .. more];
    }

    private static JsonElement LastJson(string stdout) => JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;

    [Test]
    public void TrainWritesACheckpointAndALossCurveThatEvalAndGenerateUse()
    {
        string model = Path.Combine(_dir, "out", "lm.safetensors");
        var (code, stdout, stderr) = Run(Tiny(model, "--json"));
        Assert.That(code, Is.Zero, stderr);
        var lines = stdout.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var progress = lines.Where(l => l.GetProperty("event").GetString() == "progress").ToList();
        var result = lines[^1];
        Assert.That(result.GetProperty("event").GetString(), Is.EqualTo("result"));
        Assert.That(result.GetProperty("steps").GetInt32(), Is.EqualTo(40));
        double start = progress[0].GetProperty("loss").GetDouble();
        Assert.That(start, Is.EqualTo(Math.Log(15)).Within(0.3), "15 distinct characters: starts near ln 15");
        Assert.That(result.GetProperty("eval_nll").GetDouble(), Is.LessThan(0.7 * start));
        Assert.That(result.GetProperty("bits_per_char").GetDouble(), Is.EqualTo(result.GetProperty("eval_nll").GetDouble() / Math.Log(2)).Within(1e-9));
        Assert.That(File.Exists(model));
        string svg = Path.Combine(_dir, "out", "lm.loss.svg");
        Assert.That(File.ReadAllText(svg), Does.StartWith("<svg").Or.StartWith("<?xml").And.Contain("held-out"));
        Assert.That(result.GetProperty("loss_curve").GetString(), Is.EqualTo(svg));

        (code, stdout, stderr) = Run("eval", "--model", model, "--corpus", _corpus, "--json", "--threads", "1");
        Assert.That(code, Is.Zero, stderr);
        var eval = LastJson(stdout);
        Assert.That(eval.GetProperty("nll").GetDouble(), Is.LessThan(0.7 * start));
        Assert.That(eval.GetProperty("perplexity").GetDouble(), Is.EqualTo(Math.Exp(eval.GetProperty("nll").GetDouble())).Within(1e-9));
        Assert.That(eval.GetProperty("tokens").GetInt64(), Is.EqualTo((40 * 48 - 1) / 16 * 16));

        string[] gen = ["generate", "--model", model, "--prompt", "the ", "--tokens", "30", "--seed", "7", "--top-k", "5"];
        var (c1, text1, e1) = Run(gen);
        var (c2, text2, _) = Run(gen);
        var (c3, text3, _) = Run([.. gen[..^4], "--seed", "8", "--top-k", "5"]);
        Assert.That(c1, Is.Zero, e1);
        Assert.That(text1, Does.StartWith("the "));
        Assert.That(text1.TrimEnd('\n').Length, Is.EqualTo(4 + 30));
        Assert.That(text2, Is.EqualTo(text1), "same seed, same text");
        Assert.That(c3, Is.Zero);
        Assert.That(text3, Is.Not.EqualTo(text1), "another seed, other text");
        var (cg, greedy, _) = Run("generate", "--model", model, "--prompt", "the ", "--tokens", "10", "--temperature", "0", "--json");
        Assert.That(cg, Is.Zero);
        Assert.That(LastJson(greedy).GetProperty("text").GetString(), Has.Length.EqualTo(10));
    }

    [Test]
    public void ConfigFileSettingsApplyAndFlagsWin()
    {
        string config = Path.Combine(_dir, "gru.json");
        File.WriteAllText(config, $$"""{ "model": "language-model", "arch": "gru", "corpus": {{JsonSerializer.Serialize(_corpus)}}, "steps": 5, "hidden": 16, "embedding": 16, "tie": true, "batch": 4, "bptt": 8, "threads": 1 }""");
        string model = Path.Combine(_dir, "gru.safetensors");
        var (code, stdout, stderr) = Run("train", "--config", config, "--steps", "7", "--out", model, "--json");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(LastJson(stdout).GetProperty("steps").GetInt32(), Is.EqualTo(7));
        var start = JsonDocument.Parse(stdout.Split('\n')[0]).RootElement;
        Assert.That(start.GetProperty("arch").GetString(), Is.EqualTo("gru"));
        Assert.That(SeqCore.IO.Checkpoint.ReadMetadata(model)[SeqCore.IO.Checkpoint.ConfigKey], Does.Contain("\"tieWeights\":true"));
    }

    [Test]
    public void TransformerTrainsFromFlags()
    {
        string model = Path.Combine(_dir, "tf.safetensors");
        var (code, stdout, stderr) = Run("train", "--corpus", _corpus, "--arch", "transformer", "--embedding", "16", "--heads", "2", "--layers", "1",
            "--context", "16", "--steps", "30", "--batch", "4", "--lr", "0.01", "--eval-every", "0", "--threads", "1", "--out", model, "--json");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(LastJson(stdout).GetProperty("eval_nll").GetDouble(), Is.LessThan(0.7 * Math.Log(15)));
        var (c, text, e) = Run("generate", "--model", model, "--prompt", "the", "--tokens", "40", "--seed", "1");
        Assert.That(c, Is.Zero, e);
        Assert.That(text.TrimEnd('\n'), Has.Length.EqualTo(43));
    }

    [Test]
    public void BadInputsGiveOneMessageExitTwoAndNoOutput()
    {
        string model = Path.Combine(_dir, "bad", "m.safetensors");
        void Expect(string[] args, params string[] fragments)
        {
            var (code, _, err) = Run(args);
            Assert.That(code, Is.EqualTo(2), $"{string.Join(' ', args)}: {err}");
            foreach (var f in fragments) Assert.That(err, Does.Contain(f), string.Join(' ', args));
            Assert.That(File.Exists(model), Is.False, "no partial checkpoint");
        }
        Expect(Tiny(model, "--arch", "mamba"), "--arch", "'mamba'");
        Expect(["train", "--corpus", Path.Combine(_dir, "missing.txt"), "--out", model], "file not found", "missing.txt");
        string empty = Path.Combine(_dir, "empty.txt");
        File.WriteAllText(empty, "  \n");
        Expect(["train", "--corpus", empty, "--out", model], "empty.txt", "empty");
        Expect(["train", "--out", model], "--corpus is required");
        Expect(Tiny(model, "--model", "submarine"), "unknown model kind 'submarine'", "language-model");
        string config = Path.Combine(_dir, "c.json");
        File.WriteAllText(config, """{ "model": "submarine" }""");
        Expect(["train", "--config", config, "--out", model], "c.json", "\"model\"", "unknown model kind 'submarine'");
        File.WriteAllText(config, """{ "arch": "lstm", "hiden": 3 }""");
        Expect(["train", "--config", config, "--corpus", _corpus, "--out", model], "c.json", "\"hiden\"");
        File.WriteAllText(config, """{ "arch": "lstm", "hidden": "big" }""");
        Expect(["train", "--config", config, "--corpus", _corpus, "--out", model], "c.json", "\"hidden\"", "'big'");
        Expect(Tiny(model, "--steps", "0"), "--steps", "'0'");
        Expect(Tiny(model, "--tie"), "tied");
        Expect(["train", "--corpus", _corpus, "--batch", "64", "--bptt", "64", "--out", model], "training tokens");

        string corrupt = Path.Combine(_dir, "corrupt.safetensors");
        File.WriteAllBytes(corrupt, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Expect(["eval", "--model", corrupt, "--corpus", _corpus], "corrupt.safetensors");
        Expect(["generate", "--model", corrupt, "--prompt", "the"], "corrupt.safetensors");
        Expect(["generate", "--model", Path.Combine(_dir, "none.safetensors"), "--prompt", "the"], "file not found", "none.safetensors");

        string good = Path.Combine(_dir, "good.safetensors");
        Assert.That(Run(Tiny(good, "--steps", "2")).Code, Is.Zero);
        Expect(["generate", "--model", good, "--prompt", "the Zebra"], "--prompt", "'Z'", "U+005A");
        Expect(["generate", "--model", good, "--prompt", "the", "--top-p", "0"], "--top-p");
        Expect(["generate", "--model", good, "--prompt", "the", "--temperature", "-1"], "--temperature");
        Expect(["eval", "--model", good, "--corpus", empty], "empty");
        string other = Path.Combine(_dir, "other.txt");
        File.WriteAllText(other, "Quick!");
        Expect(["eval", "--model", good, "--corpus", other], "'Q'");
    }

    [Test]
    public void ANonFiniteLossStopsWithTheTrainersMessageAndExitOne()
    {
        string model = Path.Combine(_dir, "nan", "m.safetensors");
        // Plain SGD with an absurd learning rate overflows float within a few steps.
        var (code, _, err) = Run(Tiny(model, "--optimizer", "sgd", "--lr", "1e38", "--clip", "0", "--eval-every", "1", "--steps", "50"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("Training stopped at step"));
        Assert.That(err, Does.Contain("last good checkpoint"));
        Assert.That(File.Exists(model), "the checkpoint of the best evaluation before the failure is kept");
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(model)!).Where(f => Path.GetFileName(f).StartsWith('.')), Is.Empty, "no temporary files");
    }

    [Test]
    public void WordModelsStreamTheirWordsWithSpacesLikeTheDecodedText()
    {
        string model = Path.Combine(_dir, "word.safetensors");
        Assert.That(Run(Tiny(model, "--tokenizer", "word", "--steps", "20", "--bptt", "8")).Code, Is.Zero);
        var (code, streamed, err) = Run("generate", "--model", model, "--prompt", "the cat", "--tokens", "12", "--seed", "3");
        Assert.That(code, Is.Zero, err);
        var (_, json, _) = Run("generate", "--model", model, "--prompt", "the cat", "--tokens", "12", "--seed", "3", "--json");
        Assert.That(streamed.TrimEnd('\n'), Is.EqualTo("the cat " + LastJson(json).GetProperty("text").GetString()));
    }

    [Test]
    public void VerbsHaveHelp()
    {
        foreach (var verb in new[] { "train", "eval", "generate" })
        {
            var (code, stdout, _) = Run(verb, "--help");
            Assert.That(code, Is.Zero);
            Assert.That(stdout, Does.Contain("--json"), verb);
        }
    }
}
