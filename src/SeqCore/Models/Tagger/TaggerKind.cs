using System.Numerics;
using SeqCore.Layers;
using SeqCore.Layers.Recurrent;
using SeqCore.Layers.Transformer;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>The <c>tagger</c> entry of the model catalogue (<see cref="ModelKinds"/>): a <see cref="TextTagger{T}"/>.</summary>
public sealed class TaggerKind : IModelKind
{
    /// <summary>The one instance.</summary>
    public static TaggerKind Instance { get; } = new();

    private TaggerKind() { }

    /// <inheritdoc />
    public string Name => TaggerConfig.ModelKind;

    /// <inheritdoc />
    public string Description => "sequence tagger: embedding → (bi)LSTM/GRU or transformer encoder → a softmax over the tags at every position";

    /// <inheritdoc />
    public IModelConfig ReadConfig(string json, string source) => TaggerConfig.FromJson(json, source);

    /// <summary>Builds an untrained tagger; <paramref name="metadata"/> must hold the tokens and tags
    /// (<see cref="TaggerVocabulary.TokensKey"/>, <see cref="TaggerVocabulary.TagsKey"/>), as its checkpoint does.</summary>
    public ISequenceModel<T> Build<T>(IBackend<T> backend, IModelConfig config, IReadOnlyDictionary<string, string> metadata, RandomStream init)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = Typed(config);
        var vocabulary = TaggerVocabulary.FromMetadata(c.Tokens, metadata);
        var model = new SequenceTagger<T>(backend, c, init);
        try { return new TextTagger<T>(model, vocabulary); }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public long ParameterCount(IModelConfig config)
    {
        var c = Typed(config);
        long embedding = Embedding.CountParameters(checked(c.VocabularySize + 1), c.EmbeddingSize); // + the padding row
        long encoder = c.IsTransformer
            ? TransformerStack.CountParameters(SequenceTagger<float>.TransformerOptionsOf(c))
            : RecurrentLayer.CountParameters(SequenceTagger<float>.RecurrentOptionsOf(c));
        return checked(embedding + encoder + Linear.CountParameters(c.FeatureSize, c.Tags));
    }

    /// <inheritdoc />
    public IReadOnlyList<MemoryTerm> WorkingMemory(IModelConfig config, RunShape shape, int bytesPerValue)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var c = Typed(config);
        int copies = ActivationMemory.Copies, s = bytesPerValue;
        (string, long) batch = ("batch", shape.Batch), length = ("length", shape.Length);
        var terms = new List<MemoryTerm> { MemoryTerm.Product("embeddings", s, batch, length, ("embedding", c.EmbeddingSize), ("copies", copies)) };
        if (c.IsTransformer)
        {
            long ff = c.FeedForwardSize > 0 ? c.FeedForwardSize : 4L * c.EmbeddingSize;
            terms.Add(MemoryTerm.Product("transformer blocks", s, batch, length, ("layers", c.Layers), ("12 × embedding + 2 × feed-forward", 12L * c.EmbeddingSize + 2 * ff), ("copies", copies)));
            terms.Add(MemoryTerm.Product("attention weights", s, batch, ("layers", c.Layers), ("heads", c.Heads), length, length, ("copies", copies)));
        }
        else
            terms.Add(ActivationMemory.Recurrent("recurrent encoder", c.Cell!.Value, c.Layers, c.Bidirectional ? 2 : 1, c.HiddenSize, shape.Batch, shape.Length, s));
        terms.Add(MemoryTerm.Product("features and logits", s, batch, length, ("2 × features + tags", 2L * c.FeatureSize + c.Tags), ("copies", copies)));
        return terms;
    }

    private static TaggerConfig Typed(IModelConfig config) =>
        config as TaggerConfig ?? throw new ArgumentException($"tagger: expected a {nameof(TaggerConfig)}, got {config?.GetType().Name}.");
}
