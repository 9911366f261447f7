namespace SeqCore.Metrics;

/// <summary>
/// Counts of the n-grams of one order in one segment (a word n-gram is its words joined by single spaces, a character
/// n-gram its code points), with the clipped match count BLEU and chrF share.
/// </summary>
internal sealed class NGramCounts
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>The number of n-grams counted (with repeats).</summary>
    public int Total { get; private set; }

    /// <summary>True when no n-gram was counted.</summary>
    public bool IsEmpty => Total == 0;

    /// <summary>The word n-grams of order <paramref name="n"/> of <paramref name="words"/>.</summary>
    public static NGramCounts OfWords(IReadOnlyList<string> words, int n)
    {
        var counts = new NGramCounts();
        for (int i = 0; i + n <= words.Count; i++)
            counts.Add(string.Join(' ', words.Skip(i).Take(n)));
        return counts;
    }

    /// <summary>The character n-grams of order <paramref name="n"/> of <paramref name="text"/>, whose code points start at
    /// <paramref name="offsets"/> (<see cref="PythonText.CodePointOffsets"/>).</summary>
    public static NGramCounts OfCharacters(string text, int[] offsets, int n)
    {
        var counts = new NGramCounts();
        int codePoints = offsets.Length - 1;
        for (int i = 0; i + n <= codePoints; i++)
            counts.Add(text[offsets[i]..offsets[i + n]]);
        return counts;
    }

    /// <summary>The count of each n-gram, the largest over <paramref name="references"/>: the most a hypothesis may be
    /// credited for it when there are several references (BLEU's clipping, Papineni et al. 2002).</summary>
    public static NGramCounts MaxOver(IEnumerable<NGramCounts> references)
    {
        var max = new NGramCounts();
        foreach (var reference in references)
            foreach (var (gram, count) in reference._counts)
            {
                int before = max._counts.GetValueOrDefault(gram);
                if (count > before) { max._counts[gram] = count; max.Total += count - before; }
            }
        return max;
    }

    /// <summary>Σ over this segment's n-grams of min(count here, count in <paramref name="reference"/>).</summary>
    public int ClippedMatches(NGramCounts reference)
    {
        int matches = 0;
        foreach (var (gram, count) in _counts)
            matches += Math.Min(count, reference._counts.GetValueOrDefault(gram));
        return matches;
    }

    private void Add(string gram)
    {
        _counts[gram] = _counts.GetValueOrDefault(gram) + 1;
        Total++;
    }
}
