using BenchmarkDotNet.Attributes;
using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Bench;

/// <summary>
/// One full training step of a character-level recurrent language model in float, as the trainer runs it: zero the
/// gradients, forward (embedding → 2-layer stack → head → mean cross-entropy over T·B tokens), backward, clip the
/// global norm to 1, Adam. Shapes are <c>VxExH</c> (vocabulary, embedding, hidden) at T=64, B=32
/// (override with <c>SEQCORE_BENCH_LM_SHAPES</c>). FLOPs counted are the GEMMs' (see <c>seqcore bench lm</c>).
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class LanguageModelBenchmarks : ICountedBenchmark
{
    private const int Steps = 64, Batch = 32, Layers = 2;
    private CpuBackend<float> _cpu = null!;
    private LanguageModel<float> _model = null!;
    private Adam<float> _adam = null!;
    private int[] _tokens = null!, _targets = null!;

    /// <summary>lstm, gru or rnn (tanh).</summary>
    [Params("lstm", "gru")]
    public string Arch { get; set; } = "lstm";

    /// <summary>VxExH.</summary>
    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "96x256x512";

    /// <summary>CPU backend threads.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    /// <summary>A character model (V=96) and a small word model (V=10000).</summary>
    public static IEnumerable<string> Shapes() => BenchSettings.Shapes("SEQCORE_BENCH_LM_SHAPES", "96x256x512", "10000x256x256");

    /// <summary>1 and every core.</summary>
    public static IEnumerable<int> ThreadCounts() => BenchSettings.Threads();

    [GlobalSetup]
    public void Setup()
    {
        var d = BenchSettings.Dims(Shape);
        _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = Threads });
        _model = new LanguageModel<float>(_cpu, new LanguageModelConfig { Arch = Arch, VocabSize = d[0], EmbeddingSize = d[1], HiddenSize = d[2], Layers = Layers },
            new RandomStream(42));
        _adam = new Adam<float>(_cpu, _model.Parameters, 1e-3);
        var rng = new System.Random(42);
        int[] stream = Enumerable.Range(0, (Steps + 1) * Batch).Select(_ => rng.Next(d[0])).ToArray();
        _tokens = stream[..(Steps * Batch)];
        _targets = stream[Batch..];
    }

    [Benchmark]
    public void TrainingStep()
    {
        _adam.ZeroGrad();
        _model.Forward(_tokens, _targets, Steps, Batch);
        _model.Backward();
        GradientTools.ClipGradNorm(_cpu, _model.Parameters, 1.0);
        _adam.Step();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _adam.Dispose();
        _model.Dispose();
        _cpu.Dispose();
    }

    /// <inheritdoc />
    public double? Flops(string method, Func<string, object?> parameter)
    {
        var d = BenchSettings.Dims((string)parameter(nameof(Shape))!);
        int gates = (string)parameter(nameof(Arch))! switch { "lstm" => 4, "gru" => 3, _ => 1 };
        double tb = (double)Steps * Batch;
        double forward = 2 * tb * (d[1] + d[2]) * gates * d[2] + (Layers - 1) * 2 * tb * (2.0 * d[2]) * gates * d[2] + 2 * tb * d[2] * d[0];
        return 3 * forward;
    }

    /// <inheritdoc />
    public double? Bytes(string method, Func<string, object?> parameter) => null;

    /// <inheritdoc />
    public int ThreadCount(Func<string, object?> parameter) => (int)parameter(nameof(Threads))!;
}
