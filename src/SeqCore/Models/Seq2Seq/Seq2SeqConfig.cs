using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SeqCore.Layers.Recurrent;

namespace SeqCore.Models;

/// <summary>The attention score of a <see cref="Seq2Seq{T}"/> decoder.</summary>
public enum Seq2SeqAttention
{
    /// <summary>Additive (Bahdanau et al. 2015): <c>vᵀ·tanh(W_q·h_t + W_k·m_j + b)</c>.</summary>
    Additive,
    /// <summary>Dot (Luong et al. 2015): <c>h_tᵀ·m_j</c>.</summary>
    Dot,
    /// <summary>General (Luong et al. 2015): <c>h_tᵀ·W·m_j</c>.</summary>
    General,
    /// <summary>No attention (Cho et al. 2014, Sutskever et al. 2014): the encoder's final state is one fixed context
    /// vector, fed into every decoder step and into the output layer.</summary>
    None,
}

/// <summary>
/// Everything needed to rebuild a <see cref="Seq2Seq{T}"/>: stored as camelCase JSON (<see cref="ConfigJson"/>) under
/// <c>seqcore.config</c> in a checkpoint, with <c>"model": "seq2seq"</c>. Checkpoints written before the model catalogue
/// hold snake_case keys and no <c>"model"</c> key, and those written before the API renames <c>sourceVocabSize</c> and
/// <c>targetVocabSize</c>; <see cref="FromJson"/> reads them all. The decoder's hidden width is the encoder's output width, <c>D·HiddenSize</c> (D = 2 when bidirectional), so the
/// encoder's final states (directions concatenated) start the decoder and the dot score needs no projection.
/// </summary>
public sealed record Seq2SeqConfig : IModelConfig
{
    /// <summary>The value of the <c>"model"</c> field that names this kind of model in a config or checkpoint.</summary>
    public const string ModelKind = "seq2seq";

    /// <summary>Always <see cref="ModelKind"/>; lets a reader tell model kinds apart.</summary>
    public string Model { get; init; } = ModelKind;
    /// <summary>Source vocabulary size, special tokens included.</summary>
    public int SourceVocabularySize { get; init; }
    /// <summary>Target vocabulary size, special tokens included.</summary>
    public int TargetVocabularySize { get; init; }
    /// <summary>Width of the source and target embeddings.</summary>
    public int EmbeddingSize { get; init; } = 32;
    /// <summary>Hidden width of each encoder direction.</summary>
    public int HiddenSize { get; init; } = 64;
    /// <summary>The recurrent cell of encoder and decoder, any of <see cref="CellCatalogue"/>; written to JSON by its
    /// catalogue name.</summary>
    [JsonConverter(typeof(CellKindJsonConverter))]
    public CellKind Cell { get; init; } = CellKind.Lstm;
    /// <summary>Stacked encoder layers.</summary>
    public int EncoderLayers { get; init; } = 1;
    /// <summary>Stacked decoder layers; decoder layer l starts from encoder layer <c>l + EncoderLayers − DecoderLayers</c>
    /// (the two stacks aligned at the top), zeros when there is none.</summary>
    public int DecoderLayers { get; init; } = 1;
    /// <summary>Dropout probability on both embeddings and between stacked layers (training only).</summary>
    public double Dropout { get; init; }
    /// <summary>Run the encoder in both directions.</summary>
    public bool Bidirectional { get; init; } = true;
    /// <summary>The attention score.</summary>
    public Seq2SeqAttention Attention { get; init; } = Seq2SeqAttention.Additive;
    /// <summary>Width A of the additive score's hidden layer; 0 = the decoder width.</summary>
    public int AttentionSize { get; init; }
    /// <summary>Feed the previous attentional vector h̃_{t−1} into the decoder cell next to the token embedding
    /// (Luong et al. 2015, section 3.3).</summary>
    public bool InputFeeding { get; init; } = true;

