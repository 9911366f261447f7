using System.Text.Json.Serialization;
using SeqCore.Layers.Recurrent;

namespace SeqCore.Models;

/// <summary>
/// The shape of a <see cref="SequenceTagger{T}"/>; stored as camelCase JSON under <c>seqcore.config</c> in its checkpoint
/// (<c>"model": "tagger"</c>), which with the vocabulary and tag set (<see cref="TaggerVocabulary"/>) is all that is needed
/// to rebuild the model before loading the weights.
/// </summary>
public sealed record TaggerConfig : IModelConfig
{
    /// <summary>The value of the <c>"model"</c> field that names this kind in a config or checkpoint.</summary>
    public const string ModelKind = "tagger";

    /// <summary>The <see cref="Encoder"/> of the transformer encoder: sinusoidal positions added to the embeddings, then a
    /// stack of non-causal pre-LN blocks over each sequence's own positions, then a final LayerNorm.</summary>
    public const string TransformerEncoder = "transformer";

    /// <summary>The encoders <see cref="Encoder"/> accepts: every cell of <see cref="CellCatalogue"/> and
    /// <see cref="TransformerEncoder"/>.</summary>
    public static IReadOnlyList<string> Encoders { get; } = [.. CellCatalogue.Names, TransformerEncoder];

    /// <summary>The token units <see cref="Tokens"/> accepts.</summary>
    public static IReadOnlyList<string> TokenKinds { get; } = [TaggerVocabulary.CharTokens, TaggerVocabulary.WordTokens];

    /// <summary>Always <see cref="ModelKind"/>.</summary>
    public string Model { get; init; } = ModelKind;

    /// <summary>Number of token ids V (the unknown token included); the embedding has V + 1 rows, the last (id V) the zero padding row.</summary>
    public int VocabularySize { get; init; }

    /// <summary>Number of tags K.</summary>
    public int Tags { get; init; }

    /// <summary>What one token is: <c>char</c> (each character) or <c>word</c> (space-separated).</summary>
    public string Tokens { get; init; } = TaggerVocabulary.CharTokens;

    /// <summary>Embedding width E (also the model width of the transformer encoder).</summary>
    public int EmbeddingSize { get; init; } = 64;

    /// <summary>The encoder: a recurrent cell's name from <see cref="CellCatalogue"/>, or <see cref="TransformerEncoder"/>.</summary>
    public string Encoder { get; init; } = "lstm";

    /// <summary>Recurrent hidden size H per direction (recurrent encoders only).</summary>
    public int HiddenSize { get; init; } = 128;

    /// <summary>Stacked recurrent layers or transformer blocks.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Run recurrent layers in both directions (recurrent encoders only).</summary>
    public bool Bidirectional { get; init; } = true;

    /// <summary>Attention heads (transformer only, where it must divide <see cref="EmbeddingSize"/>).</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Feed-forward width of a transformer block; 0 for 4·E.</summary>
    public int FeedForwardSize { get; init; }

    /// <summary>The longest sequence the transformer's position table covers (transformer only).</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary>Dropout probability on the encoder's features (and between stacked recurrent layers, inside transformer
    /// blocks), in [0, 1).</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>Whether the encoder is a transformer (not recurrent).</summary>
    [JsonIgnore]
    public bool IsTransformer => Encoder == TransformerEncoder;

    /// <summary>The recurrent cell named by <see cref="Encoder"/>; null for the transformer or an unknown name.</summary>
    [JsonIgnore]
    public CellKind? Cell => CellCatalogue.TryParse(Encoder, out var cell) ? cell.Kind : null;

    /// <summary>Width F of the per-position features the head reads: D·H for recurrent encoders (D = 2 when
    /// bidirectional), E for the transformer.</summary>
    [JsonIgnore]
    public int FeatureSize => IsTransformer ? EmbeddingSize : Bidirectional ? 2 * HiddenSize : HiddenSize;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        const string me = nameof(TaggerConfig);
        if (Model != ModelKind) throw new ArgumentException($"{me}: \"model\" is '{Model}', expected '{ModelKind}'.");
        if (VocabularySize <= 0) throw new ArgumentException($"{me}: vocabularySize must be positive, got {VocabularySize}.");
        if (Tags < 2) throw new ArgumentException($"{me}: tags: a tagger needs at least 2 tags, got {Tags}.");
        if (!TokenKinds.Contains(Tokens)) throw new ArgumentException($"{me}: tokens: expected {string.Join(" or ", TokenKinds)}, got '{Tokens}'.");
        if (!Encoders.Contains(Encoder)) throw new ArgumentException($"{me}: encoder: unknown '{Encoder}'; expected one of {string.Join(", ", Encoders)}.");
        if (EmbeddingSize <= 0) throw new ArgumentException($"{me}: embeddingSize must be positive, got {EmbeddingSize}.");
        if (HiddenSize <= 0) throw new ArgumentException($"{me}: hiddenSize must be positive, got {HiddenSize}.");
        if (Layers <= 0) throw new ArgumentException($"{me}: layers must be positive, got {Layers}.");
        if (Heads <= 0) throw new ArgumentException($"{me}: heads must be positive, got {Heads}.");
        if (IsTransformer && EmbeddingSize % Heads != 0) throw new ArgumentException($"{me}: heads {Heads} must divide embeddingSize {EmbeddingSize} (the transformer's width).");
        if (FeedForwardSize < 0) throw new ArgumentException($"{me}: feedForwardSize must be ≥ 0, got {FeedForwardSize}.");
        if (MaxLength <= 0) throw new ArgumentException($"{me}: maxLength must be positive, got {MaxLength}.");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout)) throw new ArgumentException($"{me}: dropout must be in [0, 1), got {Dropout}.");
        ModelLimits.Check(me, "vocabularySize", VocabularySize, ModelLimits.MaxVocabulary);
        ModelLimits.Check(me, "tags", Tags, ModelLimits.MaxVocabulary);
        ModelLimits.Check(me, "embeddingSize", EmbeddingSize, ModelLimits.MaxWidth);
        ModelLimits.Check(me, "hiddenSize", HiddenSize, ModelLimits.MaxWidth);
        ModelLimits.Check(me, "feedForwardSize", FeedForwardSize, ModelLimits.MaxFeedForward);
        ModelLimits.Check(me, "layers", Layers, ModelLimits.MaxLayers);
        ModelLimits.Check(me, "maxLength", MaxLength, ModelLimits.MaxContext);
    }

    /// <summary>Parses and validates a config written by <see cref="ModelCheckpoint"/>; <paramref name="source"/> (a file
    /// name) starts every error message. <see cref="InvalidDataException"/> for malformed JSON, unknown keys or values out of range.</summary>
    public static TaggerConfig FromJson(string json, string source) => ConfigJson.Read<TaggerConfig>(json, source);
}
