using System.Diagnostics;
using System.Numerics;
using SeqCore.Generation;
using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Cli.Benchmarks;

/// <summary>One generation benchmark case: a language model (recurrent: embedding E → Layers × cell H → head V; or a
/// pre-LN transformer of width E with learned positions and a KV cache) continuing a P-token prompt by N sampled tokens
/// in B streams at once.</summary>
internal sealed record GenerationCase(string Arch, int Layers, int Vocab, int Embed, int Hidden, int Heads, int Context, int Prompt,
    int Tokens, int Streams, int Threads, string Type)
{
    public string Name => Arch == "transformer"
        ? $"generate.transformer.L{Layers}.V{Vocab}.E{Embed}.h{Heads}.P{Prompt}.N{Tokens}.B{Streams}.{Type}.t{Threads}"
        : $"generate.{Arch}.L{Layers}.V{Vocab}.E{Embed}.H{Hidden}.P{Prompt}.N{Tokens}.B{Streams}.{Type}.t{Threads}";
}

/// <summary>The JSON line of one case: <c>median_ms</c> is one whole generation (prompt and N tokens in every stream),
/// <c>tokens_per_s</c> the generated tokens of all streams per second.</summary>
internal sealed record GenerationResult(string Suite, string Case, string Arch, string Type, int Threads, int Streams, int Prompt, int Tokens,
    double MedianMs, double MinMs, int Repeat, double TokensPerS, double MsPerToken);

/// <summary>
/// Times <see cref="TextGenerator.GenerateBatch{T}"/> (temperature-1 sampling on the host between tokens; a transformer
/// encodes the prompt in one pass and then decodes through its KV cache) with random weights: the work per token does not
/// depend on what the weights learned. The same loop as <c>torch_bench.py generate</c>.
/// </summary>
internal static class GenerationRunner
{
    public static GenerationResult Run(GenerationCase c, int? repeat) => c.Type == "double" ? Run<double>(c, repeat) : Run<float>(c, repeat);

    private static GenerationResult Run<T>(GenerationCase c, int? repeat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var be = BackendOption.Open<T>("cpu", c.Threads);
        var config = c.Arch == "transformer"
            ? new LanguageModelConfig { Arch = "transformer", VocabularySize = c.Vocab, EmbeddingSize = c.Embed, Heads = c.Heads, Layers = c.Layers, ContextLength = c.Context }
            : new LanguageModelConfig { Arch = c.Arch, VocabularySize = c.Vocab, EmbeddingSize = c.Embed, HiddenSize = c.Hidden, Layers = c.Layers };
        using var model = new LanguageModel<T>(be, config, new RandomStream(1));
        var rng = new System.Random(1);
        int[] prompt = [.. Enumerable.Range(0, c.Prompt).Select(_ => rng.Next(c.Vocab))];
        var options = new SamplingOptions { Temperature = 1.0 };
        ulong seed = 1;
        Action generate = () => TextGenerator.GenerateBatch(model, prompt, c.Tokens, c.Streams, options, seed++);

        long start = Stopwatch.GetTimestamp();
        for (int calls = 0; ; calls++) // warm-up: StepTimer's rule
        {
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if ((calls >= 3 && elapsed >= 0.5) || elapsed >= 2.0) break;
            generate();
        }
        long t0 = Stopwatch.GetTimestamp();
        generate();
        int runs = repeat ?? StepTimer.DefaultRuns(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long t = Stopwatch.GetTimestamp();
            generate();
            times[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
        Array.Sort(times);
        double median = times[runs / 2];
        double tokens = (double)c.Tokens * c.Streams;
        return new GenerationResult("generate", c.Name, c.Arch, c.Type, c.Threads, c.Streams, c.Prompt, c.Tokens, median, times[0], runs,
            tokens / (median * 1e-3), median / c.Tokens);
    }
}
