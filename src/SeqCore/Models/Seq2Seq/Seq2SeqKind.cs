using System.Globalization;
using System.Numerics;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Layers.Attention;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>The <c>seq2seq</c> entry of the model catalogue (<see cref="ModelKinds"/>).</summary>
public sealed class Seq2SeqKind : IModelKind
{
    /// <summary>The one instance.</summary>
    public static Seq2SeqKind Instance { get; } = new();

    private Seq2SeqKind() { }

    /// <inheritdoc />
    public string Name => Seq2SeqConfig.ModelKind;

    /// <inheritdoc />
    public string Description => "recurrent encoder–decoder: stacked (bi)LSTM/GRU encoder → decoder with attention or a fixed context vector; greedy or beam-search decoding";

    /// <inheritdoc />
    public IModelConfig ReadConfig(string json, string source) => Seq2SeqConfig.FromJson(json, source);

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
        var model = new Seq2Seq<T>(backend, c, init);
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
        int e = c.EmbeddingSize, dk = checked(c.Directions * c.HiddenSize);
        int decoderInput = checked(e + (c.Attends ? 0 : dk) + (c.InputFeeding ? dk : 0));
        long encoder = RecurrentLayer.CountParameters(new RecurrentOptions
        {
            Cell = c.Cell, InputSize = e, HiddenSize = c.HiddenSize, Bidirectional = c.Bidirectional, Layers = c.EncoderLayers,
        });
        long decoder = RecurrentLayer.CountParameters(new RecurrentOptions { Cell = c.Cell, InputSize = decoderInput, HiddenSize = dk, Layers = c.DecoderLayers });
        long attention = c.Attention switch
        {
            Seq2SeqAttention.None => 0,
            Seq2SeqAttention.Additive => AdditiveAttention.CountParameters(dk, dk, c.AttentionSize > 0 ? c.AttentionSize : dk),
            _ => DotProductAttention.CountParameters(c.Attention == Seq2SeqAttention.Dot ? LuongScore.Dot : LuongScore.General, dk, dk),
        };
        return checked(Embedding.CountParameters(c.SourceVocabularySize, e) + encoder + Embedding.CountParameters(c.TargetVocabularySize, e) + decoder
            + attention + Linear.CountParameters(checked(2 * dk), dk) + Linear.CountParameters(dk, c.TargetVocabularySize));
    }

    /// <inheritdoc />
    /// <remarks>Decoding: <see cref="RunShape.Batch"/> is the beams, <see cref="RunShape.TargetLength"/> the longest output.</remarks>
    public IReadOnlyList<MemoryTerm> WorkingMemory(IModelConfig config, RunShape shape, int bytesPerValue)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var c = Typed(config);
        int copies = ActivationMemory.Copies, s = bytesPerValue, dk = c.DecoderSize;
        (string, long) batch = ("batch", shape.Batch), source = ("source", shape.Length), target = ("target", shape.TargetLength);
        if (shape.Decoding)
            return
            [
                // The encoder's outputs (its forward pass held once); then one target step at a time.
                ActivationMemory.Recurrent("encoder", c.Cell, c.EncoderLayers, c.Directions, c.HiddenSize, shape.Batch, shape.Length, s),
                MemoryTerm.Product("decoder step", s, batch, ("layers", c.DecoderLayers), ("8 × decoder width", 8L * dk)),
                MemoryTerm.Product("attention", s, batch, ("2 × source + 4 × decoder width", 2L * shape.Length + 4L * dk)),
                MemoryTerm.Product("attention weights kept for the map", s, batch, target, source),
                MemoryTerm.Product("logits", s, batch, ("target vocabulary", c.TargetVocabularySize), ("copies", 2)),
            ];
        return
        [
            MemoryTerm.Product("source embeddings", s, batch, source, ("embedding", c.EmbeddingSize), ("copies", copies)),
            ActivationMemory.Recurrent("encoder", c.Cell, c.EncoderLayers, c.Directions, c.HiddenSize, shape.Batch, shape.Length, s),
            MemoryTerm.Product("target embeddings", s, batch, target, ("embedding", c.EmbeddingSize), ("copies", copies)),
            ActivationMemory.Recurrent("decoder", c.Cell, c.DecoderLayers, 1, dk, shape.Batch, shape.TargetLength, s),
            // Per target step: attention scores and weights over the source, the context, the combined state.
            MemoryTerm.Product("attention", s, batch, target, ("2 × source + 4 × decoder width", 2L * shape.Length + 4L * dk), ("copies", copies)),
            MemoryTerm.Product("logits", s, batch, target, ("target vocabulary", c.TargetVocabularySize), ("copies", copies)),
        ];
    }

    private static Seq2SeqConfig Typed(IModelConfig config) =>
        config as Seq2SeqConfig ?? throw new ArgumentException($"seq2seq: expected a {nameof(Seq2SeqConfig)}, got {config?.GetType().Name}.");
}
