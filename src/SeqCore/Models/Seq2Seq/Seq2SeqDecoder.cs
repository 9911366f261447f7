using System.Numerics;

namespace SeqCore.Models;

/// <summary>How <see cref="Seq2SeqDecoder"/> decodes: greedy (k = 1) or beam search, the length normalisation, the
/// longest output allowed for each source, and how many sentences are decoded together.</summary>
public sealed record Seq2SeqDecodeOptions
{
    /// <summary>Beam width k; 1 is greedy decoding.</summary>
    public int BeamWidth { get; init; } = 1;

    /// <summary>GNMT length normalisation α of beam search (see <see cref="BeamSearch"/>); 0 ranks by log-probability.</summary>
    public double Alpha { get; init; } = 0.6;

    /// <summary>a in the length limit <c>⌈a·|source|⌉ + b</c>, |source| counting the source ids with their end token.</summary>
    public double MaxLengthRatio { get; init; } = 2;

    /// <summary>b in the length limit <c>⌈a·|source|⌉ + b</c>.</summary>
    public int MaxLengthExtra { get; init; } = 10;

    /// <summary>An absolute cap on every output's length (end token included); null for none.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Sentences decoded together (each as k rows of one batch).</summary>
    public int Sentences { get; init; } = 64;

    /// <summary>The longest output decoded for a source of <paramref name="sourceLength"/> ids (at least 1).</summary>
    public int MaxLengthFor(int sourceLength)
    {
        double relative = Math.Ceiling(MaxLengthRatio * sourceLength) + MaxLengthExtra;
        double limit = MaxLength is { } cap ? Math.Min(cap, relative) : relative;
        return (int)Math.Clamp(limit, 1, int.MaxValue);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (BeamWidth <= 0) throw new ArgumentException($"Seq2SeqDecodeOptions: the beam width must be positive, got {BeamWidth}.");
        if (!(Alpha >= 0) || double.IsInfinity(Alpha)) throw new ArgumentException($"Seq2SeqDecodeOptions: α must be finite and ≥ 0, got {Alpha}.");
        if (!(MaxLengthRatio >= 0) || double.IsInfinity(MaxLengthRatio))
            throw new ArgumentException($"Seq2SeqDecodeOptions: the max-length ratio must be finite and ≥ 0, got {MaxLengthRatio}.");
        if (MaxLengthExtra < 0) throw new ArgumentException($"Seq2SeqDecodeOptions: the max-length extra must be ≥ 0, got {MaxLengthExtra}.");
        if (MaxLength is <= 0) throw new ArgumentException($"Seq2SeqDecodeOptions: the max length must be positive, got {MaxLength}.");
        if (Sentences <= 0) throw new ArgumentException($"Seq2SeqDecodeOptions: sentences per batch must be positive, got {Sentences}.");
        if (MaxLengthRatio == 0 && MaxLengthExtra == 0)
            throw new ArgumentException("Seq2SeqDecodeOptions: a max-length ratio and extra of 0 allow no output.");
    }
}

/// <summary>
/// Greedy decoding and beam search for any <see cref="ISeq2SeqModel{T}"/>, batched over sentences: the sources are
/// ordered by length (less padding, fewer idle rows), taken <see cref="Seq2SeqDecodeOptions.Sentences"/> at a time,
/// encoded once into a scorer of n·k rows (<see cref="ISeq2SeqModel{T}.CreateScorer"/>) and searched together by
/// <see cref="BeamSearch"/>, each sentence finishing on its own. Results come back in the sources' order.
/// </summary>
public static class Seq2SeqDecoder
{
    /// <summary>The best hypothesis for each source (each ending with the source end token).</summary>
    public static DecodedSequence[] Decode<T>(ISeq2SeqModel<T> model, IReadOnlyList<int[]> sources, Seq2SeqDecodeOptions options)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        [.. DecodeAll(model, sources, options).Select(Best)];

    /// <summary>Every finished hypothesis for each source, best score first.</summary>
    public static IReadOnlyList<DecodedSequence>[] DecodeAll<T>(ISeq2SeqModel<T> model, IReadOnlyList<int[]> sources, Seq2SeqDecodeOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var results = new IReadOnlyList<DecodedSequence>[sources.Count];
        int[] order = [.. Enumerable.Range(0, sources.Count).OrderBy(i => sources[i].Length)]; // stable
        foreach (var chunk in order.Chunk(options.Sentences))
        {
            int[][] batch = [.. chunk.Select(i => sources[i])];
            int[] limits = [.. batch.Select(s => options.MaxLengthFor(s.Length))];
            using var scorer = model.CreateScorer(batch, options.BeamWidth);
            var found = BeamSearch.Run(scorer, batch.Length, Seq2SeqVocabulary.Bos, Seq2SeqVocabulary.Eos, limits, options.Alpha);
            for (int j = 0; j < chunk.Length; j++) results[chunk[j]] = found[j];
        }
        return results;
    }

    /// <summary>The first (best) hypothesis, or an empty unfinished one when the search found none.</summary>
    private static DecodedSequence Best(IReadOnlyList<DecodedSequence> hypotheses) =>
        hypotheses.Count > 0 ? hypotheses[0] : new DecodedSequence([], double.NegativeInfinity, double.NegativeInfinity, false, []);

    /// <summary>A decoded sequence's tokens without its end token.</summary>
    public static int[] WithoutEnd(DecodedSequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        return sequence.Finished ? sequence.Tokens[..^1] : sequence.Tokens;
    }
}
