using System.Numerics;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Cli.Benchmarks;

/// <summary>One language-model benchmark case over [T, B] tokens: a recurrent LM (embedding E → <c>Layers</c> × cell H →
/// head V), or a transformer LM (embedding E + learned positions → <c>Layers</c> causal pre-LN blocks of
/// <c>Heads</c> heads, feed-forward 4E → final norm → head V, context T). A recurrent case carries no heads (0) and a
/// transformer no hidden width (0), so the cross product of the options yields each case once.</summary>
internal sealed record LanguageModelCase
{
    public LanguageModelCase(string arch, int layers, int vocab, int embed, int hidden, int steps, int batch, int threads, string type, int heads = 4)
    {
        bool transformer = arch == LanguageModelConfig.TransformerArch;
        (Arch, Layers, Vocab, Embed, Steps, Batch, Threads, Type) = (arch, layers, vocab, embed, steps, batch, threads, type);
        Hidden = transformer ? 0 : hidden;
        Heads = transformer ? heads : 0;
    }

    public string Arch { get; }
    public int Layers { get; }
    public int Vocab { get; }
    public int Embed { get; }
    public int Hidden { get; }
    public int Heads { get; }
    public int Steps { get; }
    public int Batch { get; }
    public int Threads { get; }
    public string Type { get; }
    public bool IsTransformer => Heads > 0;

    public string Name => IsTransformer
        ? $"lm.transformer.L{Layers}.V{Vocab}.E{Embed}.h{Heads}.T{Steps}.B{Batch}.{Type}.t{Threads}"
        : $"lm.{Arch}.L{Layers}.V{Vocab}.E{Embed}.H{Hidden}.T{Steps}.B{Batch}.{Type}.t{Threads}";
}

/// <summary>The JSON line of one case; <c>median_ms</c> is one full training step.</summary>
internal sealed record LanguageModelResult(string Suite, string Case, string Arch, string Type, int Threads, int Layers, int Vocab, int Embed,
    int Hidden, int Seq, int Batch, double ForwardMs, double MedianMs, double MinMs, int Repeat, double TokensPerS, double Gflops,
    long AllocatedBytesPerStep);

/// <summary>
/// Times one training step of a <see cref="LanguageModel{T}"/> exactly as the trainer runs it: zero the gradients,
/// forward with the mean cross-entropy over T·B tokens, backward, clip the global gradient norm to 1, Adam step. The
/// forward column is the forward pass with the loss alone. The same work as <c>torch_bench.py lm</c>.
/// </summary>
internal static class LanguageModelRunner
{
    public static LanguageModelResult Run(LanguageModelCase c, int? repeat) => c.Type == "double" ? Run<double>(c, repeat) : Run<float>(c, repeat);

    /// <summary>Where one training step's time goes, by op family, on the CPU backend (per-step GEMMs: B rows).</summary>
    public static StepProfile Profile(LanguageModelCase c, int? repeat) => c.Type == "double" ? Profile<double>(c, repeat) : Profile<float>(c, repeat);

    private static LanguageModelResult Run<T>(LanguageModelCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var be = BackendOption.Open<T>("cpu", c.Threads);
        return With(be, c, (forwardOnly, step) =>
        {
            var s = StepTimer.Measure(forwardOnly, step, repeat);
            int n = c.Steps * c.Batch;
            return new LanguageModelResult("lm", c.Name, c.Arch, c.Type, c.Threads, c.Layers, c.Vocab, c.Embed, c.Hidden, c.Steps, c.Batch,
                s.ForwardMs, s.MedianMs, s.MinMs, s.Runs, n / (s.MedianMs * 1e-3), Flops(c) / (s.MedianMs * 1e-3) / 1e9, s.AllocatedBytesPerStep);
        });
    }

    private static StepProfile Profile<T>(LanguageModelCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var cpu = BackendOption.Open<T>("cpu", c.Threads);
        var be = new ProfilingBackend<T>(cpu, stepRows: c.Batch);
        return With(be, c, (_, step) => StepProfiler.Profile(be, step, repeat, c.Name, c.Type, c.Threads));
    }

    /// <summary>Builds the model, its optimizer and random tokens on <paramref name="be"/> and hands
    /// <paramref name="measure"/> the forward pass with the loss alone and the whole training step.</summary>
    private static TResult With<T, TResult>(IBackend<T> be, LanguageModelCase c, Func<Action, Action, TResult> measure) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var config = c.IsTransformer
            ? new LanguageModelConfig { Arch = c.Arch, VocabularySize = c.Vocab, EmbeddingSize = c.Embed, Heads = c.Heads, ContextLength = c.Steps, Layers = c.Layers }
            : new LanguageModelConfig { Arch = c.Arch, VocabularySize = c.Vocab, EmbeddingSize = c.Embed, HiddenSize = c.Hidden, Layers = c.Layers };
        using var model = new LanguageModel<T>(be, config, new RandomStream(1));
        using var adam = new Adam<T>(be, model.Parameters, 1e-3);
        var rng = new System.Random(1);
        int n = c.Steps * c.Batch;
        int[] stream = Enumerable.Range(0, n + c.Batch).Select(_ => rng.Next(c.Vocab)).ToArray();
        int[] tokens = stream[..n], targets = stream[c.Batch..];

        Action forwardOnly = () => model.Forward(tokens, targets, c.Steps, c.Batch);
        Action step = () =>
        {
            adam.ZeroGrad();
            model.Forward(tokens, targets, c.Steps, c.Batch);
            model.Backward();
            GradientTools.ClipGradNorm(be, model.Parameters, 1.0);
            adam.Step();
        };
        return measure(forwardOnly, step);
    }

    /// <summary>GEMM FLOPs of a step, forward ×3: every layer's 2·T·B·(I+H)·G·H (I = E for the first layer, H above)
    /// and the head's 2·T·B·H·V. Transformer: per token and layer 24·E² (Q, K, V, output and the two feed-forward
    /// products) plus causal attention 2·T·E on average (scores and weighted values over T/2 keys), and the head.</summary>
    public static double Flops(LanguageModelCase c)
    {
        if (c.IsTransformer)
        {
            double tokens = (double)c.Steps * c.Batch, e = c.Embed;
            return 3 * tokens * (c.Layers * (24 * e * e + 2.0 * c.Steps * e) + 2 * e * c.Vocab);
        }
        int gates = CellCatalogue.Parse(c.Arch, "language model benchmark").Gates;
        double tb = (double)c.Steps * c.Batch, forward = 0;
        for (int l = 0; l < c.Layers; l++) forward += 2 * tb * ((l == 0 ? c.Embed : c.Hidden) + c.Hidden) * gates * c.Hidden;
        forward += 2 * tb * c.Hidden * c.Vocab;
        return 3 * forward;
    }
}
