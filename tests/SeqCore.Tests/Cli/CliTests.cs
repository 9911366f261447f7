using System.Text.Json;
using SeqCore.Cli;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary>The <c>seqcore</c> command run in-process through <see cref="CliApp.Run"/>.</summary>
public class CliTests
{
    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Test]
    public void InfoJsonIsOneObjectWithTheMachineAndBackends()
    {
        var (code, stdout, stderr) = Run("info", "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(Lines(stdout), Has.Length.EqualTo(1), "info --json prints exactly one line");
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(root.GetProperty("version").GetString(), Is.Not.Empty);
            Assert.That(root.GetProperty("runtime").GetString(), Does.Contain(".NET"));
            Assert.That(root.GetProperty("os").GetString(), Is.Not.Empty);
            Assert.That(root.GetProperty("cpu_model").GetString(), Is.Not.Empty);
            Assert.That(root.GetProperty("logical_cores").GetInt32(), Is.EqualTo(Environment.ProcessorCount));
            Assert.That(root.GetProperty("simd_width_bits").GetInt32(), Is.AnyOf(0, 128, 256));
            Assert.That(root.GetProperty("fma").ValueKind, Is.AnyOf(JsonValueKind.True, JsonValueKind.False));
            Assert.That(root.GetProperty("avx2").ValueKind, Is.AnyOf(JsonValueKind.True, JsonValueKind.False));
            Assert.That(root.GetProperty("avx512f").ValueKind, Is.AnyOf(JsonValueKind.True, JsonValueKind.False));
            var peak = root.GetProperty("fma_peak");
            Assert.That(peak.GetProperty("float_gflops_per_core").GetDouble(), Is.GreaterThan(0));
            Assert.That(peak.GetProperty("double_gflops_per_core").GetDouble(), Is.GreaterThan(0));
            Assert.That(peak.GetProperty("method").GetString(), Is.Not.Empty);
        }
        var backends = root.GetProperty("backends").EnumerateArray().ToDictionary(b => b.GetProperty("name").GetString()!);
        Assert.That(backends.Keys, Is.EquivalentTo(new[] { "cpu", "cuda" }));
        Assert.That(backends["cpu"].GetProperty("available").GetBoolean(), Is.True);
        // The CUDA entry agrees with the driver probe: the device (name, memory, compute capability, driver) or why there is none.
        var gpu = SeqCore.Cuda.CudaDeviceInfo.Probe();
        var cuda = root.GetProperty("cuda");
        Assert.That(backends["cuda"].GetProperty("available").GetBoolean(), Is.EqualTo(gpu.Available));
        Assert.That(cuda.GetProperty("available").GetBoolean(), Is.EqualTo(gpu.Available));
        if (gpu.Available)
        {
            Assert.That(cuda.GetProperty("device").GetString(), Is.EqualTo(gpu.Name));
            Assert.That(cuda.GetProperty("memory_bytes").GetInt64(), Is.GreaterThan(0));
            Assert.That(cuda.GetProperty("compute_capability").GetString(), Does.Match(@"^\d+\.\d+$"));
        }
        else
        {
            Assert.That(backends["cuda"].GetProperty("detail").GetString(), Does.StartWith("No CUDA device: "));
            Assert.That(cuda.GetProperty("reason").GetString(), Is.EqualTo(gpu.Reason));
        }
    }

    [Test]
    public void InfoWithoutJsonPrintsATable()
    {
        var (code, stdout, stderr) = Run("info");
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("FMA peak, float").And.Contain("GFLOP/s").And.Contain("cuda"));
        Assert.That(stdout, Does.Not.Contain("\u001b["), "no ANSI escapes when writing to a StringWriter");
    }

    [Test]
    public void BenchGemmJsonPrintsOneParseableLinePerCase()
    {
        var (code, stdout, stderr) = Run("bench", "gemm", "--m", "4", "--n", "5", "--k", "3", "--repeat", "5", "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        var lines = Lines(stdout);
        Assert.That(lines, Has.Length.EqualTo(1));
        using var doc = JsonDocument.Parse(lines[0]);
        var r = doc.RootElement;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.GetProperty("suite").GetString(), Is.EqualTo("gemm"));
            Assert.That(r.GetProperty("case").GetString(), Is.EqualTo("sgemm.4x5x3.t1"));
            Assert.That(r.GetProperty("type").GetString(), Is.EqualTo("float"));
            Assert.That((r.GetProperty("m").GetInt32(), r.GetProperty("n").GetInt32(), r.GetProperty("k").GetInt32()), Is.EqualTo((4, 5, 3)));
            Assert.That(r.GetProperty("threads").GetInt32(), Is.EqualTo(1));
            Assert.That(r.GetProperty("repeat").GetInt32(), Is.EqualTo(5));
            Assert.That(r.GetProperty("median_ms").GetDouble(), Is.GreaterThan(0));
            Assert.That(r.GetProperty("min_ms").GetDouble(), Is.GreaterThan(0).And.LessThanOrEqualTo(r.GetProperty("median_ms").GetDouble()));
            Assert.That(r.GetProperty("gflops").GetDouble(), Is.GreaterThan(0));
            Assert.That(r.GetProperty("peak_pct").GetDouble(), Is.GreaterThan(0));
            Assert.That(r.GetProperty("check").GetString(), Is.EqualTo("ok"));
        }
    }

    [Test]
    public void BenchGemmListsRunEveryCombination()
    {
        var (code, stdout, stderr) = Run("bench", "gemm", "--m", "2,3", "--n", "4", "--k", "5", "--type", "float,double", "--threads", "1,all", "--repeat", "1", "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        var cases = Lines(stdout).Select(l => { using var d = JsonDocument.Parse(l); return d.RootElement.GetProperty("case").GetString(); }).ToList();
        int all = Environment.ProcessorCount;
        Assert.That(cases, Is.EquivalentTo(new[]
        {
            "sgemm.2x4x5.t1", $"sgemm.2x4x5.t{all}", "sgemm.3x4x5.t1", $"sgemm.3x4x5.t{all}",
            "dgemm.2x4x5.t1", $"dgemm.2x4x5.t{all}", "dgemm.3x4x5.t1", $"dgemm.3x4x5.t{all}",
        }));
    }

    [Test]
    public void BenchGemmShapesAndTransposesAreNamedInTheCase()
    {
        var (code, stdout, stderr) = Run("bench", "gemm", "--shapes", "3x7x5,6x2x9", "--type", "double", "--transA", "--transB", "--repeat", "2", "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        var lines = Lines(stdout);
        Assert.That(lines, Has.Length.EqualTo(2));
        using var first = JsonDocument.Parse(lines[0]);
        Assert.That(first.RootElement.GetProperty("case").GetString(), Is.EqualTo("dgemm.tt.3x7x5.t1"));
        Assert.That(first.RootElement.GetProperty("trans_a").GetBoolean(), Is.True);
        Assert.That(first.RootElement.GetProperty("check").GetString(), Is.EqualTo("ok"));
        using var second = JsonDocument.Parse(lines[1]);
        Assert.That(second.RootElement.GetProperty("case").GetString(), Is.EqualTo("dgemm.tt.6x2x9.t1"));
    }

    [Test]
    public void BenchGemmWithoutJsonPrintsATable()
    {
        var (code, stdout, stderr) = Run("bench", "gemm", "--m", "8", "--n", "8", "--k", "8", "--repeat", "3");
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("sgemm.8x8x8.t1").And.Contain("GFLOP/s").And.Contain("% of peak"));
    }

    [Test]
    public void BenchListOptionsMayBeRepeatedAndAliasesWork()
    {
        var (code, stdout, stderr) = Run("bench", "gemm", "--m", "2", "--m", "3", "--n", "4", "--k", "5", "--trans-a", "--type", "double,DOUBLE", "--repeat", "1", "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        var cases = Lines(stdout).Select(l => { using var d = JsonDocument.Parse(l); return d.RootElement.GetProperty("case").GetString(); }).ToList();
        Assert.That(cases, Is.EqualTo(new[] { "dgemm.tn.2x4x5.t1", "dgemm.tn.3x4x5.t1" }), "--m given twice runs both; a choice listed twice runs once");
    }

    [Test]
    public void BenchBackendAutoTimesTheDeviceItOpens()
    {
        var (code, stdout, stderr) = Run("bench", "rnn", "--backend", "auto", "--seq", "2", "--batch", "1", "--input", "2", "--hidden", "2", "--threads", "1", "--repeat", "1", "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        using var doc = JsonDocument.Parse(Lines(stdout).Single());
        string expected = SeqCore.Cuda.CudaDeviceInfo.Probe().Available ? ".float.cuda" : ".float.t1";
        Assert.That(doc.RootElement.GetProperty("case").GetString(), Does.EndWith(expected));
    }

    [TestCase(new[] { "--help" }, "info", "bench")]
    [TestCase(new[] { "info", "--help" }, "--json")]
    [TestCase(new[] { "bench", "--help" }, "gemm")]
    [TestCase(new[] { "bench", "gemm", "--help" }, "--m", "--n", "--k", "--shapes", "--threads", "--type", "--transA", "--transB", "--repeat", "--json")]
    [TestCase(new[] { "bench", "gemm", "-h" }, "--m", "--repeat")]
    public void HelpExitsZeroAndListsTheOptions(string[] args, params string[] mentions)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.That(code, Is.EqualTo(0), stderr);
        foreach (string m in mentions) Assert.That(stdout, Does.Contain(m));
    }

    [TestCase(new[] { "bench", "gemm", "--m", "abc" }, "--m", "abc")]
    [TestCase(new[] { "bench", "gemm", "--n", "0" }, "--n", "'0'")]
    [TestCase(new[] { "bench", "gemm", "--k", "-3" }, "--k", "-3")]
    [TestCase(new[] { "bench", "gemm", "--m", "8,x" }, "--m", "'x'")]
    [TestCase(new[] { "bench", "gemm", "--type", "half" }, "--type", "half")]
    [TestCase(new[] { "bench", "gemm", "--threads", "many" }, "--threads", "many")]
    [TestCase(new[] { "bench", "gemm", "--repeat", "1.5" }, "--repeat", "1.5")]
    [TestCase(new[] { "bench", "gemm", "--shapes", "3x4" }, "--shapes", "3x4")]
    [TestCase(new[] { "bench", "gemm", "--bogus" }, "--bogus")]
    [TestCase(new[] { "info", "--verbose" }, "--verbose")]
    [TestCase(new[] { "bench", "lstm", "--threads", "2,-1" }, "--threads", "'-1'")]
    [TestCase(new[] { "gradcheck", "--backend", "tpu" }, "gradcheck", "--backend", "tpu")]
    [TestCase(new[] { "frobnicate" }, "frobnicate")]
    [TestCase(new[] { "bench", "sort" }, "sort")]
    public void BadArgumentsExitTwoWithAMessageNamingOptionAndValue(string[] args, params string[] mentions)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stdout, Is.Empty, "nothing on stdout for a usage error");
        var first = Lines(stderr)[0];
        foreach (string m in mentions) Assert.That(first, Does.Contain(m));
    }

    [Test]
    public void AFailureInsideAVerbIsOneLineAndExitCodeOne()
    {
        // A would be (2^31-1)² floats, whose byte count overflows: the first Allocate throws at once, and the CLI
        // reports it without a stack trace.
        var (code, _, stderr) = Run("bench", "gemm", "--m", "2147483647", "--n", "1", "--k", "2147483647", "--repeat", "1");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(Lines(stderr), Has.Length.EqualTo(1));
        Assert.That(stderr, Does.StartWith("seqcore bench gemm: failed:"));
    }

    [Test]
    public void MissingVerbExitsTwoAndListsTheVerbs()
    {
        var (code, _, stderr) = Run();
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("info").And.Contain("bench"));
        (code, _, stderr) = Run("bench");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("gemm"));
    }
}
