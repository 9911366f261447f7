using System.Text.Json.Serialization;
using SeqCore.Layers.Recurrent;

namespace SeqCore.Models;

/// <summary>
/// The shape of a <see cref="LanguageModel{T}"/>: everything needed to rebuild it before loading its weights. Stored as
/// JSON (camelCase field names) under the checkpoint's <c>seqcore.config</c> metadata key, with
/// <c>"model": "language-model"</c>.
/// </summary>
public sealed record LanguageModelConfig : IModelConfig
{
    /// <summary>The value of the <c>"model"</c> field that names this kind of model in a config or checkpoint.</summary>
    public const string ModelKind = "language-model";

    /// <summary>The <see cref="Arch"/> of a transformer.</summary>
    public const string TransformerArch = "transformer";

    /// <summary>The architectures <see cref="Arch"/> accepts: every cell of <see cref="CellCatalogue"/>, then <c>transformer</c>.</summary>
    public static IReadOnlyList<string> Architectures { get; } = [.. CellCatalogue.Names, TransformerArch];

    /// <summary>Always <see cref="ModelKind"/>; lets a reader tell model kinds apart.</summary>
    public string Model { get; init; } = ModelKind;

    /// <summary>A recurrent cell's name from <see cref="CellCatalogue"/> (<c>rnn</c>, <c>rnn-relu</c>, <c>lstm</c>, <c>gru</c>)
    /// or <c>transformer</c> (causal pre-LN decoder).</summary>
    public string Arch { get; init; } = "lstm";

    /// <summary>Tokens in the vocabulary V (the tokenizer's size).</summary>
    public int VocabularySize { get; init; }

    /// <summary>Embedding width E (the model width of a transformer).</summary>
    public int EmbeddingSize { get; init; } = 64;

    /// <summary>Hidden width H of the recurrent layers (ignored by the transformer).</summary>
    public int HiddenSize { get; init; } = 256;

    /// <summary>Recurrent layers, or transformer blocks.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Dropout probability: on the embeddings, between recurrent layers and on the last layer's output; inside
    /// every transformer block.</summary>
    public double Dropout { get; init; }

    /// <summary>The output head shares the embedding matrix (needs H = E for recurrent models).</summary>
    public bool TieWeights { get; init; }

    /// <summary>Transformer: attention heads (E must be divisible by it).</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Transformer: feed-forward width; 0 means 4·E.</summary>
    public int FeedForwardSize { get; init; }

    /// <summary>Transformer: the longest context (positions 0 … ContextLength − 1).</summary>
    public int ContextLength { get; init; } = 128;

    /// <summary>Transformer: <c>learned</c> (a position table, GPT-2 style) or <c>sinusoidal</c> (fixed).</summary>
    public string Positions { get; init; } = "learned";

    /// <summary>True for <c>transformer</c>.</summary>
    [JsonIgnore]
    public bool IsTransformer => Arch == TransformerArch;

    /// <summary>The recurrent cell named by <see cref="Arch"/>; null for the transformer or an unknown name.</summary>
    [JsonIgnore]
    public CellKind? Cell => CellCatalogue.TryParse(Arch, out var cell) ? cell.Kind : null;

    private const string Owner = "Language model config";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that is out of range (limits:
    /// <see cref="ModelLimits"/>).</summary>
    public void Validate()
    {
        if (Model != ModelKind) throw new ArgumentException($"Language model config: \"model\" is '{Model}', expected '{ModelKind}'.");
        if (!Architectures.Contains(Arch))
            throw new ArgumentException($"Language model config: unknown arch '{Arch}'; expected one of {string.Join(", ", Architectures)}.");
        if (VocabularySize <= 0) throw new ArgumentException($"Language model config: vocabularySize must be positive, got {VocabularySize}.");
        if (EmbeddingSize <= 0) throw new ArgumentException($"Language model config: embeddingSize must be positive, got {EmbeddingSize}.");
        if (Layers <= 0) throw new ArgumentException($"Language model config: layers must be positive, got {Layers}.");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"Language model config: dropout must be in [0, 1), got {Dropout}.");
        ModelLimits.Check(Owner, "vocabularySize", VocabularySize, ModelLimits.MaxVocabulary);
        ModelLimits.Check(Owner, "embeddingSize", EmbeddingSize, ModelLimits.MaxWidth);
        ModelLimits.Check(Owner, "layers", Layers, ModelLimits.MaxLayers);
        if (IsTransformer)
        {
            if (Heads <= 0 || EmbeddingSize % Heads != 0)
                throw new ArgumentException($"Language model config: the width {EmbeddingSize} must be divisible by heads ({Heads}).");
            if (ContextLength <= 0) throw new ArgumentException($"Language model config: contextLength must be positive, got {ContextLength}.");
            if (FeedForwardSize < 0) throw new ArgumentException($"Language model config: feedForwardSize must be ≥ 0, got {FeedForwardSize}.");
            ModelLimits.Check(Owner, "contextLength", ContextLength, ModelLimits.MaxContext);
            ModelLimits.Check(Owner, "feedForwardSize", FeedForwardSize, ModelLimits.MaxFeedForward);
            if (Positions is not ("learned" or "sinusoidal"))
                throw new ArgumentException($"Language model config: unknown positions '{Positions}'; expected learned or sinusoidal.");
        }
        else
        {
            if (HiddenSize <= 0) throw new ArgumentException($"Language model config: hiddenSize must be positive, got {HiddenSize}.");
            ModelLimits.Check(Owner, "hiddenSize", HiddenSize, ModelLimits.MaxWidth);
            if (TieWeights && HiddenSize != EmbeddingSize)
                throw new ArgumentException($"Language model config: tied weights need hiddenSize = embeddingSize, got {HiddenSize} and {EmbeddingSize}.");
        }
    }

    /// <summary>The config as one line of camelCase JSON.</summary>
    public string ToJson() => ConfigJson.Write(this);

    /// <summary>Keys older checkpoints wrote, and their names now.</summary>
    private static readonly (string Old, string New)[] RenamedKeys = [("vocabSize", "vocabularySize")];

    /// <summary>Parses and validates a config, also in the keys of older checkpoints (<c>vocabSize</c>);
    /// <see cref="InvalidDataException"/> names <paramref name="source"/> and the key.</summary>
    public static LanguageModelConfig FromJson(string json, string source) => ConfigJson.Read<LanguageModelConfig>(json, source, RenamedKeys);
}
