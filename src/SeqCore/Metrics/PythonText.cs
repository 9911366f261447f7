using System.Text;

namespace SeqCore.Metrics;

/// <summary>
/// The few Python <c>str</c> rules sacreBLEU's metrics rest on, so SeqCore's scores match its scores on any text:
/// what counts as whitespace (<c>str.split()</c>, <c>str.rstrip()</c>) and characters as Unicode code points (Python
/// indexes code points; a .NET string indexes UTF-16 units).
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace</c>: .NET's white space plus U+001C–U+001F (the information separators,
    /// which Python counts as whitespace and .NET does not).</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001c' and <= '\u001f';

    /// <summary>Python's <c>text.split()</c>: the runs of non-whitespace, leading and trailing whitespace dropped.</summary>
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && IsSpace(text[i])) i++;
            int start = i;
            while (i < text.Length && !IsSpace(text[i])) i++;
            if (i > start) words.Add(text[start..i]);
        }
        return words;
    }

    /// <summary>Python's <c>text.rstrip()</c>.</summary>
    public static string TrimEnd(string text)
    {
        int end = text.Length;
        while (end > 0 && IsSpace(text[end - 1])) end--;
        return text[..end];
    }

    /// <summary>Python's <c>''.join(text.split())</c>: every whitespace character removed.</summary>
    public static string RemoveSpaces(string text)
    {
        var kept = new StringBuilder(text.Length);
        foreach (char c in text)
            if (!IsSpace(c)) kept.Append(c);
        return kept.ToString();
    }

    /// <summary>The UTF-16 offset of every code point of <paramref name="text"/>, then <c>text.Length</c>: code point
    /// <c>i</c> is <c>text[offsets[i]..offsets[i + 1]]</c>. A surrogate pair is one code point, as in Python.</summary>
    public static int[] CodePointOffsets(string text)
    {
        var offsets = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1) offsets.Add(i);
        offsets.Add(text.Length);
        return [.. offsets];
    }
}
