namespace SeqCore.Cli.Options;

/// <summary>
/// The options of <c>seq2seq train</c> that choose the model family and shape the encoder–decoder transformer
/// (<c>--architecture transformer</c>); declared once here, read by the seq2seq training kind. The transformer also
/// reads the recurrent family's <c>--encoder-layers</c>, <c>--decoder-layers</c>, <c>--dropout</c> and <c>--embedding</c>.
/// </summary>
internal static class Seq2SeqTransformerOptions
{
    public static readonly ChoiceOption Architecture = new("--architecture", "Model family: recurrent (encoder–decoder with attention) or transformer (Vaswani et al.).", ["recurrent", "transformer"], "recurrent");
    public static readonly IntOption Heads = new("--heads", "Transformer: attention heads (--embedding must be divisible by it).", 4, max: 1024);
    public static readonly IntOption FeedForward = new("--ff", "Transformer: feed-forward width; 0 = 4·E.", 0, min: 0, max: 1 << 20);
    public static readonly DoubleOption LabelSmoothing = new("--label-smoothing", "Transformer: label smoothing ε of the training loss.", 0.1, 0, 0.99, valueName: "E");
    public static readonly ChoiceOption Positions = new("--positions", "Transformer positions: sinusoidal (fixed) or learned.", ["sinusoidal", "learned"], "sinusoidal");
    public static readonly FlagOption PostLn = new("--post-ln", "Transformer: LayerNorm after each residual sum (the original post-LN); default pre-LN.");
    public static readonly FlagOption ShareEmbeddings = new("--share-embeddings", "Transformer: one embedding for source, target and output (needs one vocabulary size on both sides).");
    public static readonly IntOption MaxPositions = new("--max-positions", "Transformer: longest source and target the model takes (default: twice the longest in the data, + 10).", null, max: 1 << 20);

    /// <summary>Every option here, in help order.</summary>
    public static IReadOnlyList<OptionSpec> All { get; } = [Architecture, Heads, FeedForward, LabelSmoothing, Positions, PostLn, ShareEmbeddings, MaxPositions];
}
