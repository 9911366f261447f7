using System.Text.Json;
using SeqCore.Cli;
using SeqCore.Cli.Benchmarks;
using SeqCore.Cpu;
using SeqCore.Layers.Attention;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Bench;

/// <summary>The profiling backend behind <c>bench … --profile</c>: calls land in the right families with the right work,
/// results are the inner backend's, and the families add up to the step's time.</summary>
public class ProfilingBackendTests
{
    private const int T = 5, B = 3, I = 4, H = 6;

    private static FamilyTotal Of(ProfilingBackend<float> be, OpFamily family) => be.Totals.Single(t => t.Family == family);

    [Test]
    public void AnLstmStepLandsInItsGemmRolesAndCellKernelsWithTheirFlops()
    {
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var be = new ProfilingBackend<float>(cpu, stepRows: B);
        var random = new RandomStream(1);
        using var layer = new RecurrentLayer<float>(be, new RecurrentOptions { Cell = CellKind.Lstm, InputSize = I, HiddenSize = H }, random);
        using var x = be.Allocate(T, B, I);
        using var y = be.Allocate(T, B, H);
        using var dx = be.Allocate(T, B, I);
        be.FillUniform(random, -1, 1, x);
        be.Reset();
        layer.Forward(x, [], null, null, y, null, null);
        layer.Backward(y, null, null, dx, null, null);

        // Forward: one input projection [T·B, 4H] and T recurrent GEMMs of B rows, each followed by the fused cell; backward:
        // T cells and T recurrent GEMMs, the input gradient over T·B rows, and the two weight gradients (transposed first operand).
        Assert.That(Of(be, OpFamily.StepGemm).Calls, Is.EqualTo(2 * T));
        Assert.That(Of(be, OpFamily.CellKernels).Calls, Is.EqualTo(2 * T));
        Assert.That(Of(be, OpFamily.ProjectionGemm).Calls, Is.EqualTo(2));
        Assert.That(Of(be, OpFamily.WeightGradientGemm).Calls, Is.EqualTo(2));
        Assert.That(Of(be, OpFamily.StepGemm).Flops, Is.EqualTo(2 * T * 2.0 * B * 4 * H * H));
        Assert.That(Of(be, OpFamily.ProjectionGemm).Flops, Is.EqualTo(2 * 2.0 * T * B * 4 * H * I));
        Assert.That(Of(be, OpFamily.WeightGradientGemm).Flops, Is.EqualTo(2.0 * 4 * H * (I + H) * T * B));
        Assert.That(Of(be, OpFamily.Attention).Calls + Of(be, OpFamily.LayerNorm).Calls + Of(be, OpFamily.Optimizer).Calls, Is.Zero);
        Assert.That(be.Totals.Sum(t => t.Seconds), Is.GreaterThan(0));
    }