    /// <summary>True when the cell carries a cell state besides h (the LSTM).</summary>
    [JsonIgnore] public bool HasCellState => CellCatalogue.Find(Cell).HasCellState;
    /// <summary>D: 2 when bidirectional, else 1.</summary>
    [JsonIgnore] public int Directions => Bidirectional ? 2 : 1;
    /// <summary>Decoder hidden width = encoder output width = D·HiddenSize.</summary>
    [JsonIgnore] public int DecoderSize => Directions * HiddenSize;
    /// <summary>The additive score's width A actually used.</summary>
    [JsonIgnore] public int AdditiveSize => AttentionSize > 0 ? AttentionSize : DecoderSize;
    /// <summary>True when the decoder attends over the encoder's outputs (every score but <see cref="Seq2SeqAttention.None"/>).</summary>
    [JsonIgnore] internal bool Attends => Attention != Seq2SeqAttention.None;
    /// <summary>Width of each decoder cell input: embedding, the fixed context without attention, and h̃ with input feeding.</summary>
    [JsonIgnore] public int DecoderInputSize => EmbeddingSize + (Attends ? 0 : DecoderSize) + (InputFeeding ? DecoderSize : 0);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field (limits: <see cref="ModelLimits"/>).</summary>
    public void Validate()
    {
        if (Model != ModelKind)
            throw new ArgumentException($"Seq2SeqConfig: model must be '{ModelKind}', got '{Model}'.");
        if (SourceVocabularySize < 2 || TargetVocabularySize < 4)
            throw new ArgumentException($"Seq2SeqConfig: vocabulary sizes must hold the special tokens, got source {SourceVocabularySize}, target {TargetVocabularySize}.");
        if (EmbeddingSize <= 0 || HiddenSize <= 0 || AttentionSize < 0)
            throw new ArgumentException($"Seq2SeqConfig: sizes must be positive, got embedding {EmbeddingSize}, hidden {HiddenSize}, attention {AttentionSize}.");
        ModelLimits.Check(nameof(Seq2SeqConfig), "sourceVocabularySize", SourceVocabularySize, ModelLimits.MaxVocabulary);
        ModelLimits.Check(nameof(Seq2SeqConfig), "targetVocabularySize", TargetVocabularySize, ModelLimits.MaxVocabulary);
        ModelLimits.Check(nameof(Seq2SeqConfig), "embeddingSize", EmbeddingSize, ModelLimits.MaxWidth);
        ModelLimits.Check(nameof(Seq2SeqConfig), "hiddenSize", HiddenSize, ModelLimits.MaxWidth);
        ModelLimits.Check(nameof(Seq2SeqConfig), "attentionSize", AttentionSize, ModelLimits.MaxWidth);
        if (EncoderLayers <= 0 || DecoderLayers <= 0)
            throw new ArgumentException($"Seq2SeqConfig: layer counts must be positive, got encoderLayers {EncoderLayers}, decoderLayers {DecoderLayers}.");
        ModelLimits.Check(nameof(Seq2SeqConfig), "encoderLayers", EncoderLayers, ModelLimits.MaxLayers);
        ModelLimits.Check(nameof(Seq2SeqConfig), "decoderLayers", DecoderLayers, ModelLimits.MaxLayers);
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout))
            throw new ArgumentException($"Seq2SeqConfig: dropout must be in [0, 1), got {Dropout}.");
        CellCatalogue.Find(Cell); // throws for a value outside the enum
        if (!Enum.IsDefined(Attention))
            throw new ArgumentException($"Seq2SeqConfig: unknown attention {(int)Attention}.");
    }

    /// <summary>The config as one line of camelCase JSON.</summary>
    public string ToJson() => ConfigJson.Write(this);

    /// <summary>Keys older checkpoints wrote (after their snake_case is made camelCase), and their names now.</summary>
    private static readonly (string Old, string New)[] RenamedKeys =
        [("sourceVocabSize", "sourceVocabularySize"), ("targetVocabSize", "targetVocabularySize")];

    /// <summary>
    /// Parses a config through <see cref="ConfigJson.Read{TConfig}"/> (unknown keys refused): camelCase, or the keys of
    /// older checkpoints (<c>sourceVocabSize</c>, <c>targetVocabSize</c>; before the catalogue, snake_case with no
    /// <c>"model"</c> key and the attention as <c>"Additive"</c>). <see cref="InvalidDataException"/> names
    /// <paramref name="source"/> and the fault.
    /// </summary>
    public static Seq2SeqConfig FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (ConfigJson.ReadKind(json) is not null) return ConfigJson.Read<Seq2SeqConfig>(json, source, RenamedKeys);
        JsonObject legacy;
        try { legacy = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: the seq2seq config is not a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: the seq2seq config is not valid JSON: {e.Message}", e); }
        var converted = ConfigJson.CamelCaseKeys(legacy);
        converted["model"] = ModelKind;
        return ConfigJson.Read<Seq2SeqConfig>(converted.ToJsonString(), source, RenamedKeys);
    }
}
