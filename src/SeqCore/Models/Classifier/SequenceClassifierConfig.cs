using System.Text.Json;
using System.Text.Json.Serialization;
using SeqCore.Layers.Recurrent;

namespace SeqCore.Models;

/// <summary>How a <see cref="SequenceClassifier{T}"/> turns the encoder's per-step features into one vector per sequence.</summary>
public enum ClassifierPooling
{
    /// <summary>The mean over each sequence's own valid steps.</summary>
    Mean,
    /// <summary>The maximum over each sequence's own valid steps, per feature.</summary>
    Max,
    /// <summary>Recurrent encoders: the last layer's final state of each direction (the forward direction after the
    /// sequence's last token, the reverse one after its first). Conv: the output at the sequence's last valid step.</summary>
    Last,
}

/// <summary>What a <see cref="SequenceClassifier{T}"/> puts on top of its features, and the loss it trains with.</summary>
public enum ClassifierHead
{
    /// <summary>One logit per class, softmax cross-entropy; the predicted class is the largest logit.</summary>
    Softmax,
    /// <summary>Two classes only: one logit z, the probability σ(z) of class 1 (the second label in sorted order), binary
    /// cross-entropy with logits; class 1 is predicted when σ(z) &gt; 0.5. Keras' <c>Dense(1, activation="sigmoid")</c>
    /// with <c>binary_crossentropy</c>.</summary>
    Binary,
}

/// <summary>
/// The shape of a <see cref="SequenceClassifier{T}"/>; stored as camelCase JSON under <c>seqcore.config</c> in its
/// checkpoint (<c>"model": "classifier"</c>), which is all that is needed to rebuild the model before loading the weights.
/// Checkpoints written before the model catalogue hold snake_case keys and <c>"model": "sequence-classifier"</c>, and
/// those written before the API renames <c>embeddingDim</c>; <see cref="FromJson"/> reads them all.
/// </summary>
public sealed record SequenceClassifierConfig : IModelConfig
{
    /// <summary>The value of the <c>"model"</c> field that names this kind in a config or checkpoint.</summary>
    public const string ModelKind = "classifier";

    /// <summary>The <c>"model"</c> value of checkpoints written before the catalogue (with snake_case keys).</summary>
    public const string LegacyModelName = "sequence-classifier";

    /// <summary>The <see cref="Encoder"/> of the convolution encoder: one 1-D convolution over time with "same" zero
    /// padding, then ReLU.</summary>
    public const string ConvEncoder = "conv";

    /// <summary>The encoders <see cref="Encoder"/> accepts: every cell of <see cref="CellCatalogue"/> (a stack of its
    /// layers, optionally bidirectional) and <see cref="ConvEncoder"/>.</summary>
    public static IReadOnlyList<string> Encoders { get; } = [.. CellCatalogue.Names, ConvEncoder];

    /// <summary>Always <see cref="ModelKind"/> (written to the JSON so a loader can check what it reads).</summary>
    public string Model { get; init; } = ModelKind;
    /// <summary>Number of token ids V; the embedding has V + 1 rows, the last one (id V) being the zero padding row.</summary>
    public int VocabularySize { get; init; }

    /// <summary>Number of classes K.</summary>
    public int Classes { get; init; }

    /// <summary>Embedding width E.</summary>
    public int EmbeddingSize { get; init; } = 32;

    /// <summary>The encoder: a recurrent cell's name from <see cref="CellCatalogue"/>, or <see cref="ConvEncoder"/>.</summary>
    public string Encoder { get; init; } = "lstm";

    /// <summary>Recurrent hidden size H per direction, or the number of convolution channels.</summary>
    public int HiddenSize { get; init; } = 64;

    /// <summary>Stacked recurrent layers (recurrent encoders only; the conv encoder has one layer).</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Run recurrent layers in both directions (recurrent encoders only).</summary>
    public bool Bidirectional { get; init; }

    /// <summary>Convolution kernel width (conv encoder only; odd, so "same" padding is symmetric).</summary>
    public int KernelSize { get; init; } = 5;

    /// <summary>The pooling over time.</summary>
    public ClassifierPooling Pooling { get; init; } = ClassifierPooling.Mean;

    /// <summary>Dropout probability on the pooled features (and between stacked recurrent layers), in [0, 1).</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>Sequences are cut to their first this many tokens before classification (0: no limit).</summary>
    public int MaxLength { get; init; }