    [Test]
    public void CausalAttentionCountsTheVisiblePairsForwardAndBackward()
    {
        const int seq = 7, batch = 2, e = 8, heads = 2;
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var be = new ProfilingBackend<float>(cpu, stepRows: 0);
        var random = new RandomStream(2);
        using var mha = new MultiHeadAttention<float>(be, new MultiHeadAttentionOptions { EmbeddingSize = e, Heads = heads }, random);
        using var x = be.Allocate(seq, batch, e);
        using var y = be.Allocate(seq, batch, e);
        using var dx = be.Allocate(seq, batch, e);
        be.FillUniform(random, -1, 1, x);
        be.Reset();
        mha.Forward(x, x, x, [], causal: true, y);
        mha.Backward(y, dx);
        double pairs = batch * heads * seq * (seq + 1) / 2.0, d = e / heads;
        var attention = Of(be, OpFamily.Attention);
        Assert.That(attention.Calls, Is.EqualTo(2));
        Assert.That(attention.Flops, Is.EqualTo(2.0 * pairs * 2 * d * 3.5), "forward 2·(d + d)·pairs, backward 2.5 times that");
        Assert.That(Of(be, OpFamily.StepGemm).Calls, Is.Zero, "no recurrence");
        Assert.That(Of(be, OpFamily.ProjectionGemm).Calls, Is.GreaterThanOrEqualTo(2));
        Assert.That(Of(be, OpFamily.WeightGradientGemm).Calls, Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public void ATransformerBlockBooksItsNormsActivationsAndAttention()
    {
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var be = new ProfilingBackend<float>(cpu, stepRows: 0);
        var random = new RandomStream(4);
        using var block = new SeqCore.Layers.Transformer.TransformerBlock<float>(be, new SeqCore.Layers.Transformer.TransformerOptions { EmbeddingSize = 8, Heads = 2 }, random);
        using var x = be.Allocate(6, 2, 8);
        using var y = be.Allocate(6, 2, 8);
        using var dx = be.Allocate(6, 2, 8);
        be.FillUniform(random, -1, 1, x);
        be.Reset();
        block.Forward(x, [], y);
        block.Backward(y, dx);
        Assert.That(Of(be, OpFamily.LayerNorm).Calls, Is.EqualTo(4), "two norms, forward and backward");
        Assert.That(Of(be, OpFamily.CellKernels).Calls, Is.EqualTo(2), "the feed-forward GELU, forward and backward");
        Assert.That(Of(be, OpFamily.Attention).Calls, Is.EqualTo(2));
        Assert.That(Of(be, OpFamily.LayerNorm).Bytes, Is.GreaterThan(0));
    }

    [Test]
    public void ResultsAreTheInnerBackendsBitForBit()
    {
        float[] Run(bool profiled)
        {
            using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
            IBackend<float> be = profiled ? new ProfilingBackend<float>(cpu, stepRows: B) : cpu;
            var random = new RandomStream(3);
            using var layer = new RecurrentLayer<float>(be, new RecurrentOptions { Cell = CellKind.Gru, InputSize = I, HiddenSize = H }, random);
            using var x = be.Allocate(T, B, I);
            using var y = be.Allocate(T, B, H);
            using var dx = be.Allocate(T, B, I);
            be.FillUniform(random, -1, 1, x);
            layer.Forward(x, [], null, null, y, null, null);
            layer.Backward(y, null, null, dx, null, null);
            return [.. be.ToArray(y), .. be.ToArray(dx), .. layer.Parameters.SelectMany(p => be.ToArray(p.Gradient))];
        }
        Assert.That(Run(profiled: true), Is.EqualTo(Run(profiled: false)));
    }

    [Test]
    public void TheFamiliesAndTheHostTimeAddUpToTheStep()
    {
        var c = new RecurrentCase("lstm", 16, 8, 32, 64, 1, "float");
        var p = RecurrentRunner.Profile(c, repeat: 5);
        Assert.That(p.Families.Sum(f => f.MsPerStep), Is.EqualTo(p.BackendMs).Within(1e-9));
        Assert.That(p.BackendMs + p.HostMs, Is.EqualTo(p.StepMs).Within(1e-9));
        // The backend calls run one after another inside the step: their sum cannot exceed it, and an LSTM step is
        // almost all backend work (the host part is loops and bookkeeping between calls).
        Assert.That(p.BackendMs, Is.LessThanOrEqualTo(p.StepMs * 1.0001));
        Assert.That(p.BackendMs, Is.GreaterThan(0.6 * p.StepMs), $"backend {p.BackendMs} ms of a {p.StepMs} ms step");
        Assert.That(p.Families.Sum(f => f.Share), Is.EqualTo(p.BackendMs / p.StepMs).Within(1e-9));
        Assert.That(p.Families.Select(f => f.Family), Does.Contain("per-step GEMM").And.Contain("cell kernels, activations"));
        Assert.That(p.FmaPeakGflops, Is.GreaterThan(0));
        Assert.That(p.BandwidthGBs, Is.GreaterThan(0));
        var gemm = p.Families.Single(f => f.Family == "per-step GEMM");
        Assert.That(gemm.PercentOfFmaPeak, Is.EqualTo(gemm.Gflops / p.FmaPeakGflops * 100).Within(1e-9));
        Assert.That(gemm.GBs, Is.Null, "GEMMs are rated in GFLOP/s");
    }

    [Test]
    public void TheCliPrintsOneProfilePerCaseAndRefusesADeviceBackend()
    {
        var (code, stdout, stderr) = Run("bench", "lstm", "--profile", "--seq", "4", "--batch", "2", "--input", "8", "--hidden", "8",
            "--threads", "1", "--repeat", "2", "--json");
        Assert.That(code, Is.Zero, stderr);
        var p = JsonDocument.Parse(stdout.Trim()).RootElement;
        Assert.That(p.GetProperty("suite").GetString(), Is.EqualTo("profile"));
        Assert.That(p.GetProperty("steps").GetInt32(), Is.EqualTo(2));
        var families = p.GetProperty("families").EnumerateArray().Select(f => f.GetProperty("family").GetString()).ToList();
        Assert.That(families, Does.Contain("per-step GEMM").And.Contain("weight-gradient GEMM").And.Contain("projection GEMM"));
        var operations = p.GetProperty("operations").EnumerateArray().ToList();
        Assert.That(operations.Select(o => o.GetProperty("operation").GetString()), Does.Contain("Gemm").And.Contain("LstmCellForward"));
        Assert.That(operations.Select(o => o.GetProperty("ms_per_step").GetDouble()), Is.Ordered.Descending);
        double familyMs = p.GetProperty("families").EnumerateArray().Sum(f => f.GetProperty("ms_per_step").GetDouble());
        Assert.That(operations.Sum(o => o.GetProperty("ms_per_step").GetDouble()), Is.EqualTo(familyMs).Within(1e-6).Percent,
            "the calls add up to the families");

        (code, stdout, stderr) = Run("bench", "lm", "--profile", "--seq", "4", "--batch", "2", "--embed", "8", "--hidden", "8", "--vocab", "11",
            "--layers", "1", "--threads", "1", "--repeat", "2");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("optimizer, clipping").And.Contain("softmax, loss").And.Contain("host (between calls)").And.Contain("% FMA peak"));

        (code, stdout, stderr) = Run("bench", "seq2seq", "--profile", "--layers", "1", "--vocab", "13", "--embed", "8", "--heads", "2", "--ff", "16",
            "--source", "5", "--target", "4", "--batch", "2", "--threads", "1", "--repeat", "2", "--json");
        Assert.That(code, Is.Zero, stderr);
        var s2s = JsonDocument.Parse(stdout.Trim()).RootElement;
        Assert.That(s2s.GetProperty("families").EnumerateArray().Select(f => f.GetProperty("family").GetString()),
            Does.Contain("attention tiles").And.Contain("layer norm").And.Not.Contain("per-step GEMM"), "a transformer has no per-step GEMM");
        Assert.That(s2s.GetProperty("operations").EnumerateArray().Select(o => o.GetProperty("operation").GetString()),
            Does.Contain("FillBernoulliMask").And.Contain("AttentionBackward"));

        (code, _, stderr) = Run("bench", "mha", "--profile", "--backend", "cuda", "--seq", "4", "--batch", "1", "--embed", "8", "--heads", "2");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(stderr, Does.Contain("--profile").And.Contain("--backend cuda"));
    }
}
