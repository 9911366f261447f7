namespace SeqCore.Models;

/// <summary>
/// Everything needed to rebuild a <see cref="TransformerSeq2Seq{T}"/>: stored as camelCase JSON (<see cref="ConfigJson"/>)
/// under <c>seqcore.config</c> in a checkpoint, with <c>"model": "transformer-seq2seq"</c>.
/// </summary>
public sealed record TransformerSeq2SeqConfig : IModelConfig
{
    /// <summary>The value of the <c>"model"</c> field that names this kind of model in a config or checkpoint.</summary>
    public const string ModelKind = "transformer-seq2seq";

    /// <summary>Always <see cref="ModelKind"/>; lets a reader tell model kinds apart.</summary>
    public string Model { get; init; } = ModelKind;
    /// <summary>Source vocabulary size, special tokens included.</summary>
    public int SourceVocabularySize { get; init; }
    /// <summary>Target vocabulary size, special tokens included.</summary>
    public int TargetVocabularySize { get; init; }
    /// <summary>Model width E (embeddings, attention, residual stream).</summary>
    public int EmbeddingSize { get; init; } = 64;
    /// <summary>Attention heads (E must be divisible by it).</summary>
    public int Heads { get; init; } = 4;
    /// <summary>Hidden width of the feed-forward blocks; 0 means 4·E.</summary>
    public int FeedForwardSize { get; init; }
    /// <summary>Encoder blocks.</summary>
    public int EncoderLayers { get; init; } = 3;
    /// <summary>Decoder blocks.</summary>
    public int DecoderLayers { get; init; } = 3;
    /// <summary>Dropout on the embeddings (after the positions are added) and inside every block.</summary>
    public double Dropout { get; init; } = 0.1;
    /// <summary>Pre-LN blocks (<c>x + f(LN(x))</c>, PyTorch's <c>norm_first=True</c>); false for the original post-LN.</summary>
    public bool NormFirst { get; init; } = true;
    /// <summary><c>sinusoidal</c> (fixed, Vaswani et al.) or <c>learned</c> (one table per side).</summary>
    public string Positions { get; init; } = "sinusoidal";
    /// <summary>The longest source and the longest target (decoder input) in tokens: the size of the position tables.</summary>
    public int MaxLength { get; init; } = 256;
    /// <summary>The source embedding is the target embedding (and the output projection) too; needs equal vocabulary
    /// sizes, and is meant for a vocabulary shared by both sides.</summary>
    public bool ShareEmbeddings { get; init; }
    /// <summary>Label smoothing ε of the training loss (0 = plain cross-entropy).</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    private const string Owner = "Transformer seq2seq config";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field (limits: <see cref="ModelLimits"/>).</summary>
    public void Validate()
    {
        if (Model != ModelKind) throw new ArgumentException($"{Owner}: \"model\" is '{Model}', expected '{ModelKind}'.");
        if (SourceVocabularySize < 2 || TargetVocabularySize < 4)
            throw new ArgumentException($"{Owner}: vocabulary sizes must hold the special tokens, got source {SourceVocabularySize}, target {TargetVocabularySize}.");
        if (EmbeddingSize <= 0) throw new ArgumentException($"{Owner}: embeddingSize must be positive, got {EmbeddingSize}.");
        if (Heads <= 0 || EmbeddingSize % Heads != 0)
            throw new ArgumentException($"{Owner}: embeddingSize {EmbeddingSize} must be divisible by heads ({Heads}).");
        if (FeedForwardSize < 0) throw new ArgumentException($"{Owner}: feedForwardSize must be ≥ 0, got {FeedForwardSize}.");
        if (EncoderLayers <= 0 || DecoderLayers <= 0)
            throw new ArgumentException($"{Owner}: encoderLayers and decoderLayers must be positive, got {EncoderLayers} and {DecoderLayers}.");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"{Owner}: dropout must be in [0, 1), got {Dropout}.");
        if (LabelSmoothing is < 0 or >= 1) throw new ArgumentException($"{Owner}: labelSmoothing must be in [0, 1), got {LabelSmoothing}.");
        if (Positions is not ("sinusoidal" or "learned"))
            throw new ArgumentException($"{Owner}: unknown positions '{Positions}'; expected sinusoidal or learned.");
        if (MaxLength <= 0) throw new ArgumentException($"{Owner}: maxLength must be positive, got {MaxLength}.");
        if (ShareEmbeddings && SourceVocabularySize != TargetVocabularySize)
            throw new ArgumentException($"{Owner}: shareEmbeddings needs one vocabulary size on both sides, got source {SourceVocabularySize} and target {TargetVocabularySize}.");
        ModelLimits.Check(Owner, "sourceVocabularySize", SourceVocabularySize, ModelLimits.MaxVocabulary);
        ModelLimits.Check(Owner, "targetVocabularySize", TargetVocabularySize, ModelLimits.MaxVocabulary);
        ModelLimits.Check(Owner, "embeddingSize", EmbeddingSize, ModelLimits.MaxWidth);
        ModelLimits.Check(Owner, "feedForwardSize", FeedForwardSize, ModelLimits.MaxFeedForward);
        ModelLimits.Check(Owner, "encoderLayers", EncoderLayers, ModelLimits.MaxLayers);
        ModelLimits.Check(Owner, "decoderLayers", DecoderLayers, ModelLimits.MaxLayers);
        ModelLimits.Check(Owner, "maxLength", MaxLength, ModelLimits.MaxContext);
    }

    /// <summary>The options of every encoder and decoder block (GELU feed-forward, a final LayerNorm on each side as
    /// <c>nn.Transformer</c>).</summary>
    internal Layers.Transformer.TransformerOptions BlockOptions(bool encoder) => new()
    {
        EmbeddingSize = EmbeddingSize, Heads = Heads, FeedForwardSize = FeedForwardSize, Layers = encoder ? EncoderLayers : DecoderLayers,
        Causal = false, NormFirst = NormFirst, Dropout = Dropout, FinalNorm = true, Activation = GeluApproximation.None,
    };

    /// <summary>The config as one line of camelCase JSON.</summary>
    public string ToJson() => ConfigJson.Write(this);

    /// <summary>Parses and validates a config; <see cref="InvalidDataException"/> names <paramref name="source"/> and the key.</summary>
    public static TransformerSeq2SeqConfig FromJson(string json, string source) => ConfigJson.Read<TransformerSeq2SeqConfig>(json, source);
}