    /// <summary>One-directional recurrent encoders: read each sequence's own tokens last to first (Keras'
    /// <c>go_backwards=True</c>); padding stays after the reversed tokens. False in checkpoints written before it.</summary>
    public bool GoBackwards { get; init; }

    /// <summary>Widths of the dense layers with ReLU between the (dropped-out) pooled features and the head, in order;
    /// empty (the default, and in checkpoints written before it) for none.</summary>
    public IReadOnlyList<int> HiddenLayers { get; init; } = [];

    /// <summary>Softmax over the classes (the default, and in checkpoints written before it) or one binary logit.</summary>
    public ClassifierHead Head { get; init; } = ClassifierHead.Softmax;

    /// <summary>Whether the encoder is recurrent (not <see cref="ConvEncoder"/>).</summary>
    [JsonIgnore]
    public bool IsRecurrent => Encoder != ConvEncoder;

    /// <summary>The recurrent cell named by <see cref="Encoder"/>; null for conv or an unknown name.</summary>
    [JsonIgnore]
    public CellKind? Cell => CellCatalogue.TryParse(Encoder, out var cell) ? cell.Kind : null;

    /// <summary>Width F of the pooled feature vector: D·H for recurrent encoders (D = 2 when bidirectional), H for conv.</summary>
    [JsonIgnore]
    public int FeatureSize => IsRecurrent && Bidirectional ? 2 * HiddenSize : HiddenSize;

    /// <summary>Logits per sequence: 1 for the binary head, <see cref="Classes"/> for softmax.</summary>
    [JsonIgnore]
    public int LogitCount => Head == ClassifierHead.Binary ? 1 : Classes;

