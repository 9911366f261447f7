using BenchmarkDotNet.Attributes;
using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Bench;

/// <summary>
/// One training step of a character language model (73 tokens, as the KJV demo) in float, exactly what
/// <c>seqcore train</c> runs per batch: forward, cross-entropy, backward, gradient clipping and an Adam step, over a
/// <c>[64, 32]</c> window with the hidden state carried. <c>demo-lstm</c> is the demo's model (E 32, H 128);
/// <c>lstm-256</c> a larger LSTM (E 64, H 256); <c>transformer</c> two 64-wide pre-LN blocks with a context of 64.
/// Divide 2048 tokens by the mean time for tokens per second.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class LanguageModelBenchmarks : ICountedBenchmark
{
    private CpuBackend<float> _cpu = null!;
    private LanguageModel<float> _model = null!;
    private LanguageModelState<float>? _state;
    private Adam<float> _adam = null!;
    private int[] _x = [], _y = [];
    private const int Steps = 64, Batch = 32, Vocab = 73;

    /// <summary>demo-lstm, lstm-256 or transformer.</summary>
    [Params("demo-lstm", "lstm-256", "transformer")]
    public string Model { get; set; } = "demo-lstm";

    /// <summary>CPU backend threads.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    /// <summary>1 and every core.</summary>
    public static IEnumerable<int> ThreadCounts() => BenchSettings.Threads();

    [GlobalSetup]
    public void Setup()
    {
        _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = Threads });
        var config = Model switch
        {
            "lstm-256" => new LanguageModelConfig { VocabularySize = Vocab, EmbeddingSize = 64, HiddenSize = 256 },
            "transformer" => new LanguageModelConfig { Arch = "transformer", VocabularySize = Vocab, EmbeddingSize = 64, Heads = 4, Layers = 2, ContextLength = Steps },
            _ => new LanguageModelConfig { VocabularySize = Vocab, EmbeddingSize = 32, HiddenSize = 128 },
        };
        var random = new RandomStream(42);
        _model = new LanguageModel<float>(_cpu, config, random);
        _state = _model.IsRecurrent ? _model.CreateState(Batch) : null;
        _state?.Reset();
        _adam = new Adam<float>(_cpu, _model.Parameters, 1e-3);
        _x = Enumerable.Range(0, Steps * Batch).Select(_ => random.NextInt(Vocab)).ToArray();
        _y = Enumerable.Range(0, Steps * Batch).Select(_ => random.NextInt(Vocab)).ToArray();
    }

    [Benchmark]
    public double TrainingStep()
    {
        _adam.ZeroGrad();
        double loss = _model.Forward(_x, _y, Steps, Batch, _state);
        _model.Backward();
        GradientTools.ClipGradNorm(_cpu, _model.Parameters, 1.0);
        _adam.Step();
        return loss;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _adam.Dispose();
        _state?.Dispose();
        _model.Dispose();
        _cpu.Dispose();
    }

    /// <inheritdoc />
    public double? Flops(string method, Func<string, object?> parameter) => null;

    /// <inheritdoc />
    public double? Bytes(string method, Func<string, object?> parameter) => null;

    /// <inheritdoc />
    public int ThreadCount(Func<string, object?> parameter) => (int)parameter(nameof(Threads))!;
}
