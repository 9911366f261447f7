using System.Numerics;

namespace SeqCore.Models;

/// <summary>
/// How well a language model predicts a text: the mean negative log-likelihood per token (nats), and from it bits per
/// token (NLL/ln 2), bits per character (total NLL / (characters · ln 2)) and perplexity (e^NLL).
/// </summary>
/// <param name="Nll">Mean NLL per predicted token, in nats.</param>
/// <param name="Tokens">Tokens predicted.</param>
/// <param name="Characters">Characters of text those tokens cover (for bits per character; equals Tokens for a
/// character model).</param>
public sealed record LanguageModelMetrics(double Nll, long Tokens, long Characters)
{
    /// <summary>NLL / ln 2.</summary>
    public double BitsPerToken => Nll / Math.Log(2);

    /// <summary>Total NLL in bits divided by the characters covered.</summary>
    public double BitsPerCharacter => Characters > 0 ? Nll * Tokens / (Characters * Math.Log(2)) : double.NaN;

    /// <summary>e^NLL.</summary>
    public double Perplexity => Math.Exp(Nll);
}

/// <summary>
/// Per-token NLL of a token sequence, each token predicted from the ones before it. The sequence is cut into
/// <c>B</c> contiguous streams of <c>S = (N − 1) / B</c> predictions (the last <c>(N − 1) mod B</c> are left out), each
/// read in windows of <c>W</c> tokens: a recurrent model carries its state from window to window of a stream (so
/// the windows change nothing but speed); a transformer sees each window on its own, from position 0
/// (W ≤ its context length), so tokens early in a window have less context.
/// </summary>
public static class LanguageModelEvaluator
{
    /// <summary>The mean NLL (nats per token) and the count of predicted tokens; no gradients, no dropout.</summary>
    public static (double Nll, long Tokens) Evaluate<T>(LanguageModel<T> model, ReadOnlySpan<int> tokens, int batch, int window)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        if (batch <= 0 || window <= 0) throw new ArgumentOutOfRangeException(nameof(batch), $"LanguageModelEvaluator: batch and window must be positive, got {batch} and {window}.");
        if (!model.IsRecurrent) window = Math.Min(window, model.Config.ContextLength);
        int streams = Math.Max(1, Math.Min(batch, tokens.Length - 1));
        int length = (tokens.Length - 1) / streams;
        if (length <= 0) throw new ArgumentException($"LanguageModelEvaluator: {tokens.Length} tokens are too few to predict anything (at least 2 are needed).");
        using var state = model.IsRecurrent ? model.CreateState(streams) : null;
        state?.Reset();
        double total = 0;
        long count = 0;
        var x = new int[window * streams];
        var y = new int[window * streams];
        for (int start = 0; start < length; start += window)
        {
            int steps = Math.Min(window, length - start);
            int n = steps * streams;
            for (int t = 0; t < steps; t++)
                for (int b = 0; b < streams; b++)
                {
                    int at = b * length + start + t;
                    x[t * streams + b] = tokens[at];
                    y[t * streams + b] = tokens[at + 1];
                }
            double mean = model.Forward(x.AsSpan(0, n), y.AsSpan(0, n), steps, streams, state);
            total += mean * n;
            count += n;
        }
        return (total / count, count);
    }

    /// <summary>NLL, bits per token and per character, and perplexity of <paramref name="model"/> on <paramref name="text"/>
    /// (encoded as <paramref name="tokens"/>). Characters are counted as the text's characters per token times the tokens
    /// scored (the last <c>(N − 1) mod B</c> tokens are left out by the stream split).</summary>
    public static LanguageModelMetrics Score<T>(LanguageModel<T> model, string text, int[] tokens, int batch, int window)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokens);
        var (nll, count) = Evaluate(model, tokens, batch, window);
        long characters = tokens.Length == 0 ? 0 : (long)Math.Round(text.EnumerateRunes().Count() * (double)count / tokens.Length);
        return new LanguageModelMetrics(nll, count, characters);
    }
}
