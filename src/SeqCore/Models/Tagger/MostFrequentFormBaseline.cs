namespace SeqCore.Models;

/// <summary>
/// The word-lookup baseline of diacritic restoration: for each word of the training texts (a run of letters, lower
/// case), its stripped form mapped to its most frequent marked form (ties: the ordinally first). Restoring puts the marks
/// of that form on each word of a stripped text, keeping the text's case; words never seen in training stay unchanged.
/// </summary>
public sealed class MostFrequentFormBaseline
{
    private readonly Dictionary<string, string> _forms;

    private MostFrequentFormBaseline(Dictionary<string, string> forms) => _forms = forms;

    /// <summary>Stripped lower-case words known from training.</summary>
    public int Count => _forms.Count;

    /// <summary>Counts the forms of every word of <paramref name="texts"/> (the original, marked texts).</summary>
    public static MostFrequentFormBaseline Train(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var counts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (string text in texts)
            foreach (var (start, length) in Diacritics.Words(text))
            {
                string form = text.Substring(start, length).ToLowerInvariant();
                string key = Diacritics.Strip(form);
                if (!counts.TryGetValue(key, out var forms)) counts[key] = forms = new Dictionary<string, int>(StringComparer.Ordinal);
                forms[form] = forms.GetValueOrDefault(form) + 1;
            }
        return new MostFrequentFormBaseline(counts.ToDictionary(p => p.Key,
            p => p.Value.OrderByDescending(f => f.Value).ThenBy(f => f.Key, StringComparer.Ordinal).First().Key, StringComparer.Ordinal));
    }

    /// <summary>The marked form of the stripped word <paramref name="word"/> (any case), or null when unseen.</summary>
    public string? FormOf(string word) => _forms.GetValueOrDefault(Diacritics.Strip(word.ToLowerInvariant()));

    /// <summary>A stripped text with every known word given the marks of its most frequent form.</summary>
    public string Restore(string stripped)
    {
        ArgumentNullException.ThrowIfNull(stripped);
        var result = stripped.ToCharArray();
        foreach (var (start, length) in Diacritics.Words(stripped))
        {
            if (FormOf(stripped.Substring(start, length)) is not { } form) continue;
            for (int i = 0; i < length; i++) result[start + i] = Diacritics.Apply(stripped[start + i], Diacritics.Strip(form[i]).Mark);
        }
        return new string(result);
    }
}
