using System.Numerics;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Cli.Benchmarks;

/// <summary>One transformer seq2seq benchmark case: <c>Layers</c> encoder and <c>Layers</c> decoder blocks of width E
/// with H heads and feed-forward F, one embedding of V ids for source, target and output, over B pairs of S source and
/// T target steps (no padding).</summary>
internal sealed record Seq2SeqCase(int Layers, int Vocab, int Embed, int Heads, int FeedForward, int Source, int Target, int Batch,
    double Dropout, int Threads, string Type)
{
    public string Name => $"seq2seq.transformer.L{Layers}+{Layers}.V{Vocab}.E{Embed}.h{Heads}.F{FeedForward}.S{Source}.T{Target}.B{Batch}.{Type}.t{Threads}";
}

/// <summary>The JSON line of one case; <c>median_ms</c> is one full training step, <c>tokens_per_s</c> counts target tokens.</summary>
internal sealed record Seq2SeqResult(string Suite, string Case, string Type, int Threads, int Layers, int Vocab, int Embed, int Heads,
    int FeedForward, int Source, int Target, int Batch, double ForwardMs, double MedianMs, double MinMs, int Repeat, double TokensPerS,
    double Gflops, long AllocatedBytesPerStep);

/// <summary>
/// Times one training step of a <see cref="TransformerSeq2Seq{T}"/> as the trainer runs it on a batch: zero the
/// gradients, forward with the label-smoothed (0.1) mean cross-entropy per target token, backward, clip the global
/// gradient norm to 1, Adam step — pre-LN, sinusoidal positions, one shared embedding, dropout as given. The forward
/// column is the forward with the loss alone (no dropout; not comparable with PyTorch's, which runs under no_grad with
/// dropout). The same step as <c>torch_bench.py seq2seq</c> (<c>nn.Transformer</c>, attention-probability dropout off
/// as here), except that SeqCore's step also copies the logits to the host for the token accuracy the trainer reports.
/// </summary>
internal static class Seq2SeqRunner
{
    public static Seq2SeqResult Run(Seq2SeqCase c, int? repeat) => c.Type == "double" ? Run<double>(c, repeat) : Run<float>(c, repeat);

    /// <summary>Where one training step's time goes, by op family, on the CPU backend.</summary>
    public static StepProfile Profile(Seq2SeqCase c, int? repeat) => c.Type == "double" ? Profile<double>(c, repeat) : Profile<float>(c, repeat);

    private static Seq2SeqResult Run<T>(Seq2SeqCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var be = BackendOption.Open<T>("cpu", c.Threads);
        return With(be, c, (forwardOnly, step) =>
        {
            var s = StepTimer.Measure(forwardOnly, step, repeat);
            return new Seq2SeqResult("seq2seq", c.Name, c.Type, c.Threads, c.Layers, c.Vocab, c.Embed, c.Heads, c.FeedForward, c.Source, c.Target,
                c.Batch, s.ForwardMs, s.MedianMs, s.MinMs, s.Runs, (double)c.Target * c.Batch / (s.MedianMs * 1e-3), Flops(c) / (s.MedianMs * 1e-3) / 1e9,
                s.AllocatedBytesPerStep);
        });
    }

    private static StepProfile Profile<T>(Seq2SeqCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var cpu = BackendOption.Open<T>("cpu", c.Threads);
        var be = new ProfilingBackend<T>(cpu, stepRows: 0); // no recurrence: every GEMM is a projection or a weight gradient
        return With(be, c, (_, step) => StepProfiler.Profile(be, step, repeat, c.Name, c.Type, c.Threads));
    }

    /// <summary>Builds the model, its optimizer and a batch of random pairs on <paramref name="be"/> and hands
    /// <paramref name="measure"/> the forward with the loss alone and the whole training step.</summary>
    private static TResult With<T, TResult>(IBackend<T> be, Seq2SeqCase c, Func<Action, Action, TResult> measure) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var config = new TransformerSeq2SeqConfig
        {
            SourceVocabularySize = c.Vocab, TargetVocabularySize = c.Vocab, EmbeddingSize = c.Embed, Heads = c.Heads, FeedForwardSize = c.FeedForward,
            EncoderLayers = c.Layers, DecoderLayers = c.Layers, Dropout = c.Dropout, NormFirst = true, Positions = "sinusoidal",
            MaxLength = Math.Max(c.Source, c.Target), ShareEmbeddings = true, LabelSmoothing = 0.1,
        };
        using var model = new TransformerSeq2Seq<T>(be, config, new RandomStream(1));
        using var adam = new Adam<T>(be, model.Parameters, 1e-3);
        var batch = RandomBatch(c);
        var dropout = new RandomStream(2);

        Action forwardOnly = () => model.TrainingForward(batch, null);
        Action step = () =>
        {
            adam.ZeroGrad();
            model.TrainStep(batch, dropout);
            GradientTools.ClipGradNorm(be, model.Parameters, 1.0);
            adam.Step();
        };
        return measure(forwardOnly, step);
    }

    /// <summary>B pairs of random ids from 3 on (after <c>&lt;pad&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>): sources of S ids ending with <c>&lt;/s&gt;</c>, targets of
    /// T − 1 ids (the batch adds <c>&lt;s&gt;</c> before and <c>&lt;/s&gt;</c> after: T decoder steps).</summary>
    private static Seq2SeqBatch RandomBatch(Seq2SeqCase c)
    {
        var rng = new System.Random(1);
        int first = Seq2SeqVocabulary.Eos + 1;
        var sources = new int[c.Batch][];
        var targets = new int[c.Batch][];
        for (int b = 0; b < c.Batch; b++)
        {
            sources[b] = [.. Enumerable.Range(0, c.Source - 1).Select(_ => rng.Next(first, c.Vocab)), Seq2SeqVocabulary.Eos];
            targets[b] = [.. Enumerable.Range(0, c.Target - 1).Select(_ => rng.Next(first, c.Vocab))];
        }
        return new Seq2SeqBatch(sources, targets);
    }

    /// <summary>FLOPs of a step, forward ×3. Per encoder layer and source token: the four E×E projections 8E², the
    /// attention scores and values 4SE, the feed-forward 4EF. Per decoder layer and target token: self-attention 8E² +
    /// 4TE (full T, though causal), cross-attention 4E² (query, output) + 4SE, feed-forward 4EF; per decoder layer and
    /// source token the cross-attention's key and value projections 4E². The output layer 2EV per target token.</summary>
    public static double Flops(Seq2SeqCase c)
    {
        double e = c.Embed, f = c.FeedForward, s = c.Source, t = c.Target, b = c.Batch;
        double encoder = c.Layers * b * s * (8 * e * e + 4 * s * e + 4 * e * f);
        double decoder = c.Layers * b * (t * (8 * e * e + 4 * t * e + 4 * e * e + 4 * s * e + 4 * e * f) + s * 4 * e * e);
        double output = b * t * 2 * e * c.Vocab;
        return 3 * (encoder + decoder + output);
    }
}
