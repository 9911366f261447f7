using System.Text.Json;
using System.Text.Json.Nodes;

namespace SeqCore.Models;

/// <summary>
/// The vocabularies of a sequence-to-sequence model: text to ids on the source side, ids to text on the target side.
/// Tokens are characters, words or byte-level BPE (<see cref="Tokens"/>), one list for both sides (<see cref="Joint"/>)
/// or one per side, learned from the training pairs only. Every layout keeps the target's <c>&lt;pad&gt;</c> = 0,
/// <c>&lt;s&gt;</c> = 1 (<see cref="Bos"/>) and <c>&lt;/s&gt;</c> = 2 (<see cref="Eos"/>), which the models rely on; a
/// source is its tokens followed by <see cref="SourceEnd"/> (so no source is empty and the encoder sees where it ends).
/// <para>The character vocabularies built per side (<see cref="Build(IEnumerable{ValueTuple{string, string}})"/>, the
/// original layout) give the source <c>&lt;pad&gt;</c> = 0 and <c>&lt;eos&gt;</c> = 1 and have no unknown token: a
/// character outside the vocabulary is an error. Every other layout uses the same specials on both sides —
/// <c>&lt;pad&gt;</c> 0, <c>&lt;s&gt;</c> 1, <c>&lt;/s&gt;</c> 2, and for words <c>&lt;unk&gt;</c> 3 — so a joint
/// vocabulary gives a token the same id on both sides.</para>
/// </summary>
public sealed class Seq2SeqVocabulary
{
    /// <summary>Padding id on both sides.</summary>
    public const int Pad = 0;
    /// <summary>Source end id of the per-side character layout; see <see cref="SourceEnd"/> for any vocabulary.</summary>
    public const int SourceEos = 1;
    /// <summary>Target begin-of-sequence id (the decoder's first input).</summary>
    public const int Bos = 1;
    /// <summary>Target end-of-sequence id (and the source end id of every layout but the per-side character one).</summary>
    public const int Eos = 2;
    /// <summary>The unknown word's id in a word vocabulary (on both sides).</summary>
    public const int Unknown = 3;
    private const int UnknownId = Unknown;
    private const string LegacyType = "seq2seq-char", TypeName = "seq2seq";

    private readonly Seq2SeqSide _source, _target;
    private readonly bool _legacy;

    private Seq2SeqVocabulary(Seq2SeqTokens tokens, Seq2SeqSide source, Seq2SeqSide target, bool legacy)
    {
        Tokens = tokens;
        _source = source;
        _target = target;
        _legacy = legacy;
    }

    /// <summary>What the tokens are.</summary>
    public Seq2SeqTokens Tokens { get; }

    /// <summary>Whether both sides share one token list (and so one id for each token).</summary>
    public bool Joint => ReferenceEquals(_source, _target);

    /// <summary>The id every encoded source ends with: <see cref="SourceEos"/> in the per-side character layout, else
    /// <see cref="Eos"/>.</summary>
    public int SourceEnd => _legacy ? SourceEos : Eos;

    /// <summary>The source characters of a character vocabulary, by id − (its first ordinary id); empty otherwise.</summary>
    public IReadOnlyList<string> SourceCharacters => _source is CharacterSide c ? c.Characters : [];
    /// <summary>The target characters of a character vocabulary, by id − (its first ordinary id); empty otherwise.</summary>
    public IReadOnlyList<string> TargetCharacters => _target is CharacterSide c ? c.Characters : [];
    /// <summary>Source vocabulary size, special tokens included.</summary>
    public int SourceSize => _source.Size;
    /// <summary>Target vocabulary size, special tokens included.</summary>
    public int TargetSize => _target.Size;

    /// <summary>The per-side character vocabularies of the given pairs (the original layout).</summary>
    public static Seq2SeqVocabulary Build(IEnumerable<(string Source, string Target)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var list = pairs as IReadOnlyList<(string Source, string Target)> ?? [.. pairs];
        return new Seq2SeqVocabulary(Seq2SeqTokens.Character,
            CharacterSide.Build(list.Select(p => p.Source), SourceEos + 1), CharacterSide.Build(list.Select(p => p.Target), Eos + 1), legacy: true);
    }

