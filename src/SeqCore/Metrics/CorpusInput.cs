namespace SeqCore.Metrics;

/// <summary>The checks every corpus metric makes of its input: hypotheses and 1 … k reference streams, each stream
/// holding one reference per hypothesis (sacreBLEU's layout).</summary>
internal static class CorpusInput
{
    /// <summary>Throws <see cref="ArgumentException"/> unless there is at least one stream, every stream has one line per
    /// hypothesis and no line is null.</summary>
    public static void Check(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(references);
        if (references.Count == 0) throw new ArgumentException("at least one reference stream is needed.", nameof(references));
        for (int i = 0; i < hypotheses.Count; i++)
            if (hypotheses[i] is null) throw new ArgumentException($"hypothesis {i} is null.", nameof(hypotheses));
        for (int k = 0; k < references.Count; k++)
        {
            var stream = references[k] ?? throw new ArgumentException($"reference stream {k} is null.", nameof(references));
            if (stream.Count != hypotheses.Count)
                throw new ArgumentException($"reference stream {k} has {stream.Count} lines, the hypotheses {hypotheses.Count}.", nameof(references));
            for (int i = 0; i < stream.Count; i++)
                if (stream[i] is null) throw new ArgumentException($"reference {i} of stream {k} is null.", nameof(references));
        }
    }
}
