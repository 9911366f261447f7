using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Text;

namespace SeqCore.Tests.Models;

/// <summary>
/// A checkpoint's config is checked before the model is built: its limits (<see cref="ModelLimits"/>), the memory
/// budget (<see cref="ModelBudget"/>), and the parameters it describes against the file's tensors. A tiny file whose
/// config describes a huge model is refused at once, without allocating it.
/// </summary>
public class ModelBudgetTests
{
    private CpuBackend<float> _cpu = null!;
    private string _dir = null!;
    private string _model = null!;

    [OneTimeSetUp] public void Setup() => _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
    [OneTimeTearDown] public void TearDown() => _cpu.Dispose();

    [SetUp]
    public void MakeModel()
    {
        _dir = Path.Combine(Path.GetTempPath(), "seqcore-budget-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _model = Path.Combine(_dir, "m.safetensors");
        var tokenizer = CharTokenizer.Train("abcab ba");
        using var model = new LanguageModel<float>(_cpu, new LanguageModelConfig { Arch = "lstm", VocabularySize = tokenizer.VocabularySize, EmbeddingSize = 4, HiddenSize = 5 }, new RandomStream(1));
        model.Tokenizer = tokenizer;
        model.Save(_model);
    }

    [TearDown] public void RemoveDir() => Directory.Delete(_dir, true);

    /// <summary>A copy of the small model with <paramref name="key"/> of its config set to <paramref name="value"/> and,
    /// optionally, extra tensors.</summary>
    internal static string Craft(string source, string path, string key, JsonNode value, params (string Name, int[] Shape, double[] Data)[] extra)
    {
        var (tensors, metadata) = SafeTensors.Read(source);
        var config = JsonNode.Parse(metadata[Checkpoint.ConfigKey])!.AsObject();
        config[key] = value;
        var edited = new Dictionary<string, string>(metadata) { [Checkpoint.ConfigKey] = config.ToJsonString() };
        SafeTensors.Write(path, tensors.Values.Select(t => (t.Name, t.Shape, t.Data)).Concat(extra), edited);
        return path;
    }

    /// <summary>Loads <paramref name="path"/> expecting a refusal; asserts it came fast and allocated little.</summary>
    private InvalidDataException Refused(string path, long? maxBytes = null)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidDataException>(() => LanguageModel<float>.Load(path, _cpu, maxBytes))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
            Assert.That(GC.GetTotalMemory(forceFullCollection: false) - before, Is.LessThan(64L << 20));
            Assert.That(e.Message, Does.StartWith(path));
        }
        return e;
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private long SmallModelParameters() => SafeTensors.Read(_model).Tensors.Values.Sum(t => t.Data.LongLength);

    [TestCase("layers", 1_000_000, "1,024")]
    [TestCase("embeddingSize", int.MaxValue, "65,536")]
    [TestCase("hiddenSize", 2_000_000_000, "65,536")]
    [TestCase("vocabularySize", 1 << 25, "16,777,216")]
    public void A_config_key_above_its_limit_is_refused_naming_the_key_and_the_limit(string key, int value, string limit)
    {
        var e = Refused(Craft(_model, Path.Combine(_dir, "bad.safetensors"), key, value));
        Assert.That(e.Message, Does.Contain($"{key} is {value}").And.Contain(limit));
    }

    [Test]
    public void A_config_describing_more_parameters_than_the_file_holds_is_refused_before_building()
    {
        // Within the limits, but 3.6e9 parameters: refused by the budget, or (with an unlimited budget) by the count.
        string path = Craft(_model, Path.Combine(_dir, "wide.safetensors"), "hiddenSize", 30000);
        long described = LanguageModelKind.Instance.ParameterCount(LanguageModelKind.Instance.ReadConfig(SafeTensors.Read(path).Metadata[Checkpoint.ConfigKey], path));
        Assert.That(described, Is.GreaterThan(3_600_000_000L));
        Assert.That(Refused(path).Message, Does.Contain("parameters"));
        Assert.That(Refused(path, long.MaxValue).Message, Does.EndWith($"the config describes {N(described)} parameters but the file holds {N(SmallModelParameters())}."));
    }

    [Test]
    public void A_model_above_the_memory_budget_is_refused_naming_the_bytes()
    {
        long parameters = SmallModelParameters();
        long need = parameters * sizeof(float) * ModelBudget.CopiesPerParameter;
        Assert.That(Refused(_model, need - 1).Message, Does.Contain($"{N(parameters)} parameters").And.Contain($"{N(need)} bytes").And.Contain($"budget of {N(need - 1)} bytes"));
        using var loaded = LanguageModel<float>.Load(_model, _cpu, need);
        Assert.That(loaded.Parameters.Sum(p => (long)p.Value.Length), Is.EqualTo(parameters));
    }

    [Test]
    public void A_training_runs_tensors_are_not_counted_as_parameters()
    {
        var (tensors, metadata) = SafeTensors.Read(_model);
        string path = Path.Combine(_dir, "run.safetensors");
        SafeTensors.Write(path, tensors.Values.Select(t => (t.Name, t.Shape, t.Data)).Append(("run.moment", new[] { 3, 2 }, new double[6])), metadata);
        using var loaded = LanguageModel<float>.Load(path, _cpu);
        Assert.That(loaded.Config.HiddenSize, Is.EqualTo(5));
    }

    [Test]
    public void The_default_budget_is_half_the_memory_the_runtime_may_use()
    {
        Assert.That(ModelBudget.DefaultBytes, Is.EqualTo(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2).And.GreaterThan(0));
    }
}