    /// <summary>
    /// Learns the vocabularies of <paramref name="tokens"/> from <paramref name="pairs"/> (the training pairs): one list
    /// from both sides' texts when <paramref name="joint"/>, else one per side. <paramref name="merges"/> is the number of
    /// BPE merges learned per list (ignored for characters and words). Characters per side give the original layout.
    /// </summary>
    public static Seq2SeqVocabulary Build(IReadOnlyList<(string Source, string Target)> pairs, Seq2SeqTokens tokens, bool joint, int merges)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfNegative(merges);
        if (tokens == Seq2SeqTokens.Character && !joint) return Build(pairs);
        Seq2SeqSide Side(IEnumerable<string> texts) => tokens switch
        {
            Seq2SeqTokens.Character => CharacterSide.Build(texts, Eos + 1),
            Seq2SeqTokens.Word => WordSide.Build(texts, UnknownId + 1, UnknownId),
            Seq2SeqTokens.Bpe => BpeSide.Build(texts, merges, Eos + 1),
            _ => throw new ArgumentOutOfRangeException(nameof(tokens), $"Seq2SeqVocabulary.Build: unknown token kind {tokens}."),
        };
        if (joint)
        {
            var both = Side(pairs.Select(p => p.Source).Concat(pairs.Select(p => p.Target)));
            return new Seq2SeqVocabulary(tokens, both, both, legacy: false);
        }
        return new Seq2SeqVocabulary(tokens, Side(pairs.Select(p => p.Source)), Side(pairs.Select(p => p.Target)), legacy: false);
    }

    /// <summary>The source ids of <paramref name="text"/> followed by <see cref="SourceEnd"/>.</summary>
    /// <exception cref="ArgumentException">A character is not in a character vocabulary (the message names it).</exception>
    public int[] EncodeSource(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length + 1);
        _source.Encode(text, ids, "source");
        ids.Add(SourceEnd);
        return [.. ids];
    }

    /// <summary>The target ids of <paramref name="text"/> (no <c>&lt;s&gt;</c>/<c>&lt;/s&gt;</c>).</summary>
    /// <exception cref="ArgumentException">A character is not in a character vocabulary.</exception>
    public int[] EncodeTarget(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        _target.Encode(text, ids, "target");
        return [.. ids];
    }

    /// <summary>The text of target ids, stopping at the first <see cref="Eos"/>; other special ids are skipped (the
    /// unknown word reads <c>&lt;unk&gt;</c>). BPE tokens are joined as bytes and read as UTF-8; words keep their spaces.</summary>
    public string DecodeTarget(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var kept = new List<int>();
        foreach (int id in ids)
        {
            if (id == Eos) break;
            if (id >= _target.First && id < TargetSize || id == UnknownId && _target is WordSide) kept.Add(id);
        }
        return _target.Decode(kept);
    }

    /// <summary>A label for one source id (a token, or a special token's name), for plots.</summary>
    public string SourceLabel(int id) => id switch
    {
        Pad => "<pad>",
        _ when id == SourceEnd => _legacy ? "<eos>" : "</s>",
        _ => Label(_source, id),
    };

    /// <summary>A label for one target id, for plots.</summary>
    public string TargetLabel(int id) => id switch
    {
        Pad => "<pad>",
        Bos => _legacy ? "<bos>" : "<s>",
        Eos => _legacy ? "<eos>" : "</s>",
        _ => Label(_target, id),
    };

    private static string Label(Seq2SeqSide side, int id) =>
        id == UnknownId && side is WordSide ? WordSide.UnknownText : id >= side.First && id < side.Size ? side.Label(id) : "?";

    /// <summary>The vocabularies as JSON (stored under <c>seqcore.tokenizer</c>).</summary>
    public string ToJson()
    {
        if (_legacy)
            return new JsonObject { ["type"] = LegacyType, ["source"] = _source.ToJson(), ["target"] = _target.ToJson() }.ToJsonString();
        var root = new JsonObject { ["type"] = TypeName, ["tokens"] = TokensName(Tokens), ["joint"] = Joint };
        if (Joint) root["shared"] = _source.ToJson();
        else
        {
            root["source"] = _source.ToJson();
            root["target"] = _target.ToJson();
        }
        return root.ToJsonString();
    }

    /// <summary>Parses <see cref="ToJson"/>'s output (either layout); <see cref="InvalidDataException"/> naming
    /// <paramref name="sourceName"/> on any fault.</summary>
    public static Seq2SeqVocabulary FromJson(string json, string sourceName)
    {
        try
        {
            var root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{sourceName}: the vocabulary is not a JSON object.");
            string? type = root["type"]?.GetValue<string>();
            if (type == LegacyType)
                return new Seq2SeqVocabulary(Seq2SeqTokens.Character, CharacterSide.FromJson(root["source"], SourceEos + 1, "source", sourceName),
                    CharacterSide.FromJson(root["target"], Eos + 1, "target", sourceName), legacy: true);
            if (type != TypeName)
                throw new InvalidDataException($"{sourceName}: the vocabulary type is '{type}', not '{TypeName}' or '{LegacyType}'.");
            string tokensName = root["tokens"]?.GetValue<string>() ?? "";
            var tokens = ParseTokens(tokensName) ?? throw new InvalidDataException($"{sourceName}: the vocabulary's tokens are '{tokensName}', not char, word or bpe.");
            Seq2SeqSide Side(string key) => tokens switch
            {
                Seq2SeqTokens.Character => CharacterSide.FromJson(root[key], Eos + 1, key, sourceName),
                Seq2SeqTokens.Word => WordSide.FromJson(root[key], UnknownId + 1, UnknownId, key, sourceName),
                _ => BpeSide.FromJson(root[key], Eos + 1, key, sourceName),
            };
            if (root["joint"]?.GetValue<bool>() == true)
            {
                var both = Side("shared");
                return new Seq2SeqVocabulary(tokens, both, both, legacy: false);
            }
            return new Seq2SeqVocabulary(tokens, Side("source"), Side("target"), legacy: false);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{sourceName}: the seq2seq vocabulary is malformed: {e.Message}");
        }
    }

    /// <summary>The command-line name of a token kind: <c>char</c>, <c>word</c> or <c>bpe</c>.</summary>
    public static string TokensName(Seq2SeqTokens tokens) => tokens switch
    {
        Seq2SeqTokens.Character => "char",
        Seq2SeqTokens.Word => "word",
        _ => "bpe",
    };

    /// <summary>The token kind named <paramref name="name"/> (<see cref="TokensName"/>), or null.</summary>
    public static Seq2SeqTokens? ParseTokens(string name) => name switch
    {
        "char" => Seq2SeqTokens.Character,
        "word" => Seq2SeqTokens.Word,
        "bpe" => Seq2SeqTokens.Bpe,
        _ => null,
    };
}
