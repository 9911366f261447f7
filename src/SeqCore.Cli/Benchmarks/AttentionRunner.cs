using System.Diagnostics;
using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Layers.Attention;
using SeqCore.Random;

namespace SeqCore.Cli.Benchmarks;

/// <summary>One multi-head self-attention benchmark case: batch-first <c>[B, T, E]</c> input, h heads.</summary>
internal sealed record AttentionCase(int Seq, int Batch, int Embed, int Heads, bool Causal, int Threads, string Type, string Backend = "cpu")
{
    public string Name => $"mha.T{Seq}.B{Batch}.E{Embed}.h{Heads}{(Causal ? ".causal" : "")}.{Type}.{(Backend == "cuda" ? "cuda" : $"t{Threads}")}";
}

/// <summary>The JSON line of one attention case; <c>median_ms</c> is one training step (forward + backward).</summary>
internal sealed record AttentionResult(string Suite, string Case, string Type, int Threads, int Seq, int Batch, int Embed, int Heads, bool Causal,
    double ForwardMs, double MedianMs, double MinMs, int Repeat, double Gflops, long AllocatedBytesPerStep,
    long WorkspaceBytes, long AttentionScratchBytesPerThread);

/// <summary>Times <see cref="MultiHeadAttention{T}"/> self-attention: forward alone, then forward + backward.</summary>
internal static class AttentionRunner
{
    public static AttentionResult Run(AttentionCase c, int? repeat) => c.Type == "double" ? Run<double>(c, repeat) : Run<float>(c, repeat);

    /// <summary>Where one training step's time goes, by op family, on the CPU backend.</summary>
    public static StepProfile Profile(AttentionCase c, int? repeat) => c.Type == "double" ? Profile<double>(c, repeat) : Profile<float>(c, repeat);

    private static AttentionResult Run<T>(AttentionCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var be = BackendOption.Open<T>(c.Backend, c.Threads);
        return With(be, c, (layer, forwardOnly, step) =>
        {
            // A GPU queues work: each timed call ends when the device is done.
            var s = StepTimer.Measure(() => { forwardOnly(); be.Synchronize(); }, () => { step(); be.Synchronize(); }, repeat);
            return new AttentionResult("attention", c.Name, c.Type, c.Threads, c.Seq, c.Batch, c.Embed, c.Heads, c.Causal,
                s.ForwardMs, s.MedianMs, s.MinMs, s.Runs, Flops(c) / (s.MedianMs * 1e-3) / 1e9, s.AllocatedBytesPerStep,
                layer.WorkspaceBytes, AttentionScratch<T>(c));
        });
    }

    private static StepProfile Profile<T>(AttentionCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var cpu = BackendOption.Open<T>("cpu", c.Threads);
        var be = new ProfilingBackend<T>(cpu, stepRows: 0);
        return With(be, c, (_, _, step) => StepProfiler.Profile(be, step, repeat, c.Name, c.Type, c.Threads));
    }

    /// <summary>Builds the layer and its data on <paramref name="be"/> and hands <paramref name="measure"/> the layer,
    /// the forward pass alone and the training step (forward + backward).</summary>
    private static TResult With<T, TResult>(IBackend<T> be, AttentionCase c, Func<MultiHeadAttention<T>, Action, Action, TResult> measure)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new RandomStream(1);
        using var layer = new MultiHeadAttention<T>(be, new MultiHeadAttentionOptions { EmbeddingSize = c.Embed, Heads = c.Heads, BatchFirst = true }, random);
        using var x = be.Allocate(c.Batch, c.Seq, c.Embed);
        using var y = be.Allocate(c.Batch, c.Seq, c.Embed);
        using var dy = be.Allocate(c.Batch, c.Seq, c.Embed);
        using var dx = be.Allocate(c.Batch, c.Seq, c.Embed);
        be.FillUniform(random, -T.One, T.One, x);
        be.FillUniform(random, -T.One, T.One, dy);

        Action forwardOnly = () => layer.Forward(x, x, x, [], c.Causal, y);
        Action step = () => { forwardOnly(); layer.Backward(dy, dx); };
        return measure(layer, forwardOnly, step);
    }

    /// <summary>
    /// FLOPs of one training step as the work needed (causal attention counts the visible half): projections
    /// 2·N·E·4E forward (N = B·T) and twice that backward; attention 4·B·T²·E forward (Q·Kᵀ and P·V) and
    /// 2.5 times that backward (S recomputed, dP, dV, dK, dQ).
    /// </summary>
    private static double Flops(AttentionCase c)
    {
        double n = (double)c.Batch * c.Seq, proj = 3 * 2 * n * c.Embed * 4.0 * c.Embed;
        double attn = 3.5 * 4 * c.Batch * (double)c.Seq * c.Seq * c.Embed * (c.Causal ? 0.5 : 1);
        return proj + attn;
    }

    /// <summary>Bytes of per-thread tile scratch of the attention kernels (forward or backward, the larger): independent of T.</summary>
    private static long AttentionScratch<T>(AttentionCase c) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var spec = new AttentionSpec { Batch = c.Batch, Heads = c.Heads, QueryLength = c.Seq, KeyLength = c.Seq, HeadSize = c.Embed / c.Heads, Causal = c.Causal };
        long elements = Math.Max(CpuBackend<T>.AttentionForwardScratchElements(spec), CpuBackend<T>.AttentionBackwardScratchElements(spec));
        return elements * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
    }
}
