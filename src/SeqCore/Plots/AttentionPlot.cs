using SeqCore.Models;
using SeqCore.Text;

namespace SeqCore.Plots;

/// <summary>Builds attention heatmaps: a seq2seq decoded example (source tokens across, generated tokens down) or a
/// language model's self-attention (every position down, the positions it may look at across).</summary>
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

    /// <summary>
    /// The heatmap of a language model's self-attention over <paramref name="tokens"/> (from
    /// <see cref="LanguageModel{T}.AttentionWeights"/>): row t is position t, column s the earlier position it attends to;
    /// both axes carry the tokens as <paramref name="tokenizer"/> decodes them one by one (spaces as ␣, line ends as ↵).
    /// </summary>
    public static AttentionHeatmap ForLanguageModel(ITokenizer tokenizer, IReadOnlyList<int> tokens, double[][] weights, string title)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(weights);
        var labels = tokens.Select(id => TokenLabel(tokenizer, id)).ToList();
        return new AttentionHeatmap
        {
            Title = title, Columns = labels, Rows = labels, Weights = [.. weights.Select(r => (IReadOnlyList<double>)r)],
            ColumnCaption = "attends to (earlier position) →", RowCaption = "position ↓",
        };
    }

    private static string TokenLabel(ITokenizer tokenizer, int id) =>
        tokenizer.Decode([id]).Replace(' ', '␣').Replace("\r\n", "↵").Replace('\n', '↵').Replace('\t', '⇥');
}
