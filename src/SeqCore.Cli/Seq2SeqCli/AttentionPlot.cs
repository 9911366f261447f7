using SeqCore.Cli.Plots;
using SeqCore.Models;

namespace SeqCore.Cli.Seq2SeqCli;

/// <summary>Builds the attention heatmap of one decoded example: source tokens across, generated tokens down.</summary>
internal static class AttentionPlot
{
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
