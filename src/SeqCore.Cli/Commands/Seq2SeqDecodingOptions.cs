using SeqCore.Cli.Options;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// The decoding flags every seq2seq verb shares beside its own <c>--beam</c>, <c>--alpha</c> and <c>--max-length</c>:
/// the length limit relative to the source and the sentences decoded together, and the one place that turns them into
/// <see cref="Seq2SeqDecodeOptions"/>.
/// </summary>
internal static class Seq2SeqDecodingOptions
{
    public static readonly DoubleOption MaxLengthRatio = new("--max-length-ratio",
        "a in the longest output decoded for a source, ⌈a·|source|⌉ + b tokens (|source| counts its end token; capped by --max-length).", 2, 0, 1 << 20, valueName: "A");
    public static readonly IntOption MaxLengthExtra = new("--max-length-extra", "b in the longest output decoded for a source, ⌈a·|source|⌉ + b tokens.", 10, min: 0, max: 1 << 20, valueName: "B");
    public static readonly IntOption DecodeBatch = new("--decode-batch", "Sentences decoded together (each as K beam rows of one batch).", 64, max: 1 << 16);

    /// <summary>The three flags, for a verb's option list.</summary>
    public static IReadOnlyList<OptionSpec> All { get; } = [MaxLengthRatio, MaxLengthExtra, DecodeBatch];

    /// <summary>The decoding the flags ask for, with the verb's beam width, α and absolute cap.</summary>
    public static Seq2SeqDecodeOptions Read(OptionValues v, int beam, double alpha, int? maxLength)
    {
        double ratio = v.Get(MaxLengthRatio);
        int extra = v.Get(MaxLengthExtra);
        if (ratio == 0 && extra == 0)
            throw new UsageException($"{MaxLengthRatio.Name} and {MaxLengthExtra.Name} are both 0: no output could be decoded.");
        return new()
        {
            BeamWidth = beam, Alpha = alpha, MaxLength = maxLength, MaxLengthRatio = ratio, MaxLengthExtra = extra, Sentences = v.Get(DecodeBatch),
        };
    }

    /// <summary>Without <c>--max-length</c>, caps the outputs at the longest training target + 10 when the checkpoint
    /// records it (<see cref="ISeq2SeqModel{T}.MaxTargetLength"/>).</summary>
    public static Seq2SeqDecodeOptions WithTrainedCap(Seq2SeqDecodeOptions options, int maxTargetLength) =>
        options.MaxLength is null && maxTargetLength > 0 ? options with { MaxLength = maxTargetLength + 10 } : options;

    /// <summary>The decoding's budget shape: beam rows decoded at once over the longest source and its output limit.</summary>
    public static RunShape Shape(Seq2SeqDecodeOptions options, int sources, int longestSource) =>
        new(options.BeamWidth * Math.Min(sources, options.Sentences), longestSource, options.MaxLengthFor(longestSource)) { Decoding = true };
}
