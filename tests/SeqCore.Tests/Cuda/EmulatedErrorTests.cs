using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Cuda;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// The CUDA backend's argument checks against the CPU backend's, through the catalogue of every non-GEMM operation
/// (<see cref="OpCatalog{T}"/>): valid calls succeed on both, and a released or wrongly sized argument gets the same
/// exception with the same message on both (the backends share <see cref="Check"/>). Runs on the emulated device.
/// </summary>
[NonParallelizable]
public class EmulatedErrorTests
{
    private CudaBackend<float>? _gpu;
    private CpuBackend<float>? _cpu;

    [OneTimeSetUp] public void SetUp() => _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });

    [OneTimeTearDown]
    public void TearDown()
    {
        _gpu?.Dispose();
        _cpu?.Dispose();
    }

    private CudaBackend<float> Gpu => _gpu ??= CudaTestDevices.Emulated<float>();

    private static (string? Type, string? Message) Outcome(IBackend<float> b, BackendCall<float> call, int arg, Func<IBackend<float>, int[], Tensor<float>> replacement)
    {
        var t = call.Shapes.Select((s, i) => i == arg ? replacement(b, s) : b.Allocate(s)).ToArray();
        try
        {
            call.Invoke(b, t);
            return (null, null);
        }
        catch (Exception e) { return (e.GetType().Name, e.Message); }
        finally { foreach (var x in t) x.Dispose(); }
    }

    [TestCaseSource(typeof(OpCases), nameof(OpCases.Names))]
    public void ValidCallsSucceed(string op)
    {
        var call = OpCatalog<float>.All[op];
        Assert.That(Outcome(Gpu, call, -1, (b, s) => b.Allocate(s)), Is.EqualTo(((string?)null, (string?)null)));
    }

    [TestCaseSource(typeof(OpCases), nameof(OpCases.Arguments))]
    public void WrongLengthGetsTheCpuBackendsError(string op, int arg)
    {
        var call = OpCatalog<float>.All[op];
        Func<IBackend<float>, int[], Tensor<float>> wrong = (b, s) => b.Allocate((int)Tensor<float>.ShapeLength(s) + 1);
        Assert.That(Outcome(Gpu, call, arg, wrong), Is.EqualTo(Outcome(_cpu!, call, arg, wrong)));
    }

    [TestCaseSource(typeof(OpCases), nameof(OpCases.Arguments))]
    public void ReleasedArgumentGetsTheCpuBackendsError(string op, int arg)
    {
        var call = OpCatalog<float>.All[op];
        Func<IBackend<float>, int[], Tensor<float>> released = (b, s) => { var r = b.Allocate(s); r.Dispose(); return r; };
        Assert.That(Outcome(Gpu, call, arg, released), Is.EqualTo(Outcome(_cpu!, call, arg, released)));
    }
}
