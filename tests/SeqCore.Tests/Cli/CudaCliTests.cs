using SeqCore.Cli;
using SeqCore.Cuda;
using SeqCore.Tests.Cuda;

namespace SeqCore.Tests.Cli;

/// <summary><c>--backend cuda</c> on the command line: one clear line and exit code 2 without a GPU; selftest on the emulated device.</summary>
[NonParallelizable]
public class CudaCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [TestCase("selftest", "--backend", "cuda")]
    [TestCase("gradcheck", "--backend", "cuda", "--filter", "linear")]
    [TestCase("bench", "gemm", "--backend", "cuda", "--shapes", "8x8x8")]
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
}
