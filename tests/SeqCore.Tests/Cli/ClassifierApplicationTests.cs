using System.Text.Json;
using SeqCore.Cli;
using SeqCore.IO;
using SeqCore.Tests.Cuda;

namespace SeqCore.Tests.Cli;

/// <summary>The classifier on the application layer: <c>classify</c> on the emulated CUDA device against the CPU,
/// <c>train --model classifier --resume</c> against an uninterrupted run, and a checkpoint of another kind given to
/// <c>classify --model</c>.</summary>
[NonParallelizable]
public class ClassifierApplicationTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-clsapp-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(""), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Tsv()
    {
        string path = Path.Combine(_dir, "words.tsv");
        File.WriteAllLines(path, Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? $"{new string('a', 1 + i % 5)}b{(char)('a' + i % 3)}\tab" : $"{new string('x', 1 + i % 5)}y{(char)('x' + i % 3)}\txy"));
        return path;
    }

    private static readonly string[] Small = ["--embedding", "4", "--hidden", "8", "--batch", "8", "--threads", "1", "--seed", "3"];

    private static JsonElement Result(string stdout) => JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;

    [TestCase("")]
    [TestCase("--go-backwards --hidden-layers 6 --head binary")] // the lecture's Keras pipeline
    public void Classify_on_the_emulated_cuda_device_reports_the_cpu_losses(string pipeline)
    {
        string? lib = CudaTestDevices.EmulationLibrary(out string reason);
        if (lib is null) Assert.Ignore(reason);
        string tsv = Tsv();
        string[] args = ["classify", "--tsv", tsv, "--steps", "4", "--eval-every", "2", "--json", .. Small, .. pipeline.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        var (code, cpuOut, err) = Run([.. args, "--backend", "cpu", "--out", Path.Combine(_dir, "cpu.safetensors")]);
        Assert.That(code, Is.Zero, err);
        Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", lib);
        string cudaOut;
        try { (code, cudaOut, err) = Run([.. args, "--backend", "cuda", "--out", Path.Combine(_dir, "cuda.safetensors")]); }
        finally { Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", null); }
        Assert.That(code, Is.Zero, err);
        var cpu = Result(cpuOut);
        var cuda = Result(cudaOut);
        double cpuLoss = cpu.GetProperty("best_eval_loss").GetDouble();
        Assert.That(cuda.GetProperty("best_eval_loss").GetDouble(), Is.EqualTo(cpuLoss).Within(1e-4 * Math.Abs(cpuLoss)));
        Assert.That(cuda.GetProperty("steps").GetInt32(), Is.EqualTo(4));
    }

    [Test]
    public void A_resumed_run_ends_with_the_weights_of_an_uninterrupted_one()
    {
        string tsv = Tsv();
        string full = Path.Combine(_dir, "full.safetensors"), part = Path.Combine(_dir, "part.safetensors"), resumed = Path.Combine(_dir, "resumed.safetensors");
        // 34 training texts in batches of 8: 5 batches per epoch, so the resumed run crosses an epoch (a new shuffle).
        // A constant rate: a schedule is laid out over --steps, which the two runs set differently.
        string[] common = ["train", "--model", "classifier", "--tsv", tsv, "--dropout", "0.3", "--keep-last", "--schedule", "constant", .. Small];
        var (code, _, err) = Run([.. common, "--steps", "8", "--out", full]);
        Assert.That(code, Is.Zero, err);
        (code, _, err) = Run([.. common, "--steps", "3", "--out", part]);
        Assert.That(code, Is.Zero, err);
        (code, _, err) = Run("train", "--model", "classifier", "--resume", part, "--steps", "8", "--out", resumed);
        Assert.That(code, Is.Zero, err);
        var a = SafeTensors.Read(full).Tensors;
        var b = SafeTensors.Read(resumed).Tensors;
        var weights = a.Keys.Where(k => !k.StartsWith(Checkpoint.RunTensorPrefix, StringComparison.Ordinal)).Order().ToArray();
        Assert.That(weights, Does.Contain("embedding.weight").And.Contain("head.bias"));
        Assert.That(b.Keys.Where(k => !k.StartsWith(Checkpoint.RunTensorPrefix, StringComparison.Ordinal)).Order(), Is.EqualTo(weights));
        foreach (string name in weights) Assert.That(b[name].Data, Is.EqualTo(a[name].Data), name);
    }

    [Test]
    public void A_checkpoint_of_another_kind_is_a_usage_error_naming_both_kinds()
    {
        string corpus = Path.Combine(_dir, "corpus.txt"), lm = Path.Combine(_dir, "lm.safetensors");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat("the cat sat on the mat.\n", 20)));
        var (code, _, err) = Run("train", "--corpus", corpus, "--steps", "1", "--hidden", "4", "--embedding", "4", "--batch", "2", "--bptt", "4", "--threads", "1", "--out", lm);
        Assert.That(code, Is.Zero, err);
        (code, _, err) = Run("classify", "--model", lm, "--predict", "abc");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain(lm).And.Contain("'language-model'").And.Contain("'classifier'"));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
    }
}
