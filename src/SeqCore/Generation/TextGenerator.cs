using System.Numerics;
using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Generation;

/// <summary>
/// Continues a prompt with a <see cref="LanguageModel{T}"/>: the prompt's tokens are fed one by one through a
/// <see cref="LanguageModelDecoder{T}"/>, then each new token is sampled, handed to a callback at once (so a console can
/// print it as it is made) and fed back in.
/// </summary>
public static class TextGenerator
{
    /// <summary>
    /// Generates <paramref name="count"/> tokens after <paramref name="prompt"/> (at least one token) and returns them.
    /// The same model, prompt, options and seed give the same tokens.
    /// </summary>
    public static int[] Generate<T>(LanguageModel<T> model, ReadOnlySpan<int> prompt, int count, SamplingOptions options, ulong seed,
        Action<int>? onToken = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        if (prompt.IsEmpty) throw new ArgumentException("TextGenerator: the prompt needs at least one token.", nameof(prompt));
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"TextGenerator: count must be ≥ 0, got {count}.");
        var sampler = new TokenSampler(options, new RandomStream(seed));
        using var decoder = new LanguageModelDecoder<T>(model);
        ReadOnlySpan<double> logits = default;
        foreach (int token in prompt) logits = decoder.Feed(token);
        var result = new int[count];
        for (int i = 0; i < count; i++)
        {
            int next = sampler.Sample(logits);
            result[i] = next;
            onToken?.Invoke(next);
            if (i + 1 < count) logits = decoder.Feed(next);
        }
        return result;
    }

    /// <summary>
    /// Generates <paramref name="count"/> tokens after the same <paramref name="prompt"/> in each of
    /// <paramref name="streams"/> independent streams decoded together as one batch (one forward per token for all
    /// streams; a transformer encodes the prompt in one pass). Stream i samples from its own random stream, seeded
    /// <c>seed + i</c>, so stream 0 draws as <see cref="Generate{T}"/> with the same seed does. Returns the tokens of each stream.
    /// </summary>
    public static int[][] GenerateBatch<T>(LanguageModel<T> model, ReadOnlySpan<int> prompt, int count, int streams, SamplingOptions options,
        ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        if (prompt.IsEmpty) throw new ArgumentException("TextGenerator: the prompt needs at least one token.", nameof(prompt));
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"TextGenerator: count must be ≥ 0, got {count}.");
        if (streams <= 0) throw new ArgumentOutOfRangeException(nameof(streams), $"TextGenerator: streams must be positive, got {streams}.");
        int v = model.Config.VocabularySize;
        var samplers = new TokenSampler[streams];
        for (int i = 0; i < streams; i++) samplers[i] = new TokenSampler(options, new RandomStream(seed + (ulong)i));
        using var decoder = new LanguageModelDecoder<T>(model, streams);
        var logits = decoder.FeedPrompt(prompt);
        var result = new int[streams][];
        for (int i = 0; i < streams; i++) result[i] = new int[count];
        var next = new int[streams];
        for (int t = 0; t < count; t++)
        {
            for (int i = 0; i < streams; i++) result[i][t] = next[i] = samplers[i].Sample(logits.Slice(i * v, v));
            if (t + 1 < count) logits = decoder.Feed(next);
        }
        return result;
    }
}
