using System.Diagnostics;
using SeqCore.Cli;
using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Models;
using SeqCore.Text;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary>
/// Models too large for their limits or the memory budget (<c>--max-memory</c>), from a checkpoint's config or from the
/// flags of a training verb, are refused with exit code 2 before anything is allocated.
/// </summary>
public class BudgetCommandTests
{
    private string _dir = null!;
    private string _corpus = null!;
    private string _model = null!;

    [SetUp]
    public void MakeFiles()
    {
        _dir = Path.Combine(Path.GetTempPath(), "seqcore-budget-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(_corpus, string.Concat(Enumerable.Repeat("the cat sat on the mat.\n", 20)));
        _model = Path.Combine(_dir, "m.safetensors");
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var tokenizer = CharTokenizer.Train(File.ReadAllText(_corpus));
        using var model = new LanguageModel<float>(cpu, new LanguageModelConfig { VocabularySize = tokenizer.VocabularySize, EmbeddingSize = 4, HiddenSize = 5 }, new RandomStream(1));
        model.Tokenizer = tokenizer;
        model.Save(_model);
    }

    [TearDown] public void RemoveFiles() => Directory.Delete(_dir, true);

    /// <summary>Runs a command expected to be refused: exit 2, one line on stderr, fast, little memory.</summary>
    internal static string Refused(params string[] args)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var (code, _, err) = Run(args);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(2), err);
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
            Assert.That(GC.GetTotalMemory(forceFullCollection: false) - before, Is.LessThan(64L << 20));
            Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1), err);
        }
        return err;
    }

    [TestCase("eval", "--corpus")]
    [TestCase("generate", "--prompt")]
    public void A_checkpoint_whose_config_says_a_million_layers_is_refused(string verb, string input)
    {
        string crafted = ModelBudgetTests.Craft(_model, Path.Combine(_dir, "deep.safetensors"), "layers", 1_000_000);
        string err = Refused(verb, "--model", crafted, input, input == "--corpus" ? _corpus : "the");
        Assert.That(err, Does.Contain("layers is 1000000, above the limit of 1,024"));
    }

    [Test]
    public void A_checkpoint_whose_config_describes_billions_of_parameters_is_refused()
    {
        string crafted = ModelBudgetTests.Craft(_model, Path.Combine(_dir, "wide.safetensors"), "hiddenSize", 30000);
        Assert.That(Refused("eval", "--model", crafted, "--corpus", _corpus), Does.Contain("parameters"));
        Assert.That(Refused("eval", "--model", crafted, "--corpus", _corpus, "--max-memory", "8T"), Does.Contain("parameters but the file holds"));
    }

    [Test]
    public void Max_memory_sets_the_budget_of_a_loaded_model()
    {
        Assert.That(Refused("eval", "--model", _model, "--corpus", _corpus, "--max-memory", "1K"), Does.Contain("above the memory budget of 1,024 bytes"));
        var (code, _, err) = Run("eval", "--model", _model, "--corpus", _corpus, "--max-memory", "1G", "--threads", "1");
        Assert.That(code, Is.Zero, err);
    }

    [TestCase("0")]
    [TestCase("-5")]
    [TestCase("1.5G")]
    [TestCase("12X")]
    [TestCase("9000000000T")]
    public void A_bad_size_is_a_usage_error_naming_the_option(string size)
    {
        Assert.That(Refused("eval", "--model", _model, "--corpus", _corpus, "--max-memory", size), Does.Contain("--max-memory"));
    }

    [Test]
    public void Train_with_a_hidden_width_of_two_billion_is_refused_naming_the_flag()
    {
        Assert.That(Refused("train", "--corpus", _corpus, "--hidden", "2000000000", "--out", Path.Combine(_dir, "o.safetensors")), Does.Contain("--hidden"));
    }

    [TestCase("language-model", "1G", "1,073,741,824", "--hidden", "65536", "--layers", "1024")]
    [TestCase("word2vec", "1M", "1,048,576", "--dim", "65536", "--min-count", "1")]
    public void Train_refuses_a_model_from_flags_above_the_budget_before_building_it(string kind, string budget, string bytes, params string[] flags)
    {
        string err = Refused(["train", "--model", kind, "--corpus", _corpus, "--max-memory", budget, "--steps", "1", "--out", Path.Combine(_dir, "o.safetensors"), .. flags]);
        Assert.That(err, Does.Contain("--max-memory").And.Contain("parameters").And.Contain($"budget of {bytes} bytes"));
        Assert.That(File.Exists(Path.Combine(_dir, "o.safetensors")), Is.False);
    }

    [Test]
    public void Train_refuses_a_run_whose_activations_exceed_the_budget_naming_the_largest_term()
    {
        // A small model (well under 1 GB with its optimizer) whose batch × window of activations is not.
        string err = Refused(["train", "--corpus", _corpus, "--hidden", "64", "--embedding", "16", "--batch", "4096", "--bptt", "2048", "--max-memory", "1G",
            "--steps", "1", "--out", Path.Combine(_dir, "o.safetensors")]);
        Assert.That(err, Does.Contain("--max-memory").And.Contain("budget of 1,073,741,824 bytes")
            .And.Contain("largest term: recurrent layers: batch 4096 × steps 2048"));
        Assert.That(File.Exists(Path.Combine(_dir, "o.safetensors")), Is.False);
    }
}
