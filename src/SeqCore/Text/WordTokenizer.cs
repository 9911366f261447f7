using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace SeqCore.Text;

/// <summary>
/// Word-level tokenizer. <b>Split rule:</b> whitespace separates tokens and is dropped; a word is a maximal run of
/// letters, combining marks, digits, underscores and apostrophes between letters (so <c>don't</c> stays whole);
/// every other character (punctuation, symbols, emoji) is a token of its own. Words are case-sensitive.
/// The vocabulary is <c>&lt;unk&gt;</c> at id 0 followed by the most frequent tokens of the training corpus, by
/// descending count, ties broken by ordinal string order, so training is deterministic. <see cref="Decode"/> joins
/// tokens with single spaces: whitespace is not preserved, but <c>Encode(Decode(Encode(t))) == Encode(t)</c>.
/// </summary>
public sealed class WordTokenizer : ITokenizer
{
    internal const string TypeName = "word";

    /// <summary>The unknown token, at id 0.</summary>
    public const string Unknown = "<unk>";

    readonly string[] _words;
    readonly Dictionary<string, int> _ids;

    /// <summary>The vocabulary by id; <c>Words[0]</c> is <see cref="Unknown"/>.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <inheritdoc/>
    public int VocabularySize => _words.Length;

    WordTokenizer(string[] words, Dictionary<string, int> ids) { _words = words; _ids = ids; }

    /// <summary>Splits <paramref name="text"/> by the rule in the class summary.</summary>
    public static List<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        int i = 0, n = text.Length;
        while (i < n)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var r, out int len);
            if (Rune.IsWhiteSpace(r)) { i += len; continue; }
            if (IsWordRune(r))
            {
                int start = i;
                i += len;
                while (i < n)
                {
                    Rune.DecodeFromUtf16(text.AsSpan(i), out var q, out int l);
                    if (IsWordRune(q)) { i += l; continue; }
                    // An apostrophe joins two word parts only when a letter follows it.
                    if ((q.Value == '\'' || q.Value == '\u2019') && i + l < n)
                    {
                        Rune.DecodeFromUtf16(text.AsSpan(i + l), out var after, out int l2);
                        if (Rune.IsLetter(after)) { i += l + l2; continue; }
                    }
                    break;
                }
                tokens.Add(text[start..i]);
            }
            else
            {
                tokens.Add(text.Substring(i, len));
                i += len;
            }
        }
        return tokens;
    }

    static bool IsWordRune(Rune r)
    {
        if (r.Value == '_') return true;
        var c = Rune.GetUnicodeCategory(r);
        return c is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
    }

    /// <summary>
    /// Builds a vocabulary of at most <paramref name="maxVocabulary"/> entries (including <c>&lt;unk&gt;</c>) from the
    /// tokens of <paramref name="corpus"/> seen at least <paramref name="minCount"/> times.
    /// </summary>
    public static WordTokenizer Train(string corpus, int maxVocabulary = int.MaxValue, int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxVocabulary, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in Split(corpus))
            counts[t] = counts.TryGetValue(t, out int c) ? c + 1 : 1;
        counts.Remove(Unknown);
        var ranked = counts.Where(kv => kv.Value >= minCount).ToList();
        ranked.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        var words = new List<string> { Unknown };
        foreach (var kv in ranked)
        {
            if (words.Count >= maxVocabulary) break;
            words.Add(kv.Key);
        }
        return Create(words.ToArray(), "WordTokenizer.Train");
    }

    static WordTokenizer Create(string[] words, string source)
    {
        if (words.Length == 0 || words[0] != Unknown)
            throw new InvalidDataException($"{source}: word 0 must be \"{Unknown}\".");
        return new WordTokenizer(words, TokenizerFile.IndexOf(source, "words", words));
    }

    /// <inheritdoc/>
    public int[] Encode(string text)
    {
        var tokens = Split(text);
        var ids = new int[tokens.Count];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = _ids.TryGetValue(tokens[i], out int id) ? id : 0;
        return ids;
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)_words.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), $"WordTokenizer.Decode: ids[{i}] = {id} is outside the vocabulary [0, {_words.Length}).");
            if (i > 0) sb.Append(' ');
            sb.Append(_words[id]);
        }
        return sb.ToString();
    }

    /// <inheritdoc/>
    public void Save(string path) => TokenizerFile.Write(path, TypeName, root =>
    {
        var a = new JsonArray();
        foreach (var w in _words) a.Add(w);
        root["words"] = a;
    });

    /// <summary>Reads a file written by <see cref="Save"/>; throws <see cref="InvalidDataException"/> naming the file and the fault.</summary>
    public static WordTokenizer Load(string path) => FromJson(path, TokenizerFile.Read(path, TypeName));

    internal static WordTokenizer FromJson(string path, JsonObject root)
    {
        var words = TokenizerFile.GetStringArray(path, root, "words");
        foreach (var w in words)
            if (w.Length == 0) throw new InvalidDataException($"{path}: \"words\" contains an empty string.");
        return Create(words, path);
    }
}
