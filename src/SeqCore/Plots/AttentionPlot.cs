using SeqCore.Models;

namespace SeqCore.Plots;

/// <summary>Builds the attention heatmap of one decoded example: source tokens across, generated tokens down.</summary>
public static class AttentionPlot
{
    /// <summary>The heatmap of <paramref name="decoded"/>'s attention weights over <paramref name="source"/>, titled with
    /// the source text, the decoded text and how it was decoded (e.g. <c>"beam 5"</c>).</summary>
    public static AttentionHeatmap Create(Seq2SeqVocabulary vocabulary, string sourceText, int[] source, DecodedSequence decoded, string decoding)
    {
        var rows = decoded.Tokens.Select(vocabulary.TargetLabel).ToList();
        return new AttentionHeatmap
        {
            Title = $"Attention ({decoding}): \"{sourceText}\" → \"{vocabulary.DecodeTarget(decoded.Tokens)}\"",
            Columns = [.. source.Select(vocabulary.SourceLabel)],
            Rows = rows,
            Weights = [.. decoded.Attention.Select(r => (IReadOnlyList<double>)r)],
        };
    }
}
