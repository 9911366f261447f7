using System.Globalization;
using System.Text;

namespace SeqCore.Text;

/// <summary>
/// GPT-2's pre-tokenisation: splits text into the pieces matched, left to right, by
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>, evaluated the way JavaScript
/// evaluates it with the <c>u</c> flag (as the reference encoder, npm <c>gpt-3-encoder</c> 1.1.4, does): on whole code
/// points, so a letter outside the BMP is a letter (a UTF-16 regex would see two surrogates and call them
/// punctuation), and <c>\s</c> is JavaScript's set (it includes U+FEFF and not U+0085, unlike .NET's <c>\s</c>).
/// An unpaired surrogate counts as a symbol, as in JavaScript. It is a hand-written scanner, not a
/// <see cref="System.Text.RegularExpressions.Regex"/>, which also makes it faster.
/// Letter and number classes come from .NET's Unicode tables, which may differ from Node's for characters assigned in
/// recent Unicode versions.
/// </summary>
internal static class Gpt2PreTokenizer
{
    /// <summary>The pattern this scanner implements (for documentation and for comparison in tests).</summary>
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    enum Kind : byte { Letter, Number, Space, Other }

    /// <summary>Returns the pieces of <paramref name="text"/> as (start, length) ranges in UTF-16 units; they tile the text.</summary>
    public static List<Range> Split(ReadOnlySpan<char> text)
    {
        var result = new List<Range>();
        Split(text, (s, l) => result.Add(new Range(s, s + l)));
        return result;
    }

    /// <summary>Calls <paramref name="piece"/>(start, length) for each piece of <paramref name="text"/>, in order.</summary>
    public static void Split(ReadOnlySpan<char> text, Action<int, int> piece)
    {
        int n = text.Length, i = 0;
        while (i < n)
        {
            int end = Match(text, i);
            piece(i, end - i);
            i = end;
        }
    }

    /// <summary>End (exclusive) of the piece starting at <paramref name="i"/>.</summary>
    static int Match(ReadOnlySpan<char> t, int i)
    {
        int n = t.Length;
        if (t[i] == '\'' && i + 1 < n)
        {
            char c = t[i + 1];
            if (c is 's' or 't' or 'm' or 'd') return i + 2;
            if (i + 2 < n)
            {
                char d = t[i + 2];
                if ((c == 'r' && d == 'e') || (c == 'v' && d == 'e') || (c == 'l' && d == 'l')) return i + 3;
            }
        }
        int j = i;
        if (t[j] == ' ' && j + 1 < n) j++;
        var k = KindAt(t, j, out int len);
        if (j > i && k == Kind.Space)
        {
            // " " followed by whitespace: the optional-space branches fail; fall through to the whitespace branches at i.
            j = i;
            k = Kind.Space;
            KindAt(t, i, out len);
        }
        if (k != Kind.Space)
        {
            j += len;
            while (j < n && KindAt(t, j, out len) == k) j += len;
            return j;
        }
        // Whitespace run starting at i.
        int last = i, end = i;
        while (end < n && KindAt(t, end, out len) == Kind.Space) { last = end; end += len; }
        if (end == n) return end;              // \s+(?!\S) takes the whole run at the end of the text
        return last > i ? last : end;          // leave the last space for the next piece, unless it is the only one (\s+)
    }

    static Kind KindAt(ReadOnlySpan<char> t, int i, out int length)
    {
        char c = t[i];
        if (c < 0x80)
        {
            length = 1;
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z') return Kind.Letter;
            if (c is >= '0' and <= '9') return Kind.Number;
            if (c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r') return Kind.Space;
            return Kind.Other;
        }
        if (Rune.DecodeFromUtf16(t[i..], out var r, out length) != System.Buffers.OperationStatus.Done)
            return Kind.Other; // unpaired surrogate: general category Cs, neither letter, number nor space
        if (IsJsSpace(r.Value)) return Kind.Space;
        switch (Rune.GetUnicodeCategory(r))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
                return Kind.Letter;
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                return Kind.Number;
            default:
                return Kind.Other;
        }
    }

    /// <summary>JavaScript's <c>\s</c> beyond ASCII: U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.</summary>
    static bool IsJsSpace(int c) =>
        c is 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A) or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 or 0xFEFF;
}
