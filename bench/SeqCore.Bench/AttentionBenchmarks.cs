using BenchmarkDotNet.Attributes;
using SeqCore.Cpu;
using SeqCore.Layers.Attention;
using SeqCore.Random;

namespace SeqCore.Bench;

/// <summary>
/// Multi-head self-attention (packed QKV projection, tiled attention, output projection) on the CPU backend in float,
/// batch-first: <c>Forward</c> and <c>TrainingStep</c> (forward + backward). T ∈ {128, 512, 2048}, causal and not,
/// B = 4, E = 256, h = 4 (override T with <c>SEQCORE_BENCH_ATTN_SEQ</c>). FLOPs: projections 8·B·T·E² and the attention
/// 4·B·T²·E (halved under the causal mask) forward; a step three times that.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class AttentionBenchmarks : ICountedBenchmark
{
    private const int Batch = 4, Embed = 256, Heads = 4;
    private CpuBackend<float> _cpu = null!;
    private MultiHeadAttention<float> _mha = null!;
    private Tensor<float> _x = null!, _y = null!, _dy = null!, _dx = null!;

    /// <summary>Sequence length T.</summary>
    [ParamsSource(nameof(Lengths))]
    public int Seq { get; set; } = 128;

    /// <summary>Causal mask or full attention.</summary>
    [Params(true, false)]
    public bool Causal { get; set; } = true;

    /// <summary>CPU backend threads.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    /// <summary>128, 512 and 2048.</summary>
    public static IEnumerable<int> Lengths() => BenchSettings.Shapes("SEQCORE_BENCH_ATTN_SEQ", "128", "512", "2048").Select(int.Parse);

    /// <summary>1 and every core.</summary>
    public static IEnumerable<int> ThreadCounts() => BenchSettings.Threads();

    [GlobalSetup]
    public void Setup()
    {
        _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = Threads });
        var random = new RandomStream(seed: 42);
        _mha = new MultiHeadAttention<float>(_cpu, new MultiHeadAttentionOptions { EmbeddingSize = Embed, Heads = Heads, BatchFirst = true }, random);
        _x = _cpu.Allocate(Batch, Seq, Embed);
        _y = _cpu.Allocate(Batch, Seq, Embed);
        _dy = _cpu.Allocate(Batch, Seq, Embed);
        _dx = _cpu.Allocate(Batch, Seq, Embed);
        _cpu.FillUniform(random, -1f, 1f, _x);
        _cpu.FillUniform(random, -1f, 1f, _dy);
    }

    [Benchmark]
    public void Forward() => _mha.Forward(_x, _x, _x, [], Causal, _y);

    [Benchmark]
    public void TrainingStep()
    {
        _mha.Forward(_x, _x, _x, [], Causal, _y);
        _mha.Backward(_dy, _dx);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose(); _y.Dispose(); _dy.Dispose(); _dx.Dispose();
        _mha.Dispose();
        _cpu.Dispose();
    }

    /// <inheritdoc />
    public double? Flops(string method, Func<string, object?> parameter)
    {
        double t = (int)parameter(nameof(Seq))!;
        double attention = 4.0 * Batch * t * t * Embed * ((bool)parameter(nameof(Causal))! ? 0.5 : 1.0);
        double forward = 8.0 * Batch * t * Embed * Embed + attention;
        return method == nameof(TrainingStep) ? 3 * forward : forward;
    }

    /// <inheritdoc />
    public double? Bytes(string method, Func<string, object?> parameter) => null;

    /// <inheritdoc />
    public int ThreadCount(Func<string, object?> parameter) => (int)parameter(nameof(Threads))!;
}
