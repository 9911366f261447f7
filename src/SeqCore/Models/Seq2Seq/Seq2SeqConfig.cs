using System.Text.Json;
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
}

/// <summary>
/// Everything needed to rebuild a <see cref="Seq2Seq{T}"/> (stored as JSON under <c>seqcore.config</c> in a checkpoint).
/// The decoder's hidden width is the encoder's output width, <c>D·HiddenSize</c> (D = 2 when bidirectional), so the
/// encoder's final states (directions concatenated) start the decoder and the dot score needs no projection.
/// </summary>
public sealed record Seq2SeqConfig
{
    /// <summary>Source vocabulary size, special tokens included.</summary>
    public int SourceVocabSize { get; init; }
    /// <summary>Target vocabulary size, special tokens included.</summary>
    public int TargetVocabSize { get; init; }
    /// <summary>Width of the source and target embeddings.</summary>
    public int EmbeddingSize { get; init; } = 32;
    /// <summary>Hidden width of each encoder direction.</summary>
    public int HiddenSize { get; init; } = 64;
    /// <summary>The recurrent cell of encoder and decoder, any of <see cref="CellCatalogue"/>; written to JSON by its
    /// catalogue name.</summary>
    [JsonConverter(typeof(CellKindJsonConverter))]
    public CellKind Cell { get; init; } = CellKind.Lstm;
    /// <summary>Run the encoder in both directions.</summary>
    public bool Bidirectional { get; init; } = true;
    /// <summary>The attention score.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<Seq2SeqAttention>))]
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
    /// <summary>Width of each decoder cell input: embedding, plus h̃ with input feeding.</summary>
    [JsonIgnore] public int DecoderInputSize => EmbeddingSize + (InputFeeding ? DecoderSize : 0);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (SourceVocabSize < 2 || TargetVocabSize < 4)
            throw new ArgumentException($"Seq2SeqConfig: vocabulary sizes must hold the special tokens, got source {SourceVocabSize}, target {TargetVocabSize}.");
        if (EmbeddingSize <= 0 || HiddenSize <= 0 || AttentionSize < 0)
            throw new ArgumentException($"Seq2SeqConfig: sizes must be positive, got embedding {EmbeddingSize}, hidden {HiddenSize}, attention {AttentionSize}.");
        CellCatalogue.Find(Cell); // throws for a value outside the enum
        if (!Enum.IsDefined(Attention))
            throw new ArgumentException($"Seq2SeqConfig: unknown attention {(int)Attention}.");
    }

    /// <summary>The config as one line of JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses <see cref="ToJson"/>'s output; <see cref="InvalidDataException"/> naming <paramref name="source"/> on failure.</summary>
    public static Seq2SeqConfig FromJson(string json, string source)
    {
        Seq2SeqConfig? config;
        try { config = JsonSerializer.Deserialize<Seq2SeqConfig>(json, JsonOptions); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: the seq2seq config is not valid JSON: {e.Message}"); }
        if (config is null) throw new InvalidDataException($"{source}: the seq2seq config is empty.");
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}"); }
        return config;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
