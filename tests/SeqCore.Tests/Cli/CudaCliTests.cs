using SeqCore.Cli;
using SeqCore.Cuda;
using SeqCore.Tests.Cuda;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary><c>--backend cuda</c> on the command line: one clear line and exit code 2 without a GPU; selftest on the emulated device.</summary>
[NonParallelizable]
public class CudaCliTests
{
    [TestCase("selftest", "--backend", "cuda")]
    [TestCase("gradcheck", "--backend", "cuda", "--filter", "linear")]
    [TestCase("bench", "gemm", "--backend", "cuda", "--shapes", "8x8x8")]
    [TestCase("train", "--corpus", "README.md", "--backend", "cuda", "--out", "never-written.safetensors")]
    [TestCase("eval", "--model", "m.safetensors", "--corpus", "README.md", "--backend", "cuda")]
    [TestCase("generate", "--model", "m.safetensors", "--prompt", "a", "--backend", "cuda")]
    public void WithoutADeviceCudaGivesOneLineAndExitCode2(params string[] args)
    {
        var info = CudaDeviceInfo.Probe();
        if (info.Available) Assert.Ignore($"a CUDA device is present ({info.Name}); this test is about machines without one");
        var (code, _, stderr) = Run(args);
        Assert.That(code, Is.EqualTo(2), stderr);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), stderr);
        Assert.That(lines[0], Does.Contain("--backend cuda: No CUDA device: "));
    }

    [Test]
    public void SelftestRunsTheParitySuiteOnTheEmulatedDevice()
    {
        string? lib = CudaTestDevices.EmulationLibrary(out string reason);
        if (lib is null) Assert.Ignore(reason);
        Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", lib);
        try
        {
            var (code, stdout, stderr) = Run("selftest", "--backend", "cuda", "--filter", "[7x33]", "--json");
            Assert.That(code, Is.EqualTo(0), stderr + stdout);
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines.Length, Is.GreaterThan(20));
            Assert.That(lines, Has.All.Contain("\"passed\":true"));
            Assert.That(lines.Any(l => l.Contains("parity.float")) && lines.Any(l => l.Contains("parity.double")));
        }
        finally { Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", null); }
    }

    /// <summary>A language model trained, scored and sampled on the emulated CUDA device gives the CPU's numbers (within
    /// the layer parity tolerance; the GPU reductions run in another order).</summary>
    [Test]
    public void LanguageModelTrainEvalGenerateOnTheEmulatedDeviceMatchTheCpu()
    {
        string? lib = CudaTestDevices.EmulationLibrary(out string reason);
        if (lib is null) Assert.Ignore(reason);
        string dir = Path.Combine(Path.GetTempPath(), "seqcore-cudacli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string corpus = Path.Combine(dir, "c.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log.\n", 12)));
        Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", lib);
        try
        {
            double Metric(string json, string key) => System.Text.Json.JsonDocument.Parse(json.Trim().Split('\n')[^1]).RootElement.GetProperty(key).GetDouble();
            var results = new Dictionary<string, (double Train, double Eval, string Text)>();
            foreach (string backend in new[] { "cpu", "cuda" })
            {
                string model = Path.Combine(dir, backend + ".safetensors");
                var (code, stdout, stderr) = Run("train", "--corpus", corpus, "--arch", "gru", "--hidden", "12", "--embedding", "6", "--batch", "2", "--bptt", "8",
                    "--steps", "6", "--eval-every", "3", "--valid-fraction", "0.3", "--threads", "1", "--backend", backend, "--json", "--out", model);
                Assert.That(code, Is.Zero, stderr);
                double train = Metric(stdout, "eval_nll");
                (code, stdout, stderr) = Run("eval", "--model", model, "--corpus", corpus, "--backend", backend, "--threads", "1", "--json");
                Assert.That(code, Is.Zero, stderr);
                double eval = Metric(stdout, "nll");
                (code, stdout, stderr) = Run("generate", "--model", model, "--prompt", "the ", "--tokens", "12", "--temperature", "0", "--backend", backend);
                Assert.That(code, Is.Zero, stderr);
                results[backend] = (train, eval, stdout);
            }
            Assert.That(results["cuda"].Train, Is.EqualTo(results["cpu"].Train).Within(1e-4 * results["cpu"].Train));
            Assert.That(results["cuda"].Eval, Is.EqualTo(results["cpu"].Eval).Within(1e-4 * results["cpu"].Eval));
            Assert.That(results["cuda"].Text, Is.EqualTo(results["cpu"].Text), "greedy decoding picks the same tokens");
        }
        finally
        {
            Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", null);
            Directory.Delete(dir, true);
        }
    }
}
