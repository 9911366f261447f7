using SeqCore.Cpu;
using SeqCore.Testing;

namespace SeqCore.Tests.Gradients;

/// <summary>Runs every built-in gradient check (the same cases as <c>seqcore gradcheck</c>) on the CPU backend in double.</summary>
public class GradientCaseTests
{
    private static CpuBackend<double> _cpu = null!;

    [OneTimeSetUp] public void SetUp() => _cpu = new CpuBackend<double>();
    [OneTimeTearDown] public void TearDown() => _cpu.Dispose();

    public static IEnumerable<GradientCase> Cases => GradientCases.All;

    [TestCaseSource(nameof(Cases))]
    public void AnalyticGradientMatchesFiniteDifferences(GradientCase gradientCase)
    {
        var result = gradientCase.Run(_cpu);
        TestContext.Out.WriteLine(result);
        Assert.That(result.Tensors, Is.Not.Empty);
        Assert.That(result.MaxRelativeError, Is.LessThanOrEqualTo(1e-6), result.ToString());
    }
}
