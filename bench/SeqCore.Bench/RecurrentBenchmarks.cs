using BenchmarkDotNet.Attributes;
using SeqCore.Cpu;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Bench;

/// <summary>
/// A single layer of each cell of <see cref="CellCatalogue"/> on the CPU backend in float: <c>Forward</c> alone and
/// <c>TrainingStep</c> (forward + backward of the whole sequence, input gradient included). Shapes are <c>TxBxH</c> with
/// input width = H
/// (override with <c>SEQCORE_BENCH_RNN_SHAPES</c>, e.g. the full grid T ∈ {16, 64, 256}, B ∈ {1, 8, 32, 128},
/// H ∈ {128, 256, 512, 1024}). FLOPs counted are the GEMMs': forward 2·T·B·(I+H)·G·H, a step three times that.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class RecurrentBenchmarks : ICountedBenchmark
{
    private CpuBackend<float> _cpu = null!;
    private RecurrentLayer<float> _layer = null!;
    private Tensor<float> _x = null!, _y = null!, _dy = null!, _dx = null!;

    /// <summary>A cell name of <see cref="CellCatalogue"/>.</summary>
    [ParamsSource(nameof(Cells))]
    public string Cell { get; set; } = "lstm";

    /// <summary>TxBxH.</summary>
    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "64x32x256";

    /// <summary>CPU backend threads.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    /// <summary>Every cell of the catalogue.</summary>
    public static IEnumerable<string> Cells() => CellCatalogue.Names;

    /// <summary>The reference shape of the issue (T=64, B=32, H=256) and its neighbours in B and H.</summary>
    public static IEnumerable<string> Shapes() => BenchSettings.Shapes("SEQCORE_BENCH_RNN_SHAPES",
        "64x32x256", "64x8x256", "64x128x256", "64x32x512", "16x32x1024", "256x32x128");

    /// <summary>1 and every core.</summary>
    public static IEnumerable<int> ThreadCounts() => BenchSettings.Threads();

    [GlobalSetup]
    public void Setup()
    {
        var d = BenchSettings.Dims(Shape);
        int steps = d[0], batch = d[1], hidden = d[2];
        _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = Threads });
        var random = new RandomStream(seed: 42);
        _layer = new RecurrentLayer<float>(_cpu, new RecurrentOptions { Cell = CellCatalogue.Parse(Cell, nameof(Cell)).Kind, InputSize = hidden, HiddenSize = hidden }, random);
        _x = _cpu.Allocate(steps, batch, hidden);
        _y = _cpu.Allocate(steps, batch, hidden);
        _dy = _cpu.Allocate(steps, batch, hidden);
        _dx = _cpu.Allocate(steps, batch, hidden);
        _cpu.FillUniform(random, -1f, 1f, _x);
        _cpu.FillUniform(random, -1f, 1f, _dy);
    }

    [Benchmark]
    public void Forward() => _layer.Forward(_x, [], null, null, _y, null, null);

    [Benchmark]
    public void TrainingStep()
    {
        _layer.Forward(_x, [], null, null, _y, null, null);
        _layer.Backward(_dy, null, null, _dx, null, null);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose(); _y.Dispose(); _dy.Dispose(); _dx.Dispose();
        _layer.Dispose();
        _cpu.Dispose();
    }

    /// <inheritdoc />
    public double? Flops(string method, Func<string, object?> parameter)
    {
        var d = BenchSettings.Dims((string)parameter(nameof(Shape))!);
        int gates = CellCatalogue.Parse((string)parameter(nameof(Cell))!, nameof(Cell)).Gates;
        double forward = 2.0 * d[0] * d[1] * (2.0 * d[2]) * gates * d[2];
        return method == nameof(TrainingStep) ? 3 * forward : forward;
    }

    /// <inheritdoc />
    public double? Bytes(string method, Func<string, object?> parameter) => null;

    /// <inheritdoc />
    public int ThreadCount(Func<string, object?> parameter) => (int)parameter(nameof(Threads))!;
}
