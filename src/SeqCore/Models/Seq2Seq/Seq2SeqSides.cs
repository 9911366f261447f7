using System.Text;
using System.Text.Json.Nodes;
using SeqCore.Text;

namespace SeqCore.Models;

/// <summary>
/// One side's token list of a <see cref="Seq2SeqVocabulary"/> (or both sides' when joint): text to ids and back. Ids
/// below <see cref="First"/> are the vocabulary's special tokens; token <c>i</c> of the list has id <c>First + i</c>.
/// </summary>
internal abstract class Seq2SeqSide(int first)
{
    /// <summary>The id of the first ordinary token (the number of special ids before it).</summary>
    public int First { get; } = first;

    /// <summary>Ids in all, specials included.</summary>
    public int Size => First + Count;

    /// <summary>Ordinary tokens.</summary>
    public abstract int Count { get; }

    /// <summary>The ids of <paramref name="text"/>, no special tokens; <see cref="ArgumentException"/> when a character
    /// cannot be encoded (character vocabularies only: the others have an unknown token or cover every byte).</summary>
    public abstract void Encode(string text, List<int> ids, string side);

    /// <summary>The text of ordinary ids (<paramref name="ids"/> hold no specials but perhaps the unknown id).</summary>
    public abstract string Decode(IReadOnlyList<int> ids);

    /// <summary>A readable label of one ordinary id, for plots.</summary>
    public abstract string Label(int id);

    /// <summary>The token list as JSON.</summary>
    public abstract JsonNode ToJson();
}

/// <summary>One token per Unicode code point, in code-point order; a character outside the list is an error.</summary>
internal sealed class CharacterSide : Seq2SeqSide
{
    private readonly string[] _chars;
    private readonly Dictionary<int, int> _ids = [];

    public CharacterSide(string[] chars, int first) : base(first)
    {
        _chars = chars;
        for (int i = 0; i < chars.Length; i++) _ids[Rune.GetRuneAt(chars[i], 0).Value] = i + first;
    }

    public IReadOnlyList<string> Characters => _chars;

    public override int Count => _chars.Length;

    public static CharacterSide Build(IEnumerable<string> texts, int first)
    {
        var set = new SortedSet<int>();
        foreach (string t in texts) foreach (var r in t.EnumerateRunes()) set.Add(r.Value);
        return new CharacterSide([.. set.Select(char.ConvertFromUtf32)], first);
    }

    public override void Encode(string text, List<int> ids, string side)
    {
        foreach (var r in text.EnumerateRunes())
        {
            if (!_ids.TryGetValue(r.Value, out int id))
                throw new ArgumentException($"character {Describe(r)} is not in the {side} vocabulary (it never occurs in the training {side}s).");
            ids.Add(id);
        }
    }

    public override string Decode(IReadOnlyList<int> ids)
    {
        var sb = new StringBuilder();
        foreach (int id in ids) sb.Append(_chars[id - First]);
        return sb.ToString();
    }

    public override string Label(int id) => _chars[id - First];

    public override JsonNode ToJson() => new JsonArray([.. _chars.Select(s => (JsonNode)JsonValue.Create(s)!)]);

    public static CharacterSide FromJson(JsonNode? node, int first, string what, string sourceName)
    {
        var chars = Strings(node, what, sourceName);
        var seen = new HashSet<int>();
        foreach (var c in chars)
        {
            if (!Rune.TryGetRuneAt(c, 0, out var r) || r.Utf16SequenceLength != c.Length || !seen.Add(r.Value))
                throw new InvalidDataException($"{sourceName}: the '{what}' vocabulary entry \"{c}\" is not one distinct code point.");
        }
        return new CharacterSide(chars, first);
    }

    internal static string[] Strings(JsonNode? node, string what, string sourceName) =>
        node is JsonArray array ? [.. array.Select(n => n?.GetValue<string>() ?? "")]
            : throw new InvalidDataException($"{sourceName}: the vocabulary has no '{what}' array.");

    private static string Describe(Rune r) => Rune.IsControl(r) || Rune.IsWhiteSpace(r) && r.Value != ' '
        ? $"U+{r.Value:X4}" : $"'{r}' (U+{r.Value:X4})";
}

