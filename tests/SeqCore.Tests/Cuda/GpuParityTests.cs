using SeqCore.Cpu;
using SeqCore.Cuda;
using SeqCore.Testing;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// The parity suite on a real GPU, one test per <see cref="IBackend{T}"/> operation (all its cases, float and double),
/// and the double gradient checks re-run on the GPU. Without a device every test here is skipped with the reason.
/// </summary>
[NonParallelizable]
public class GpuParityTests
{
    public static IEnumerable<string> Ops => ParitySuite<float>.Cases.Select(c => c.Op).Distinct();

    [TestCaseSource(nameof(Ops))]
    public void OperationMatchesCpu(string op)
    {
        using var gf = CudaTestDevices.Gpu<float>();
        using var gd = new CudaBackend<double>();
        using var cf = new CpuBackend<float>();
        using var cd = new CpuBackend<double>();
        var failures = new List<string>();
        foreach (var c in ParitySuite<float>.Cases.Where(c => c.Op == op))
        {
            var r = ParitySuite<float>.Run(c, gf, cf);
            TestContext.Out.WriteLine($"float  {r}");
            if (!r.Passed) failures.Add("float " + r);
        }
        foreach (var c in ParitySuite<double>.Cases.Where(c => c.Op == op))
        {
            var r = ParitySuite<double>.Run(c, gd, cd);
            TestContext.Out.WriteLine($"double {r}");
            if (!r.Passed) failures.Add("double " + r);
        }
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public void GradientChecksPassOnTheGpu()
    {
        using var gpu = CudaTestDevices.Gpu<double>();
        var failures = new List<string>();
        foreach (var gc in GradientCases.All)
        {
            try
            {
                var result = gc.Run(gpu);
                TestContext.Out.WriteLine(result);
                if (!(result.Tensors.Count > 0 && result.MaxRelativeError <= 1e-6)) failures.Add(result.ToString());
            }
            catch (NotSupportedException e) { failures.Add($"{gc}: {e.Message}"); }
        }
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public void TimingWithCudaEventsCoversTheQueuedWork()
    {
        using var gpu = CudaTestDevices.Gpu<float>();
        using var a = gpu.Allocate(1024, 1024);
        using var c = gpu.Allocate(1024, 1024);
        double ms = gpu.TimeMilliseconds(() => gpu.MatMul(a, a, c));
        Assert.That(ms, Is.GreaterThan(0));
    }
}
