using System.Numerics;
using BenchmarkDotNet.Attributes;
using SeqCore.Cpu;
using SeqCore.Random;

namespace SeqCore.Bench;

/// <summary>
/// The pointwise activations and the row-wise softmax of the CPU backend on a <c>[rows, cols]</c> tensor:
/// 32×4096 (a batch of gate pre-activations) and 1024×1024 (1M elements; override with
/// <c>SEQCORE_BENCH_ACT_SHAPES</c>). These are memory-bound, so the suite reports GB/s of the least traffic
/// (read x once, write y once) instead of GFLOP/s.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class ActivationBenchmarks<T> : ICountedBenchmark where T : unmanaged, IFloatingPointIeee754<T>
{
    private CpuBackend<T> _cpu = null!;
    private Tensor<T> _x = null!, _y = null!;

    /// <summary>ROWSxCOLS.</summary>
    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "32x4096";

    /// <summary>CPU backend threads.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    /// <summary>32×4096 and 1024×1024.</summary>
    public static IEnumerable<string> Shapes() => BenchSettings.Shapes("SEQCORE_BENCH_ACT_SHAPES", "32x4096", "1024x1024");

    /// <summary>1 and every core.</summary>
    public static IEnumerable<int> ThreadCounts() => BenchSettings.Threads();

    [GlobalSetup]
    public void Setup()
    {
        var d = BenchSettings.Dims(Shape);
        _cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = Threads });
        _x = _cpu.Allocate(d[0], d[1]);
        _y = _cpu.Allocate(d[0], d[1]);
        _cpu.FillNormal(new RandomStream(seed: 7), T.Zero, T.CreateTruncating(2.0), _x);
    }

    [Benchmark] public void Sigmoid() => _cpu.Sigmoid(_x, _y);
    [Benchmark] public void Tanh() => _cpu.Tanh(_x, _y);
    [Benchmark] public void Gelu() => _cpu.Gelu(_x, GeluApproximation.None, _y);
    [Benchmark] public void GeluTanh() => _cpu.Gelu(_x, GeluApproximation.Tanh, _y);
    [Benchmark] public void Softmax() => _cpu.Softmax(_x, _y);

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose(); _y.Dispose();
        _cpu.Dispose();
    }

    /// <inheritdoc />
    public double? Flops(string method, Func<string, object?> parameter) => null;

    /// <inheritdoc />
    public unsafe double? Bytes(string method, Func<string, object?> parameter)
    {
        var d = BenchSettings.Dims((string)parameter(nameof(Shape))!);
        return 2.0 * d[0] * d[1] * sizeof(T);
    }

    /// <inheritdoc />
    public int ThreadCount(Func<string, object?> parameter) => (int)parameter(nameof(Threads))!;
}