/// <summary>
/// Words: the pieces of GPT-2's pre-tokeniser (a word with the space before it, a number, a run of punctuation), so
/// that decoding is concatenation and restores the spacing exactly. The list holds every piece of the training texts,
/// most frequent first (ties in ordinal order); any other piece is the unknown token.
/// </summary>
internal sealed class WordSide : Seq2SeqSide
{
    /// <summary>The text the unknown token decodes to.</summary>
    public const string UnknownText = "<unk>";

    private readonly string[] _words;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly int _unknown;

    public WordSide(string[] words, int first, int unknown) : base(first)
    {
        _words = words;
        _unknown = unknown;
        for (int i = 0; i < words.Length; i++)
            if (!_ids.TryAdd(words[i], i + first)) throw new InvalidDataException($"the word \"{words[i]}\" is listed twice.");
    }

    public override int Count => _words.Length;

    public static WordSide Build(IEnumerable<string> texts, int first, int unknown)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string t in texts)
            foreach (var range in Gpt2PreTokenizer.Split(t))
            {
                string piece = t[range];
                counts[piece] = counts.GetValueOrDefault(piece) + 1;
            }
        var words = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key).ToArray();
        return new WordSide(words, first, unknown);
    }

    public override void Encode(string text, List<int> ids, string side)
    {
        foreach (var range in Gpt2PreTokenizer.Split(text))
            ids.Add(_ids.TryGetValue(text[range], out int id) ? id : _unknown);
    }

    public override string Decode(IReadOnlyList<int> ids)
    {
        var sb = new StringBuilder();
        foreach (int id in ids) sb.Append(id == _unknown ? (sb.Length > 0 ? " " : "") + UnknownText : _words[id - First]);
        return sb.ToString();
    }

    public override string Label(int id) => _words[id - First];

    public override JsonNode ToJson() => new JsonArray([.. _words.Select(s => (JsonNode)JsonValue.Create(s)!)]);

    public static WordSide FromJson(JsonNode? node, int first, int unknown, string what, string sourceName)
    {
        try { return new WordSide(CharacterSide.Strings(node, what, sourceName), first, unknown); }
        catch (InvalidDataException e) when (!e.Message.StartsWith(sourceName, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{sourceName}: the '{what}' vocabulary is malformed: {e.Message}");
        }
    }
}

/// <summary>Byte-level BPE (<see cref="ByteLevelBpeTokenizer"/>): every text is encodable, decoding joins the tokens'
/// bytes and reads them as UTF-8.</summary>
internal sealed class BpeSide(ByteLevelBpeTokenizer tokenizer, int first) : Seq2SeqSide(first)
{
    public ByteLevelBpeTokenizer Tokenizer { get; } = tokenizer;

    public override int Count => Tokenizer.VocabularySize;

    /// <summary>Learns <paramref name="merges"/> merges from the texts (one corpus, a newline between texts).</summary>
    public static BpeSide Build(IEnumerable<string> texts, int merges, int first) =>
        new(ByteLevelBpeTokenizer.Train(string.Join('\n', texts), merges), first);

    public override void Encode(string text, List<int> ids, string side)
    {
        foreach (int id in Tokenizer.Encode(text)) ids.Add(id + First);
    }

    public override string Decode(IReadOnlyList<int> ids) => Tokenizer.Decode([.. ids.Select(id => id - First)]);

    /// <summary>The token's bytes read as UTF-8 (a space before a word stays a space; half of a character split between
    /// two tokens reads U+FFFD), not its byte-level spelling (<c>Ġde</c>, <c>apÃ³sto</c>).</summary>
    public override string Label(int id) => Tokenizer.Decode([id - First]);

    public override JsonNode ToJson() => new JsonObject
    {
        ["vocabulary"] = new JsonArray([.. Tokenizer.Tokens.Select(s => (JsonNode)JsonValue.Create(s)!)]),
        ["merges"] = new JsonArray([.. Tokenizer.Merges.Select(m => (JsonNode)JsonValue.Create(m.Left + " " + m.Right)!)]),
    };

    public static BpeSide FromJson(JsonNode? node, int first, string what, string sourceName) =>
        node is JsonObject o ? new(ByteLevelBpeTokenizer.FromJson($"{sourceName} ('{what}')", o), first)
            : throw new InvalidDataException($"{sourceName}: the vocabulary has no '{what}' object.");
}
