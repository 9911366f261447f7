namespace SeqCore.Models;

/// <summary>
/// The Spanish diacritics of the restoration task, one tag per character: <see cref="None"/>, or the mark the letter
/// carries — acute (á é í ó ú), tilde (ñ), diaeresis (ü) or circumflex (â ê î ô û, found in the Reina-Valera 1909
/// text) — in either case. <see cref="Strip(string)"/> removes them letter for letter (the text keeps its length and
/// case), <see cref="MarksOf"/> gives the tags of a text, and <see cref="Restore"/> puts marks back on a stripped text.
/// </summary>
public static class Diacritics
{
    /// <summary>The tag of a character without a mark.</summary>
    public const string None = "none";

    /// <summary>The tag set of the task, in tag-id order.</summary>
    public static IReadOnlyList<string> Tags { get; } = [None, "acute", "tilde", "diaeresis", "circumflex"];

    // Lower-case marked letters and (base, mark); upper case follows by ToUpperInvariant.
    private static readonly (char Marked, char Base, string Mark)[] Table =
    [
        ('á', 'a', "acute"), ('é', 'e', "acute"), ('í', 'i', "acute"), ('ó', 'o', "acute"), ('ú', 'u', "acute"),
        ('ñ', 'n', "tilde"), ('ü', 'u', "diaeresis"),
        ('â', 'a', "circumflex"), ('ê', 'e', "circumflex"), ('î', 'i', "circumflex"), ('ô', 'o', "circumflex"), ('û', 'u', "circumflex"),
    ];

    private static readonly Dictionary<char, (char Base, string Mark)> StripTable = BuildStrip();
    private static readonly Dictionary<(char Base, string Mark), char> MarkTable = StripTable.ToDictionary(p => p.Value, p => p.Key);

    private static Dictionary<char, (char, string)> BuildStrip()
    {
        var table = new Dictionary<char, (char, string)>();
        foreach (var (marked, b, mark) in Table)
        {
            table[marked] = (b, mark);
            table[char.ToUpperInvariant(marked)] = (char.ToUpperInvariant(b), mark);
        }
        return table;
    }

    /// <summary>Whether the stripped letter <paramref name="c"/> can carry one of the marks (a e i o u n, either case):
    /// the letters character accuracy is measured on.</summary>
    public static bool CanCarryMark(char c) => "aeiounAEIOUN".Contains(c, StringComparison.Ordinal);

    /// <summary>The letter without its mark, and the mark (<see cref="None"/> for any other character).</summary>
    public static (char Base, string Mark) Strip(char c) => StripTable.TryGetValue(c, out var m) ? m : (c, None);

    /// <summary>The text with every mark removed (same length, same case).</summary>
    public static string Strip(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Create(text.Length, text, (span, t) => { for (int i = 0; i < t.Length; i++) span[i] = Strip(t[i]).Base; });
    }

    /// <summary>The mark of every character of <paramref name="text"/>: the tags of the task.</summary>
    public static string[] MarksOf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var marks = new string[text.Length];
        for (int i = 0; i < text.Length; i++) marks[i] = Strip(text[i]).Mark;
        return marks;
    }

    /// <summary><paramref name="baseLetter"/> with <paramref name="mark"/>; unchanged when the mark is
    /// <see cref="None"/> or the letter cannot carry it (a tilde on an e).</summary>
    public static char Apply(char baseLetter, string mark) =>
        mark != None && MarkTable.TryGetValue((baseLetter, mark), out char marked) ? marked : baseLetter;

    /// <summary>The stripped text with one mark per character applied (<see cref="Apply"/>).</summary>
    public static string Restore(string stripped, IReadOnlyList<string> marks)
    {
        ArgumentNullException.ThrowIfNull(stripped);
        ArgumentNullException.ThrowIfNull(marks);
        if (marks.Count != stripped.Length) throw new ArgumentException($"Diacritics.Restore: {marks.Count} marks for a text of {stripped.Length} characters.");
        return string.Create(stripped.Length, (stripped, marks), (span, s) => { for (int i = 0; i < span.Length; i++) span[i] = Apply(s.stripped[i], s.marks[i]); });
    }

    /// <summary>The character sentence of the task for one text: the stripped characters as tokens, their marks as tags.</summary>
    public static TaggedSentence Sentence(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new TaggedSentence([.. Strip(text).Select(c => c.ToString())], MarksOf(text), source);
    }

    /// <summary>The words of <paramref name="text"/>: its maximal runs of letters, as (start, length).</summary>
    public static IEnumerable<(int Start, int Length)> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (int i = 0; i < text.Length;)
        {
            if (!char.IsLetter(text[i])) { i++; continue; }
            int start = i;
            while (i < text.Length && char.IsLetter(text[i])) i++;
            yield return (start, i - start);
        }
    }
}
