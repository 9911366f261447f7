using System.Numerics;
using BenchmarkDotNet.Attributes;
using SeqCore.Cpu;
using SeqCore.Layers;
using SeqCore.Random;

namespace SeqCore.Bench;

/// <summary>
/// LayerNorm over the last dimension of <c>[rows, width]</c>: forward and backward (dx, dweight, dbias), float and
/// double, with a GB/s column from the bytes each pass must move (override shapes with <c>SEQCORE_BENCH_LN_SHAPES</c>).
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class LayerNormBenchmarks<T> : ICountedBenchmark where T : unmanaged, IFloatingPointIeee754<T>
{
    private CpuBackend<T> _cpu = null!;
    private LayerNorm<T> _norm = null!;
    private Tensor<T> _x = null!, _y = null!, _dy = null!, _dx = null!;

    /// <summary>ROWSxWIDTH.</summary>
    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "4096x512";

    /// <summary>CPU backend threads.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    /// <summary>A transformer's activations (B·T = 4096 rows of width 512) and a wide row case.</summary>
    public static IEnumerable<string> Shapes() => BenchSettings.Shapes("SEQCORE_BENCH_LN_SHAPES", "4096x512", "256x4096");

    /// <summary>1 and every core.</summary>
    public static IEnumerable<int> ThreadCounts() => BenchSettings.Threads();

    [GlobalSetup]
    public void Setup()
    {
        var d = BenchSettings.Dims(Shape);
        _cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = Threads });
        _norm = new LayerNorm<T>(_cpu, d[1]);
        _x = _cpu.Allocate(d[0], d[1]);
        _y = _cpu.Allocate(d[0], d[1]);
        _dy = _cpu.Allocate(d[0], d[1]);
        _dx = _cpu.Allocate(d[0], d[1]);
        var random = new RandomStream(seed: 42);
        _cpu.FillNormal(random, T.Zero, T.One, _x);
        _cpu.FillNormal(random, T.Zero, T.One, _dy);
        _norm.Forward(_x, _y);
    }

    [Benchmark] public void Forward() => _norm.Forward(_x, _y);

    [Benchmark] public void Backward() => _norm.Backward(_x, _dy, _dx);

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose(); _y.Dispose(); _dy.Dispose(); _dx.Dispose();
        _norm.Dispose();
        _cpu.Dispose();
    }

    /// <inheritdoc />
    public double? Flops(string method, Func<string, object?> parameter) => null;

    /// <inheritdoc />
    public double? Bytes(string method, Func<string, object?> parameter)
    {
        var d = BenchSettings.Dims((string)parameter(nameof(Shape))!);
        double n = (double)d[0] * d[1] * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        return method == nameof(Forward) ? 2 * n : 3 * n; // forward reads x, writes y; backward reads x and dy, writes dx
    }

    /// <inheritdoc />
    public int ThreadCount(Func<string, object?> parameter) => (int)parameter(nameof(Threads))!;
}
