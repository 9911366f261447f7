using System.Globalization;
using System.Numerics;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Layers.Transformer;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>The <c>transformer-seq2seq</c> entry of the model catalogue (<see cref="ModelKinds"/>).</summary>
public sealed class TransformerSeq2SeqKind : IModelKind
{
    /// <summary>The one instance.</summary>
    public static TransformerSeq2SeqKind Instance { get; } = new();

    private TransformerSeq2SeqKind() { }

    /// <inheritdoc />
    public string Name => TransformerSeq2SeqConfig.ModelKind;

    /// <inheritdoc />
    public string Description => "encoder–decoder transformer: encoder stack → decoder stack with cross-attention → output tied to the target embedding; greedy or beam-search decoding";

    /// <inheritdoc />
    public IModelConfig ReadConfig(string json, string source) => TransformerSeq2SeqConfig.FromJson(json, source);

    /// <inheritdoc />
    public ISequenceModel<T> Build<T>(IBackend<T> backend, IModelConfig config, IReadOnlyDictionary<string, string> metadata, RandomStream init)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var c = Typed(config);
        Seq2SeqVocabulary? vocabulary = null;
        if (metadata.TryGetValue(Checkpoint.TokenizerKey, out var json))
        {
            try { vocabulary = Seq2SeqVocabulary.FromJson(json, Checkpoint.TokenizerKey); }
            catch (InvalidDataException e) { throw new ArgumentException(e.Message, e); }
        }
        int maxTargetLength = 0;
        if (metadata.TryGetValue(Seq2Seq<T>.MaxTargetLengthKey, out var text) &&
            (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out maxTargetLength) || maxTargetLength < 0))
            throw new ArgumentException($"{Seq2Seq<T>.MaxTargetLengthKey} is '{text}', not a non-negative integer.");
        var model = new TransformerSeq2Seq<T>(backend, c, init);
        try { model.Vocabulary = vocabulary; }
        catch
        {
            model.Dispose();
            throw;
        }
        model.MaxTargetLength = maxTargetLength;
        return model;
    }

    /// <inheritdoc />
    public long ParameterCount(IModelConfig config)
    {
        var c = Typed(config);
        int e = c.EmbeddingSize;
        long embeddings = checked(Embedding.CountParameters(c.TargetVocabularySize, e)
            + (c.ShareEmbeddings ? 0 : Embedding.CountParameters(c.SourceVocabularySize, e)));
        long positions = c.Positions == "learned" ? checked(2 * LearnedPositionalEncoding.CountParameters(c.MaxLength, e)) : 0;
        return checked(embeddings + positions + TransformerStack.CountParameters(c.BlockOptions(encoder: true))
            + TransformerDecoderStack.CountParameters(c.BlockOptions(encoder: false)));
    }

    /// <inheritdoc />
    /// <remarks><see cref="RunShape.Length"/> is the source length, <see cref="RunShape.TargetLength"/> the target's.</remarks>
    public IReadOnlyList<MemoryTerm> WorkingMemory(IModelConfig config, RunShape shape, int bytesPerValue)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var c = Typed(config);
        int copies = ActivationMemory.Copies, s = bytesPerValue;
        long ff = c.FeedForwardSize > 0 ? c.FeedForwardSize : 4L * c.EmbeddingSize;
        (string, long) batch = ("batch", shape.Batch), source = ("source", shape.Length), target = ("target", shape.TargetLength);
        if (shape.Decoding)
            return
            [
                // The encoder runs once, a layer at a time; the decoder one position at a time over its caches.
                MemoryTerm.Product("encoder layer", s, batch, source, ("12 × embedding + 4 × feed-forward", 12L * c.EmbeddingSize + 4 * ff)),
                MemoryTerm.Product("cross-attention keys and values", s, batch, source, ("layers", c.DecoderLayers), ("2 × embedding", 2L * c.EmbeddingSize)),
                MemoryTerm.Product("self-attention cache", s, batch, target, ("layers", c.DecoderLayers), ("2 × embedding", 2L * c.EmbeddingSize)),
                MemoryTerm.Product("decoder step", s, batch, ("20 × embedding + 4 × feed-forward", 20L * c.EmbeddingSize + 4 * ff)),
                MemoryTerm.Product("attention weights kept for the map", s, batch, target, source),
                MemoryTerm.Product("logits", s, batch, ("target vocabulary", c.TargetVocabularySize), ("copies", 2)),
            ];
        return
        [
            MemoryTerm.Product("source embeddings", s, batch, source, ("embedding", c.EmbeddingSize), ("copies", copies)),
            // Per block: projections, attention outputs, norms and residuals (12 widths, 20 with the cross-attention),
            // and the feed-forward's activations; attention itself keeps no [T, S] buffer.
            MemoryTerm.Product("encoder blocks", s, batch, source, ("layers", c.EncoderLayers), ("12 × embedding + 4 × feed-forward", 12L * c.EmbeddingSize + 4 * ff), ("copies", copies)),
            MemoryTerm.Product("target embeddings", s, batch, target, ("embedding", c.EmbeddingSize), ("copies", copies)),
            MemoryTerm.Product("decoder blocks", s, batch, target, ("layers", c.DecoderLayers), ("20 × embedding + 4 × feed-forward", 20L * c.EmbeddingSize + 4 * ff), ("copies", copies)),
            MemoryTerm.Product("cross-attention keys and values", s, batch, source, ("layers", c.DecoderLayers), ("6 × embedding", 6L * c.EmbeddingSize)),
            MemoryTerm.Product("logits", s, batch, target, ("target vocabulary", c.TargetVocabularySize), ("copies", copies)),
        ];
    }

    private static TransformerSeq2SeqConfig Typed(IModelConfig config) =>
        config as TransformerSeq2SeqConfig ?? throw new ArgumentException($"transformer-seq2seq: expected a {nameof(TransformerSeq2SeqConfig)}, got {config?.GetType().Name}.");
}
