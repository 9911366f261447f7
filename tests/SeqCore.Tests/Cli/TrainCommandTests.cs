using SeqCore.Cli;
using SeqCore.IO;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore train</c>'s shared behaviour: model kinds, config files with the option names, resuming.</summary>
public class TrainCommandTests
{
    private string _dir = null!;
    private string _corpus = null!;

    [SetUp]
    public void MakeFiles()
    {
        _dir = Path.Combine(Path.GetTempPath(), "seqcore-train-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(_corpus, string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log.\n", 40)));
    }

    [TearDown] public void RemoveFiles() => Directory.Delete(_dir, true);

    private string[] Tiny(string output, int steps, params string[] more) =>
        ["train", "--corpus", _corpus, "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--hidden", "16", "--embedding", "8",
         "--batch", "4", "--bptt", "8", "--lr", "0.01", "--eval-every", "5", "--dropout", "0.1", "--threads", "1", "--out", output, .. more];

    [Test]
    public void A_resumed_run_ends_with_the_same_checkpoint_as_one_that_never_stopped()
    {
        string whole = Path.Combine(_dir, "whole.safetensors"), part = Path.Combine(_dir, "part.safetensors"), resumed = Path.Combine(_dir, "resumed.safetensors");
        Assert.That(Run(Tiny(whole, 20)).Code, Is.Zero);
        Assert.That(Run(Tiny(part, 10)).Code, Is.Zero);
        // The saved settings (corpus, sizes, seed, …) come from the checkpoint; only the new step limit is given.
        var (code, _, err) = Run("train", "--resume", part, "--steps", "20", "--out", resumed);
        Assert.That(code, Is.Zero, err);
        var a = SafeTensors.Read(whole).Tensors;
        var b = SafeTensors.Read(resumed).Tensors;
        Assert.That(b.Keys.Order(), Is.EqualTo(a.Keys.Order()));
        foreach (var (name, t) in a)
            if (name != "run.history") Assert.That(b[name].Data, Is.EqualTo(t.Data), name);
    }

    [Test]
    public void The_same_seed_settings_and_backend_give_a_bit_identical_checkpoint_whatever_the_threads()
    {
        string a = Path.Combine(_dir, "a.safetensors"), b = Path.Combine(_dir, "b.safetensors"), c = Path.Combine(_dir, "c.safetensors");
        Assert.That(Run(Tiny(a, 12)).Code, Is.Zero);
        Assert.That(Run(Tiny(b, 12)).Code, Is.Zero);
        Assert.That(File.ReadAllBytes(b), Is.EqualTo(File.ReadAllBytes(a)));
        string d = Path.Combine(_dir, "d.safetensors");
        var twoThreads = Tiny(d, 12);
        twoThreads[Array.IndexOf(twoThreads, "--threads") + 1] = "2";
        Assert.That(Run(twoThreads).Code, Is.Zero);
        Assert.That(File.ReadAllBytes(d), Is.EqualTo(File.ReadAllBytes(a)), "one thread or two: the same bytes");
        Assert.That(Run(Tiny(c, 12, "--seed", "2")).Code, Is.Zero);
        Assert.That(SafeTensors.Read(c).Tensors["embedding.weight"].Data, Is.Not.EqualTo(SafeTensors.Read(a).Tensors["embedding.weight"].Data), "another seed, other weights");
    }

    [Test]
    public void Resume_refuses_a_finished_run_and_a_file_without_training_state()
    {
        string part = Path.Combine(_dir, "part.safetensors");
        Assert.That(Run(Tiny(part, 5)).Code, Is.Zero);
        var (code, _, err) = Run("train", "--resume", part);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("step 5").And.Contain("--steps"));
        string plain = Path.Combine(_dir, "plain.safetensors");
        SafeTensors.Write(plain, [("x", [1], [1.0])], new Dictionary<string, string>(), float64: false);
        (code, _, err) = Run("train", "--resume", plain, "--steps", "9");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("no training state"));
    }

    [Test]
    public void A_config_file_uses_the_option_names_and_the_command_line_wins()
    {
        string config = Path.Combine(_dir, "run.json"), output = Path.Combine(_dir, "c.safetensors");
        File.WriteAllText(config, $$"""{"model": "language-model", "corpus": {{System.Text.Json.JsonSerializer.Serialize(_corpus)}}, "arch": "gru", "hidden": 16, "embedding": 8, "batch": 4, "bptt": 8, "steps": 50, "threads": 1, "seed": "18446744073709551615"}""");
        // A flag given twice: the last value wins (./build.sh demo --time 30s overrides the demo's own --time).
        var (code, stdout, err) = Run("train", "--config", config, "--steps", "7", "--steps", "3", "--out", output);
        Assert.That(code, Is.Zero, err);
        Assert.That(stdout, Does.Contain("gru language model").And.Contain("after 3 steps"));
        File.WriteAllText(config, """{"corpus": "x.txt", "hiden": 16}""");
        (code, _, err) = Run("train", "--config", config);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("\"hiden\"").And.Contain(config));
    }

    [Test]
    public void Eval_and_generate_refuse_a_checkpoint_of_another_kind_naming_both()
    {
        string other = Path.Combine(_dir, "forecaster.safetensors");
        SafeTensors.Write(other, [("x", [1], [1.0])], new Dictionary<string, string> { [Checkpoint.ConfigKey] = """{"model":"forecaster"}""" }, float64: false);
        foreach (var args in new[] { new[] { "eval", "--model", other, "--corpus", _corpus }, ["generate", "--model", other, "--prompt", "the"] })
        {
            var (code, _, err) = Run(args);
            Assert.That(code, Is.EqualTo(ExitCodes.Usage), string.Join(' ', args));
            Assert.That(err, Does.Contain("'forecaster'").And.Contain("'language-model'"));
        }
        var (c, _, e) = Run("train", "--model", "forecaster", "--corpus", _corpus);
        Assert.That(c, Is.EqualTo(ExitCodes.Usage));
        Assert.That(e, Does.Contain("--corpus is not an option of a forecaster").And.Contain("language-model"));
    }

    [Test]
    public void Unknown_flags_kinds_and_values_are_usage_errors_naming_them()
    {
        var (code, _, err) = Run("train", "--corpus", _corpus, "--bogus", "1");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("--bogus"));
        (code, _, err) = Run("train", "--model", "banana");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("banana").And.Contain("language-model"));
        (code, _, err) = Run("train", "--corpus", _corpus, "--arch", "tree");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("--arch").And.Contain("tree").And.Contain("lstm"));
        (code, _, err) = Run("train", "--corpus", _corpus, "--time", "soon");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("--time").And.Contain("soon"));
        (code, _, err) = Run("train", "--corpus", _corpus, "--out", _corpus);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("would overwrite the input"));
        Assert.That(File.ReadAllText(_corpus), Does.StartWith("the cat"), "the input is untouched");
    }
}
