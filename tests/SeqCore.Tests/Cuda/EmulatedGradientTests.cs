using SeqCore.Cuda;
using SeqCore.Testing;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// Gradient checks (double, central differences, 1e-6) of whole layers on the CUDA backend's code, on the emulated
/// device, for a representative subset of the cases whose operations exist on the GPU today (the recurrent cells and
/// attention are pending): Linear, Embedding, GELU, log-softmax, LayerNorm, positional rows, Conv1d, pooling, the fused
/// cross-entropy. The emulation is slow (each launch starts its threads: an Elman RNN case takes minutes, so the RNN is
/// compared in one training step by <see cref="EmulatedLayerTests{T}"/> instead); on a GPU
/// <see cref="GpuParityTests.GradientChecksPassOnTheGpu"/> runs them all.
/// </summary>
[NonParallelizable]
public class EmulatedGradientTests
{
    private CudaBackend<double>? _gpu;

    [OneTimeTearDown] public void TearDown() => _gpu?.Dispose();

    public static IEnumerable<string> Names =>
    [
        "linear", "embedding.padding", "activation.gelu.tanh", "logsoftmax", "layernorm.d7", "positional.learned.offset.batchfirst",
        "conv1d.k3.s2.d2.causal.nobias", "pooling.max.lengths", "pooling.avg.lengths",
        "loss.cross_entropy.ignore.smoothing",
    ];

    [TestCaseSource(nameof(Names))]
    public void AnalyticGradientMatchesFiniteDifferences(string name)
    {
        _gpu ??= CudaTestDevices.Emulated<double>();
        var gradientCase = GradientCases.All.Single(c => c.Name == name);
        var result = gradientCase.Run(_gpu);
        TestContext.Out.WriteLine(result);
        Assert.That(result.Tensors, Is.Not.Empty);
        Assert.That(result.MaxRelativeError, Is.LessThanOrEqualTo(1e-6), result.ToString());
    }
}
