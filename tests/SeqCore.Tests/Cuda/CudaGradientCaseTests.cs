using SeqCore.Gradients;
using SeqCore.Layers.Recurrent;
using SeqCore.Testing;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// The double gradient checks of the recurrent layers and of attention (the same cases as <c>seqcore gradcheck</c>:
/// every cell and option, SDPA with every mask and tiling, multi-head, additive and Luong attention) run on a CUDA
/// backend: every op of the forward and backward passes runs there, and the finite differences too.
/// </summary>
public abstract class CudaGradientCaseTestsBase
{
    private IBackend<double>? _backend;

    /// <summary>Creates the backend (or ignores the test when it cannot exist here).</summary>
    protected abstract IBackend<double> CreateBackend();

    /// <summary>Disposes the backend.</summary>
    [OneTimeTearDown] public void TearDown() => _backend?.Dispose();

    /// <summary>Runs one case on the backend and asserts the GUIDE §7.2 tolerance.</summary>
    protected void Check(GradientCase gradientCase)
    {
        _backend ??= CreateBackend();
        var result = gradientCase.Run(_backend);
        TestContext.Out.WriteLine(result);
        Assert.That(result.Tensors, Is.Not.Empty);
        Assert.That(result.MaxRelativeError, Is.LessThanOrEqualTo(1e-6), result.ToString());
    }

    /// <summary>True for the recurrent and attention cases (the families of kernels/recurrent.cu and attention.cu).</summary>
    protected static bool IsRecurrentOrAttention(GradientCase c) =>
        CellCatalogue.Names.Any(cell => c.Name.StartsWith(cell, StringComparison.Ordinal)) ||
        c.Name.StartsWith("attention.", StringComparison.Ordinal) || c.Name.StartsWith("mha.", StringComparison.Ordinal);
}

/// <summary>Every recurrent and attention gradient case on a GPU (skipped without a device).</summary>
public class GpuGradientCaseTests : CudaGradientCaseTestsBase
{
    /// <summary>The recurrent and attention cases.</summary>
    public static IEnumerable<GradientCase> Cases => GradientCases.All.Where(IsRecurrentOrAttention);

    /// <inheritdoc />
    protected override IBackend<double> CreateBackend() => CudaTestDevices.Gpu<double>();

    [TestCaseSource(nameof(Cases))]
    public void AnalyticGradientMatchesFiniteDifferencesOnTheGpu(GradientCase gradientCase) => Check(gradientCase);
}
