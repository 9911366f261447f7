using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SeqCore.Models;

/// <summary>
/// The character vocabularies of a <see cref="Seq2Seq{T}"/>: one token per Unicode code point. The source side has
/// <c>&lt;pad&gt;</c> = 0 and <c>&lt;eos&gt;</c> = 1 (appended to every source, so no source is empty and the encoder
/// sees where it ends); the target side has <c>&lt;pad&gt;</c> = 0, <c>&lt;bos&gt;</c> = 1, <c>&lt;eos&gt;</c> = 2.
/// Characters follow in code-point order. There is no unknown token: a character outside the vocabulary is an error.
/// </summary>
public sealed class Seq2SeqVocabulary
{
    /// <summary>Padding id on both sides.</summary>
    public const int Pad = 0;
    /// <summary>Source end-of-sequence id.</summary>
    public const int SourceEos = 1;
    /// <summary>Target begin-of-sequence id (the decoder's first input).</summary>
    public const int Bos = 1;
    /// <summary>Target end-of-sequence id.</summary>
    public const int Eos = 2;
    private const int SourceSpecials = 2, TargetSpecials = 3;

    private readonly string[] _source, _target;
    private readonly Dictionary<int, int> _sourceIds = new(), _targetIds = new();

    private Seq2SeqVocabulary(string[] sourceChars, string[] targetChars)
    {
        _source = sourceChars;
        _target = targetChars;
        for (int i = 0; i < sourceChars.Length; i++) _sourceIds[Rune.GetRuneAt(sourceChars[i], 0).Value] = i + SourceSpecials;
        for (int i = 0; i < targetChars.Length; i++) _targetIds[Rune.GetRuneAt(targetChars[i], 0).Value] = i + TargetSpecials;
    }

    /// <summary>The source characters, by id − 2.</summary>
    public IReadOnlyList<string> SourceCharacters => _source;
    /// <summary>The target characters, by id − 3.</summary>
    public IReadOnlyList<string> TargetCharacters => _target;
    /// <summary>Source vocabulary size including <c>&lt;pad&gt;</c> and <c>&lt;eos&gt;</c>.</summary>
    public int SourceSize => _source.Length + SourceSpecials;
    /// <summary>Target vocabulary size including <c>&lt;pad&gt;</c>, <c>&lt;bos&gt;</c> and <c>&lt;eos&gt;</c>.</summary>
    public int TargetSize => _target.Length + TargetSpecials;

    /// <summary>Builds both vocabularies from the characters of the given pairs.</summary>
    public static Seq2SeqVocabulary Build(IEnumerable<(string Source, string Target)> pairs)
    {
        var source = new SortedSet<int>();
        var target = new SortedSet<int>();
        foreach (var (s, t) in pairs)
        {
            foreach (var r in s.EnumerateRunes()) source.Add(r.Value);
            foreach (var r in t.EnumerateRunes()) target.Add(r.Value);
        }
        return new Seq2SeqVocabulary([.. source.Select(char.ConvertFromUtf32)], [.. target.Select(char.ConvertFromUtf32)]);
    }

    /// <summary>The source ids of <paramref name="text"/> followed by <c>&lt;eos&gt;</c>.</summary>
    /// <exception cref="ArgumentException">A character is not in the source vocabulary (the message names it).</exception>
    public int[] EncodeSource(string text)
    {
        var ids = new List<int>(text.Length + 1);
        foreach (var r in text.EnumerateRunes())
        {
            if (!_sourceIds.TryGetValue(r.Value, out int id))
                throw new ArgumentException($"character {Describe(r)} is not in the source vocabulary (it never occurs in the training sources).");
            ids.Add(id);
        }
        ids.Add(SourceEos);
        return [.. ids];
    }

    /// <summary>The target ids of <paramref name="text"/> (no <c>&lt;bos&gt;</c>/<c>&lt;eos&gt;</c>).</summary>
    /// <exception cref="ArgumentException">A character is not in the target vocabulary.</exception>
    public int[] EncodeTarget(string text)
    {
        var ids = new List<int>(text.Length);
        foreach (var r in text.EnumerateRunes())
        {
            if (!_targetIds.TryGetValue(r.Value, out int id))
                throw new ArgumentException($"character {Describe(r)} is not in the target vocabulary.");
            ids.Add(id);
        }
        return [.. ids];
    }

    /// <summary>The text of target ids, stopping at the first <c>&lt;eos&gt;</c>; other special ids are skipped.</summary>
    public string DecodeTarget(IEnumerable<int> ids)
    {
        var sb = new StringBuilder();
        foreach (int id in ids)
        {
            if (id == Eos) break;
            if (id >= TargetSpecials && id < TargetSize) sb.Append(_target[id - TargetSpecials]);
        }
        return sb.ToString();
    }

    /// <summary>A label for one source id (a character, or <c>&lt;eos&gt;</c>/<c>&lt;pad&gt;</c>), for plots.</summary>
    public string SourceLabel(int id) => id switch
    {
        Pad => "<pad>",
        SourceEos => "<eos>",
        _ => id - SourceSpecials < _source.Length ? _source[id - SourceSpecials] : "?",
    };

    /// <summary>A label for one target id, for plots.</summary>
    public string TargetLabel(int id) => id switch
    {
        Pad => "<pad>",
        Bos => "<bos>",
        Eos => "<eos>",
        _ => id - TargetSpecials < _target.Length ? _target[id - TargetSpecials] : "?",
    };

    /// <summary>The vocabularies as JSON (stored under <c>seqcore.tokenizer</c>).</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["type"] = TypeName,
            ["source"] = new JsonArray([.. _source.Select(s => (JsonNode)JsonValue.Create(s)!)]),
            ["target"] = new JsonArray([.. _target.Select(s => (JsonNode)JsonValue.Create(s)!)]),
        };
        return root.ToJsonString();
    }

    /// <summary>Parses <see cref="ToJson"/>'s output; <see cref="InvalidDataException"/> naming <paramref name="sourceName"/> on any fault.</summary>
    public static Seq2SeqVocabulary FromJson(string json, string sourceName)
    {
        try
        {
            var root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{sourceName}: the vocabulary is not a JSON object.");
            if (root["type"]?.GetValue<string>() != TypeName)
                throw new InvalidDataException($"{sourceName}: the vocabulary type is not '{TypeName}'.");
            return new Seq2SeqVocabulary(Chars(root, "source", sourceName), Chars(root, "target", sourceName));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{sourceName}: the seq2seq vocabulary is malformed: {e.Message}");
        }
    }

    private static string[] Chars(JsonObject root, string key, string sourceName)
    {
        var array = root[key] as JsonArray ?? throw new InvalidDataException($"{sourceName}: the vocabulary has no '{key}' array.");
        var chars = array.Select(n => n?.GetValue<string>() ?? "").ToArray();
        var seen = new HashSet<int>();
        foreach (var c in chars)
        {
            if (!Rune.TryGetRuneAt(c, 0, out var r) || r.Utf16SequenceLength != c.Length || !seen.Add(r.Value))
                throw new InvalidDataException($"{sourceName}: the '{key}' vocabulary entry \"{c}\" is not one distinct code point.");
        }
        return chars;
    }

    private static string Describe(Rune r) => Rune.IsControl(r) || Rune.IsWhiteSpace(r) && r.Value != ' '
        ? $"U+{r.Value:X4}" : $"'{r}' (U+{r.Value:X4})";

    private const string TypeName = "seq2seq-char";
}
