using System.Text;
using System.Text.Json.Nodes;

namespace SeqCore.Text;

/// <summary>
/// One token per Unicode code point (so an emoji outside the BMP is one token, and an unpaired surrogate reads as
/// U+FFFD). The vocabulary is the corpus's distinct code points sorted by code point value, optionally preceded by an
/// unknown token at id 0 that stands for any code point not in the vocabulary. Without an unknown token, encoding
/// an unseen code point throws.
/// </summary>
public sealed class CharTokenizer : ITokenizer
{
    internal const string TypeName = "char";

    readonly string[] _symbols;
    readonly Dictionary<int, int> _ids;

    /// <summary>The code points of the vocabulary, by id (as strings; the unknown token, if any, is at id 0).</summary>
    public IReadOnlyList<string> Symbols => _symbols;

    /// <summary>The unknown token's text, or null when the vocabulary has none.</summary>
    public string? UnknownToken { get; }

    /// <summary>Id of the unknown token, or -1.</summary>
    public int UnknownId => UnknownToken is null ? -1 : 0;

    /// <inheritdoc/>
    public int VocabularySize => _symbols.Length;

    CharTokenizer(string[] symbols, string? unknown, string source)
    {
        _symbols = symbols;
        UnknownToken = unknown;
        _ids = new Dictionary<int, int>(symbols.Length);
        for (int i = unknown is null ? 0 : 1; i < symbols.Length; i++)
        {
            var s = symbols[i];
            if (s.Length == 0 || !Rune.TryGetRuneAt(s, 0, out var r) || r.Utf16SequenceLength != s.Length)
                throw new InvalidDataException($"{source}: symbol {i} ({TokenizerFile.Quote(s)}) is not exactly one Unicode code point.");
            if (!_ids.TryAdd(r.Value, i))
                throw new InvalidDataException($"{source}: symbol {TokenizerFile.Quote(s)} appears twice (ids {_ids[r.Value]} and {i}).");
        }
    }

    /// <summary>
    /// Builds the vocabulary from <paramref name="corpus"/>: its distinct code points in ascending order. With
    /// <paramref name="unknownToken"/> (for example <c>"&lt;unk&gt;"</c>), id 0 is reserved for code points outside it.
    /// </summary>
    public static CharTokenizer Train(string corpus, string? unknownToken = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var set = new SortedSet<int>();
        foreach (var r in corpus.EnumerateRunes()) set.Add(r.Value);
        var symbols = new List<string>(set.Count + 1);
        if (unknownToken is not null)
        {
            if (unknownToken.Length == 0) throw new ArgumentException("The unknown token must not be empty.", nameof(unknownToken));
            symbols.Add(unknownToken);
        }
        foreach (int cp in set) symbols.Add(char.ConvertFromUtf32(cp));
        return new CharTokenizer(symbols.ToArray(), unknownToken, "CharTokenizer.Train");
    }

    /// <inheritdoc/>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        foreach (var r in text.EnumerateRunes())
        {
            if (_ids.TryGetValue(r.Value, out int id)) ids.Add(id);
            else if (UnknownToken is not null) ids.Add(0);
            else throw new ArgumentException($"character U+{r.Value:X4} ('{r}') is not in the vocabulary of {VocabularySize} symbols and there is no unknown token.");
        }
        return ids.ToArray();
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)_symbols.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), $"CharTokenizer.Decode: ids[{i}] = {id} is outside the vocabulary [0, {_symbols.Length}).");
            sb.Append(_symbols[id]);
        }
        return sb.ToString();
    }

    /// <inheritdoc/>
    public void Save(string path) => TokenizerFile.Write(path, TypeName, root =>
    {
        root["unknown"] = UnknownToken;
        var a = new JsonArray();
        foreach (var s in _symbols) a.Add(s);
        root["symbols"] = a;
    });

    /// <summary>Reads a file written by <see cref="Save"/>; throws <see cref="InvalidDataException"/> naming the file and the fault.</summary>
    public static CharTokenizer Load(string path) => FromJson(path, TokenizerFile.Read(path, TypeName));

    internal static CharTokenizer FromJson(string path, JsonObject root)
    {
        string? unknown = TokenizerFile.GetOptionalString(path, root, "unknown");
        string[] symbols = TokenizerFile.GetStringArray(path, root, "symbols");
        if (unknown is not null && (symbols.Length == 0 || symbols[0] != unknown))
            throw new InvalidDataException($"{path}: the unknown token {TokenizerFile.Quote(unknown)} must be symbol 0.");
        return new CharTokenizer(symbols, unknown, path);
    }
}
