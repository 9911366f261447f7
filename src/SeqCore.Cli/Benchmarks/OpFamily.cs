namespace SeqCore.Cli.Benchmarks;

/// <summary>Where a backend call's time is booked in a profile (<see cref="ProfilingBackend{T}"/>).</summary>
internal enum OpFamily
{
    /// <summary>GEMMs over every row of the sequence: a recurrent layer's input projection and its input gradient, and
    /// every dense layer of a transformer or a language model (attention projections, feed-forward, head).</summary>
    ProjectionGemm,
    /// <summary>GEMMs with one time step's rows (the batch): the recurrence <c>h·W_hhᵀ</c> and its gradient.</summary>
    StepGemm,
    /// <summary>GEMMs with the first operand transposed: weight gradients <c>dW += dYᵀ·X</c>.</summary>
    WeightGradientGemm,
    /// <summary>The fused LSTM/GRU cell kernels and the activations (an Elman cell's tanh, the feed-forward GELU).</summary>
    CellKernels,
    /// <summary>The tiled attention kernels, attention weights and batched attention GEMMs.</summary>
    Attention,
    /// <summary>Softmax, log-softmax and the losses (cross-entropy over the logits).</summary>
    SoftmaxAndLoss,
    /// <summary>LayerNorm forward and backward.</summary>
    LayerNorm,
    /// <summary>Optimizer updates (Adam, SGD) and the gradient-norm sums of clipping.</summary>
    Optimizer,
    /// <summary>Everything else: element-wise arithmetic, copies, gathers, fills, random masks.</summary>
    Other,
}

/// <summary>Names of the families as the profile prints them.</summary>
internal static class OpFamilies
{
    public static IReadOnlyList<OpFamily> All { get; } = Enum.GetValues<OpFamily>();

    public static string Name(OpFamily family) => family switch
    {
        OpFamily.ProjectionGemm => "projection GEMM",
        OpFamily.StepGemm => "per-step GEMM",
        OpFamily.WeightGradientGemm => "weight-gradient GEMM",
        OpFamily.CellKernels => "cell kernels, activations",
        OpFamily.Attention => "attention tiles",
        OpFamily.SoftmaxAndLoss => "softmax, loss",
        OpFamily.LayerNorm => "layer norm",
        OpFamily.Optimizer => "optimizer, clipping",
        _ => "other",
    };

    /// <summary>True where the work is counted in floating-point operations (GFLOP/s); the rest in bytes (GB/s).</summary>
    public static bool CountsFlops(OpFamily family) =>
        family is OpFamily.ProjectionGemm or OpFamily.StepGemm or OpFamily.WeightGradientGemm or OpFamily.Attention;
}
