using System.Text.Json;
using SeqCore.Cli;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Cuda;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary>The word2vec kind on the application layer: <c>train --model word2vec</c> with <c>--resume</c>, the same run
/// on the emulated CUDA device and on the CPU, and a checkpoint of another kind given to the query sub-verbs.</summary>
[NonParallelizable]
public class Word2VecTrainKindTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-w2v-kind-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>20 short sentences of two topics: about five steps of 64 pairs an epoch, so a run crosses epochs.</summary>
    private string Corpus()
    {
        string path = P("corpus.txt");
        var random = new System.Random(7);
        string[][] topics = [["sun", "moon", "star", "sky"], ["bread", "wine", "oil", "meat"]];
        File.WriteAllLines(path, Enumerable.Range(0, 20).Select(i => string.Join(' ', Enumerable.Range(0, 5).Select(_ => topics[i % 2][random.Next(4)]))));
        return path;
    }

    private static readonly string[] Tiny = ["--dim", "8", "--window", "2", "--negatives", "3", "--min-count", "1", "--batch", "64", "--threads", "1", "--json"];

    private static JsonElement Result(string stdout) =>
        JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;

    /// <summary>The model's tensors (not the run's state) of a checkpoint.</summary>
    private static Dictionary<string, double[]> Weights(string path) =>
        SafeTensors.Read(path).Tensors.Where(t => !t.Key.StartsWith("run.", StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value.Data);

    [Test]
    public void AResumedRunEndsWithTheWeightsOfAnUninterruptedOne()
    {
        // A constant rate: word2vec's linear decay is laid out over --steps, so a 5-step run would decay faster than the
        // first 5 steps of a 12-step one. The stop at step 5 falls inside a sentence (its pending pairs are drawn again).
        string corpus = Corpus();
        string[] common = ["train", "--model", "word2vec", "--corpus", corpus, "--schedule", "constant", "--lr", "0.05", .. Tiny];
        var whole = Run([.. common, "--steps", "12", "--out", P("whole.safetensors")]);
        Assert.That(whole.Code, Is.Zero, whole.Err);
        var first = Run([.. common, "--steps", "5", "--out", P("part.safetensors")]);
        Assert.That(first.Code, Is.Zero, first.Err);
        var rest = Run("train", "--model", "word2vec", "--resume", P("part.safetensors"), "--steps", "12", "--json");
        Assert.That(rest.Code, Is.Zero, rest.Err);
        Assert.That(Result(rest.Out).GetProperty("steps").GetInt32(), Is.EqualTo(12));
        Assert.That(Result(whole.Out).GetProperty("epochs").GetDouble(), Is.GreaterThan(1), "the run crosses an epoch");

        var expected = Weights(P("whole.safetensors"));
        var actual = Weights(P("part.safetensors"));
        Assert.That(expected.Keys, Is.EquivalentTo(new[] { "in_embed.weight", "out_embed.weight" }));
        Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys));
        foreach (var (name, values) in expected) Assert.That(actual[name], Is.EqualTo(values), name);
        Assert.That(Result(rest.Out).GetProperty("final_loss").GetDouble(), Is.EqualTo(Result(whole.Out).GetProperty("final_loss").GetDouble()));
        Assert.That(Result(rest.Out).GetProperty("epochs").GetDouble(), Is.EqualTo(Result(whole.Out).GetProperty("epochs").GetDouble()));
    }

    [Test]
    public void TheEmulatedCudaDeviceReportsTheLossesOfTheCpu()
    {
        string? lib = CudaTestDevices.EmulationLibrary(out string reason);
        if (lib is null) Assert.Ignore(reason);
        string corpus = Corpus();
        string[] Args(string backend) => ["word2vec", "train", "--corpus", corpus, "--steps", "3", "--backend", backend, "--out", P($"{backend}.safetensors"), .. Tiny];
        var cpu = Run(Args("cpu"));
        Assert.That(cpu.Code, Is.Zero, cpu.Err);
        Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", lib);
        (int Code, string Out, string Err) cuda;
        try { cuda = Run(Args("cuda")); }
        finally { Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", null); }
        Assert.That(cuda.Code, Is.Zero, cuda.Err);
        foreach (var key in new[] { "first_loss", "final_loss" })
        {
            double expected = Result(cpu.Out).GetProperty(key).GetDouble();
            Assert.That(Result(cuda.Out).GetProperty(key).GetDouble(), Is.EqualTo(expected).Within(1e-4 * Math.Abs(expected)), key);
        }
        Assert.That(cuda.Out, Does.Contain("cuda-emulated"));

        // The query reads the CUDA-trained checkpoint on the emulated device too and ranks as the CPU does.
        Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", lib);
        (int Code, string Out, string Err) onCuda;
        try { onCuda = Run("word2vec", "neighbours", "--model", P("cuda.safetensors"), "--word", "sun", "--backend", "cuda", "--json"); }
        finally { Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", null); }
        var onCpu = Run("word2vec", "neighbours", "--model", P("cpu.safetensors"), "--word", "sun", "--threads", "1", "--json");
        Assert.That(onCuda.Code, Is.Zero, onCuda.Err);
        Assert.That(onCpu.Code, Is.Zero, onCpu.Err);
        double[] Similarities(string stdout) => JsonDocument.Parse(stdout).RootElement.GetProperty("results").EnumerateArray().Select(e => e.GetProperty("similarity").GetDouble()).ToArray();
        Assert.That(Similarities(onCuda.Out), Is.EqualTo(Similarities(onCpu.Out)).Within(1e-4));
    }

    [Test]
    public void ACheckpointOfAnotherKindIsAUsageErrorNamingBothKinds()
    {
        string path = P("lm.safetensors");
        using (var cpu = new CpuBackend<float>())
        using (var lm = new LanguageModel<float>(cpu, new LanguageModelConfig { VocabularySize = 5, EmbeddingSize = 4, HiddenSize = 4 }, new RandomStream(1)))
            ModelCheckpoint.Save(path, lm);
        var (code, _, stderr) = Run("word2vec", "neighbours", "--model", path, "--word", "sun");
        Assert.That(code, Is.EqualTo(2), stderr);
        Assert.That(stderr, Does.Contain("word2vec neighbours").And.Contain("'language-model'").And.Contain("'word2vec'").And.Contain(path));
        (code, _, stderr) = Run("word2vec", "analogy", "--model", path, "a", "b", "c");
        Assert.That(code, Is.EqualTo(2), stderr);
        Assert.That(stderr, Does.Contain("word2vec analogy").And.Contain("'language-model'").And.Contain("'word2vec'"));
    }
}
