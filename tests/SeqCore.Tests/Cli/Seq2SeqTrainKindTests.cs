using System.Text.Json;
using SeqCore.Cli;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Cuda;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary>The seq2seq kind on the application layer: <c>train --model seq2seq</c> with <c>--resume</c>, the same run on
/// the emulated CUDA device and on the CPU, and a checkpoint of another kind given to <c>seq2seq translate</c>.</summary>
[NonParallelizable]
public class Seq2SeqTrainKindTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-s2s-kind-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private string Pairs()
    {
        string path = P("pairs.tsv");
        File.WriteAllLines(path, Enumerable.Range(0, 30).Select(i => $"{(char)('a' + i % 7)}{(char)('a' + i % 5)}{(char)('a' + i % 3)}\t{(char)('a' + i % 3)}{(char)('a' + i % 5)}{(char)('a' + i % 7)}"));
        return path;
    }

    private static readonly string[] Tiny = ["--embedding", "8", "--hidden", "8", "--batch", "8", "--threads", "1", "--json"];

    private static JsonElement Result(string stdout) =>
        JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;

    /// <summary>The model's tensors (not the run's state) of a checkpoint.</summary>
    private static Dictionary<string, double[]> Weights(string path) =>
        SafeTensors.Read(path).Tensors.Where(t => !t.Key.StartsWith("run.", StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value.Data);

    [Test]
    public void AResumedRunEndsWithTheWeightsOfAnUninterruptedOne()
    {
        string data = Pairs();
        var whole = Run(["train", "--model", "seq2seq", "--data", data, "--steps", "6", "--eval-every", "3", "--out", P("whole.safetensors"), .. Tiny]);
        Assert.That(whole.Code, Is.Zero, whole.Err);
        var first = Run(["train", "--model", "seq2seq", "--data", data, "--steps", "3", "--eval-every", "3", "--out", P("part.safetensors"), .. Tiny]);
        Assert.That(first.Code, Is.Zero, first.Err);
        var rest = Run("train", "--model", "seq2seq", "--resume", P("part.safetensors"), "--steps", "6", "--json");
        Assert.That(rest.Code, Is.Zero, rest.Err);
        Assert.That(Result(rest.Out).GetProperty("steps").GetInt32(), Is.EqualTo(6));

        var expected = Weights(P("whole.safetensors"));
        var actual = Weights(P("part.safetensors"));
        Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys));
        Assert.That(expected.Keys, Does.Contain("generator.weight"));
        foreach (var (name, values) in expected) Assert.That(actual[name], Is.EqualTo(values), name);
        Assert.That(Result(rest.Out).GetProperty("held_out_loss").GetDouble(), Is.EqualTo(Result(whole.Out).GetProperty("held_out_loss").GetDouble()));
    }

    [Test]
    public void TheEmulatedCudaDeviceReportsTheLossesOfTheCpu()
    {
        string? lib = CudaTestDevices.EmulationLibrary(out string reason);
        if (lib is null) Assert.Ignore(reason);
        // The emulator runs every kernel on the CPU: the smallest run that trains, evaluates and decodes.
        string data = P("ten.tsv");
        File.WriteAllLines(data, ["abc\tcba", "bca\tacb", "cab\tbac", "aab\tbaa", "bba\tabb", "ccb\tbcc", "abb\tbba", "acc\tcca", "bac\tcab", "cba\tabc"]);
        string[] Args(string backend) => ["seq2seq", "train", "--data", data, "--steps", "2", "--eval-every", "2", "--held-out", "0.2", "--max-length", "4",
            "--embedding", "4", "--hidden", "4", "--batch", "4", "--threads", "1", "--json", "--backend", backend, "--out", P($"{backend}.safetensors")];
        var cpu = Run(Args("cpu"));
        Assert.That(cpu.Code, Is.Zero, cpu.Err);
        Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", lib);
        (int Code, string Out, string Err) cuda;
        try { cuda = Run(Args("cuda")); }
        finally { Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", null); }
        Assert.That(cuda.Code, Is.Zero, cuda.Err);
        foreach (var key in new[] { "train_loss", "held_out_loss", "token_accuracy" })
        {
            double expected = Result(cpu.Out).GetProperty(key).GetDouble();
            Assert.That(Result(cuda.Out).GetProperty(key).GetDouble(), Is.EqualTo(expected).Within(1e-4 * Math.Abs(expected)), key);
        }
        Assert.That(cuda.Out, Does.Contain("cuda-emulated"));
    }

    [Test]
    public void ACheckpointOfAnotherKindIsAUsageErrorNamingBothKinds()
    {
        string path = P("lm.safetensors");
        using (var cpu = new CpuBackend<float>())
        using (var lm = new LanguageModel<float>(cpu, new LanguageModelConfig { VocabularySize = 5, EmbeddingSize = 4, HiddenSize = 4 }, new RandomStream(1)))
            ModelCheckpoint.Save(path, lm);
        var (code, _, stderr) = Run("seq2seq", "translate", "--model", path, "abc");
        Assert.That(code, Is.EqualTo(2), stderr);
        Assert.That(stderr, Does.Contain("seq2seq translate").And.Contain("'language-model'").And.Contain("'seq2seq'").And.Contain(path));
    }
}
