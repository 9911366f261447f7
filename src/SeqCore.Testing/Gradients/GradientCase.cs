namespace SeqCore.Testing;

/// <summary>A named gradient check, e.g. <c>lstm.peephole.bidirectional.ragged</c>; runnable on any double backend.</summary>
public sealed record GradientCase(string Name, Func<IBackend<double>, GradientCheckResult> Run)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Every built-in gradient check; used by the test suite and by <c>seqcore gradcheck</c>.</summary>
public static class GradientCases
{
    /// <summary>All cases, in a stable order.</summary>
    public static IReadOnlyList<GradientCase> All { get; } =
        [.. LayerGradientCases.Cases, .. RecurrentGradientCases.Cases, .. BlockGradientCases.Cases, .. AttentionGradientCases.Cases, .. TransformerGradientCases.Cases, .. TransformerDecoderGradientCases.Cases, .. LossGradientCases.Cases,
         .. Seq2SeqGradientCases.Cases,
         .. TransformerSeq2SeqGradientCases.Cases,
         .. ForecasterGradientCases.Cases,
         .. Word2VecGradientCases.Cases,
         .. ClassifierGradientCases.Cases,
         .. TaggerGradientCases.Cases,
         .. LanguageModelGradientCases.Cases];

    /// <summary>Cases whose name contains <paramref name="filter"/> (case-insensitive); all when it is empty.</summary>
    public static IEnumerable<GradientCase> Matching(string? filter) =>
        string.IsNullOrEmpty(filter) ? All : All.Where(c => c.Name.Contains(filter, StringComparison.OrdinalIgnoreCase));
}
