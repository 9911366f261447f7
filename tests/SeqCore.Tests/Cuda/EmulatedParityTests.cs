using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Cuda;
using SeqCore.Testing;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// Every kernel, run through <see cref="CudaBackend{T}"/>'s own host code on the emulated device (kernels compiled as C++,
/// blocks in turn, the threads of a block as real threads), against the CPU backend: float at 1e-5 relative, double at
/// 1e-12, GEMM looser (<see cref="ParitySuite{T}.GemmTolerance"/>), random fills, copies and gathers bit for bit.
/// </summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
[NonParallelizable]
public class EmulatedParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private CudaBackend<T>? _gpu;
    private CpuBackend<T>? _cpu;

    [OneTimeSetUp]
    public void SetUp() => _cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });

    [OneTimeTearDown]
    public void TearDown()
    {
        _gpu?.Dispose();
        _cpu?.Dispose();
    }

    private CudaBackend<T> Gpu => _gpu ??= CudaTestDevices.Emulated<T>();

    public static IEnumerable<string> Names => ParitySuite<float>.Cases.Select(c => c.Name);

    [TestCaseSource(nameof(Names))]
    public void KernelMatchesCpu(string name)
    {
        var result = ParitySuite<T>.Run(ParitySuite<T>.Get(name), Gpu, _cpu!);
        Assert.That(result.Passed, result.ToString());
    }

    [Test]
    public void ReleasedMemoryIsReusedAndAccounted()
    {
        long before = Gpu.LiveBytes;
        var t = Gpu.Allocate(1000);
        Assert.That(Gpu.LiveBytes, Is.GreaterThan(before));
        t.Dispose();
        Assert.That(Gpu.LiveBytes, Is.EqualTo(before));
        using var u = Gpu.Allocate(999);
        Assert.That(Gpu.ToArray(u), Is.All.EqualTo(T.Zero), "Allocate must zero-fill, also when it reuses a cached block");
    }
}
