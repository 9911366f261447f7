using System.Numerics;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Layers.Recurrent;
using SeqCore.Layers.Transformer;
using SeqCore.Random;
using SeqCore.Text;

namespace SeqCore.Models;

/// <summary>The <c>language-model</c> entry of the model catalogue (<see cref="ModelKinds"/>).</summary>
public sealed class LanguageModelKind : IModelKind
{
    /// <summary>The one instance.</summary>
    public static LanguageModelKind Instance { get; } = new();

    private LanguageModelKind() { }

    /// <inheritdoc />
    public string Name => LanguageModelConfig.ModelKind;

    /// <inheritdoc />
    public string Description => "next-token language model: embedding → RNN/LSTM/GRU stack or causal transformer → head";

    /// <inheritdoc />
    public IModelConfig ReadConfig(string json, string source) => LanguageModelConfig.FromJson(json, source);

    /// <inheritdoc />
    public ISequenceModel<T> Build<T>(IBackend<T> backend, IModelConfig config, IReadOnlyDictionary<string, string> metadata, RandomStream init)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var c = Typed(config);
        ITokenizer? tokenizer = null;
        if (metadata.TryGetValue(Checkpoint.TokenizerKey, out var json))
        {
            tokenizer = TokenizerFile.FromJson(json, $"{Checkpoint.TokenizerKey}");
            if (tokenizer.VocabularySize != c.VocabularySize)
                throw new ArgumentException($"the tokenizer has {tokenizer.VocabularySize} tokens but the config says vocabularySize {c.VocabularySize}.");
        }
        var model = new LanguageModel<T>(backend, c, init);
        model.Tokenizer = tokenizer;
        return model;
    }

    /// <inheritdoc />
    public long ParameterCount(IModelConfig config)
    {
        var c = Typed(config);
        int v = c.VocabularySize, e = c.EmbeddingSize;
        long body;
        int width;
        if (c.IsTransformer)
        {
            var stack = new TransformerOptions { EmbeddingSize = e, Heads = c.Heads, FeedForwardSize = c.FeedForwardSize, Layers = c.Layers, FinalNorm = true };
            body = checked((c.Positions == "learned" ? LearnedPositionalEncoding.CountParameters(c.ContextLength, e) : 0) + TransformerStack.CountParameters(stack));
            width = e;
        }
        else
        {
            body = RecurrentLayer.CountParameters(new RecurrentOptions { Cell = c.Cell!.Value, InputSize = e, HiddenSize = c.HiddenSize, Layers = c.Layers });
            width = c.HiddenSize;
        }
        // The head: its own weight [V, width] and bias [V], or only the bias when tied to the embedding.
        long head = c.TieWeights ? v : Linear.CountParameters(width, v);
        return checked(Embedding.CountParameters(v, e) + body + head);
    }

    /// <inheritdoc />
    public IReadOnlyList<MemoryTerm> WorkingMemory(IModelConfig config, RunShape shape, int bytesPerValue)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var c = Typed(config);
        int copies = ActivationMemory.Copies, s = bytesPerValue;
        (string, long) batch = ("batch", shape.Batch), window = ("window", shape.Length);
        var terms = new List<MemoryTerm> { MemoryTerm.Product("embeddings", s, batch, window, ("embedding", c.EmbeddingSize), ("copies", copies)) };
        if (c.IsTransformer)
        {
            int ff = c.FeedForwardSize > 0 ? c.FeedForwardSize : 4 * c.EmbeddingSize;
            // Per block: queries, keys, values, attention output, projections, two norms and residuals (12 widths), the
            // feed-forward's two activations, and the heads' attention weights over the window.
            terms.Add(MemoryTerm.Product("transformer blocks", s, batch, window, ("layers", c.Layers), ("12 × embedding + 2 × feed-forward", 12L * c.EmbeddingSize + 2L * ff), ("copies", copies)));
            terms.Add(MemoryTerm.Product("attention weights", s, batch, ("layers", c.Layers), ("heads", c.Heads), window, window, ("copies", copies)));
        }
        else
            terms.Add(ActivationMemory.Recurrent("recurrent layers", c.Cell!.Value, c.Layers, 1, c.HiddenSize, shape.Batch, shape.Length, s));
        terms.Add(MemoryTerm.Product("logits", s, batch, window, ("vocabulary", c.VocabularySize), ("copies", copies)));
        return terms;
    }

    private static LanguageModelConfig Typed(IModelConfig config) =>
        config as LanguageModelConfig ?? throw new ArgumentException($"language-model: expected a {nameof(LanguageModelConfig)}, got {config?.GetType().Name}.");
}
