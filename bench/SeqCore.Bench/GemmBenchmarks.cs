using System.Numerics;
using BenchmarkDotNet.Attributes;
using SeqCore.Cpu;
using SeqCore.Random;

namespace SeqCore.Bench;

/// <summary>
/// <c>C[m,n] = A[m,k]·B[k,n]</c> through <see cref="IBackend{T}.Gemm"/> on the CPU backend: square sizes and the
/// tall-skinny shapes of recurrent layers (one time step: 32×1024×256; all steps' input projection: 2048×1024×256).
/// Shapes are <c>MxNxK</c> (override with <c>SEQCORE_BENCH_SHAPES</c>).
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemmBenchmarks<T> : ICountedBenchmark where T : unmanaged, IFloatingPointIeee754<T>
{
    private CpuBackend<T> _cpu = null!;
    private Tensor<T> _a = null!, _b = null!, _c = null!;
    private int _m, _n, _k;

    /// <summary>MxNxK.</summary>
    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "64x64x64";

    /// <summary>CPU backend threads.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    /// <summary>Square 64…2048, then the tall-skinny recurrent shapes.</summary>
    public static IEnumerable<string> Shapes() => BenchSettings.Shapes("SEQCORE_BENCH_SHAPES",
        "64x64x64", "128x128x128", "256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048",
        "32x1024x256", "2048x1024x256");

    /// <summary>1 and every core.</summary>
    public static IEnumerable<int> ThreadCounts() => BenchSettings.Threads();

    [GlobalSetup]
    public void Setup()
    {
        (_m, _n, _k) = Parse(Shape);
        _cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = Threads });
        _a = _cpu.Allocate(_m, _k);
        _b = _cpu.Allocate(_k, _n);
        _c = _cpu.Allocate(_m, _n);
        var random = new RandomStream(seed: 42);
        _cpu.FillUniform(random, -T.One, T.One, _a);
        _cpu.FillUniform(random, -T.One, T.One, _b);
    }

    [Benchmark]
    public void Gemm() => _cpu.Gemm(Transpose.No, Transpose.No, _m, _n, _k, T.One, _a, _k, _b, _n, T.Zero, _c, _n);

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose(); _b.Dispose(); _c.Dispose();
        _cpu.Dispose();
    }

    private static (int M, int N, int K) Parse(string shape)
    {
        var d = BenchSettings.Dims(shape);
        return (d[0], d[1], d[2]);
    }

    /// <inheritdoc />
    public double? Flops(string method, Func<string, object?> parameter)
    {
        var (m, n, k) = Parse((string)parameter(nameof(Shape))!);
        return 2.0 * m * n * k;
    }

    /// <inheritdoc />
    public double? Bytes(string method, Func<string, object?> parameter) => null;

    /// <inheritdoc />
    public int ThreadCount(Func<string, object?> parameter) => (int)parameter(nameof(Threads))!;
}