    /// <summary>Width of the vector the head reads: the last hidden layer's, or <see cref="FeatureSize"/> without them.</summary>
    [JsonIgnore]
    public int HeadInputSize => HiddenLayers.Count > 0 ? HiddenLayers[^1] : FeatureSize;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range (limits: <see cref="ModelLimits"/>).</summary>
    public void Validate()
    {
        if (Model != ModelKind) throw new ArgumentException($"SequenceClassifierConfig: \"model\" is '{Model}', expected '{ModelKind}'.");
        if (VocabularySize <= 0) throw new ArgumentException($"SequenceClassifierConfig: the vocabulary size must be positive, got {VocabularySize}.");
        if (Classes < 2) throw new ArgumentException($"SequenceClassifierConfig: a classifier needs at least 2 classes, got {Classes}.");
        if (EmbeddingSize <= 0) throw new ArgumentException($"SequenceClassifierConfig: the embedding size must be positive, got {EmbeddingSize}.");
        if (HiddenSize <= 0) throw new ArgumentException($"SequenceClassifierConfig: the hidden size must be positive, got {HiddenSize}.");
        if (Layers <= 0) throw new ArgumentException($"SequenceClassifierConfig: the number of layers must be positive, got {Layers}.");
        if (!IsRecurrent && (Layers != 1 || Bidirectional))
            throw new ArgumentException("SequenceClassifierConfig: the conv encoder has one layer and no direction; layers and bidirectional are recurrent options.");
        if (KernelSize <= 0 || KernelSize % 2 == 0) throw new ArgumentException($"SequenceClassifierConfig: the kernel size must be a positive odd number, got {KernelSize}.");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout)) throw new ArgumentException($"SequenceClassifierConfig: dropout must be in [0, 1), got {Dropout}.");
        ModelLimits.Check(nameof(SequenceClassifierConfig), "vocabularySize", VocabularySize, ModelLimits.MaxVocabulary);
        ModelLimits.Check(nameof(SequenceClassifierConfig), "classes", Classes, ModelLimits.MaxVocabulary);
        ModelLimits.Check(nameof(SequenceClassifierConfig), "embeddingSize", EmbeddingSize, ModelLimits.MaxWidth);
        ModelLimits.Check(nameof(SequenceClassifierConfig), "hiddenSize", HiddenSize, ModelLimits.MaxWidth);
        ModelLimits.Check(nameof(SequenceClassifierConfig), "layers", Layers, ModelLimits.MaxLayers);
        ModelLimits.Check(nameof(SequenceClassifierConfig), "kernelSize", KernelSize, ModelLimits.MaxWidth);
        if (MaxLength < 0) throw new ArgumentException($"SequenceClassifierConfig: the maximum length must be ≥ 0, got {MaxLength}.");
        if (!Encoders.Contains(Encoder)) throw new ArgumentException($"SequenceClassifierConfig: unknown encoder '{Encoder}'; expected one of {string.Join(", ", Encoders)}.");
        if (!Enum.IsDefined(Pooling)) throw new ArgumentException($"SequenceClassifierConfig: unknown pooling {Pooling}.");
        if (GoBackwards && (!IsRecurrent || Bidirectional))
            throw new ArgumentException("SequenceClassifierConfig: goBackwards reverses a one-directional recurrent encoder's reading; the conv and bidirectional encoders do not take it.");
        if (HiddenLayers is null) throw new ArgumentException("SequenceClassifierConfig: hiddenLayers is null; use [] for none.");
        ModelLimits.Check(nameof(SequenceClassifierConfig), "hiddenLayers (count)", HiddenLayers.Count, ModelLimits.MaxLayers);
        foreach (int width in HiddenLayers)
        {
            if (width <= 0) throw new ArgumentException($"SequenceClassifierConfig: every hidden layer width must be positive, got [{string.Join(", ", HiddenLayers)}].");
            ModelLimits.Check(nameof(SequenceClassifierConfig), "hiddenLayers", width, ModelLimits.MaxWidth);
        }
        if (!Enum.IsDefined(Head)) throw new ArgumentException($"SequenceClassifierConfig: unknown head {Head}.");
        if (Head == ClassifierHead.Binary && Classes != 2)
            throw new ArgumentException($"SequenceClassifierConfig: the binary head needs exactly 2 classes, got {Classes}.");
    }

    /// <summary>Equal when every setting is (the hidden widths compared element by element): the JSON of both is the same.</summary>
    public bool Equals(SequenceClassifierConfig? other) => other is not null && ToJson() == other.ToJson();

    /// <inheritdoc />
    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);

    /// <summary>The config as one line of camelCase JSON (the pooling as a lower-case word).</summary>
    public string ToJson() => ConfigJson.Write(this);

    /// <summary>
    /// Parses and validates a config written by <see cref="ToJson"/> or by an older SeqCore (snake_case keys,
    /// <c>"model": "sequence-classifier"</c>); <paramref name="source"/> (a file name) starts every error message.
    /// Throws <see cref="InvalidDataException"/> for malformed JSON, unknown keys or values out of range.
    /// </summary>
    public static SequenceClassifierConfig FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        CheckWord(json, "encoder", [.. Encoders], source);
        CheckWord(json, "pooling", Enum.GetNames<ClassifierPooling>(), source);
        CheckWord(json, "head", Enum.GetNames<ClassifierHead>(), source);
        return ConfigJson.Read<SequenceClassifierConfig>(FromLegacy(json), source, RenamedKeys);
    }

    /// <summary>Keys older checkpoints wrote, and their names now.</summary>
    private static readonly (string Old, string New)[] RenamedKeys = [("embeddingDim", "embeddingSize")];

    /// <summary>An old config (snake_case keys, the old model name) rewritten in today's shape; others unchanged.</summary>
    private static string FromLegacy(string json)
    {
        System.Text.Json.Nodes.JsonObject? old;
        try { old = System.Text.Json.Nodes.JsonNode.Parse(json) as System.Text.Json.Nodes.JsonObject; }
        catch (JsonException) { return json; } // reported by ConfigJson.Read
        if (old is null || old["model"]?.GetValueKind() != JsonValueKind.String || old["model"]!.GetValue<string>() != LegacyModelName) return json;
        var converted = ConfigJson.CamelCaseKeys(old);
        converted["model"] = ModelKind;
        return converted.ToJsonString();
    }

    /// <summary>Names an unknown encoder or pooling word in the error, which the serializer's own message does not.</summary>
    private static void CheckWord(string json, string field, string[] names, string source)
    {
        System.Text.Json.Nodes.JsonNode? node;
        try { node = System.Text.Json.Nodes.JsonNode.Parse(json); }
        catch (JsonException) { return; } // reported with the deserializer's message
        if (node is not System.Text.Json.Nodes.JsonObject o || !o.TryGetPropertyValue(field, out var value) || value is null) return;
        string[] allowed = [.. names.Select(n => n.ToLowerInvariant())];
        if (value.GetValueKind() != JsonValueKind.String || !allowed.Contains(value.GetValue<string>()))
            throw new InvalidDataException($"{source}: unknown {field} {value.ToJsonString()} in the classifier config; expected {string.Join(", ", allowed)}.");
    }
}
