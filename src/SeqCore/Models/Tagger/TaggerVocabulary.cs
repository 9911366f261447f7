using System.Text.Json;

namespace SeqCore.Models;

/// <summary>
/// The token vocabulary and the tag set of a tagger: token id 0 is <see cref="Unknown"/> (any token not seen in training),
/// ids 1… the training tokens by falling count; tag ids follow <see cref="Tags"/>. A token is a character
/// (<see cref="CharTokens"/>, so a sentence is its characters, spaces included) or a space-separated word
/// (<see cref="WordTokens"/>). Stored in a checkpoint as JSON arrays under <see cref="TokensKey"/> and <see cref="TagsKey"/>.
/// </summary>
public sealed class TaggerVocabulary
{
    /// <summary>Token unit: every character is a token.</summary>
    public const string CharTokens = "char";

    /// <summary>Token unit: space-separated words.</summary>
    public const string WordTokens = "word";

    /// <summary>The token every unseen token maps to (id 0).</summary>
    public const string Unknown = "<unk>";

    /// <summary>Metadata key of the tokens (a JSON array of strings, by id).</summary>
    public const string TokensKey = "seqcore.tagger.tokens";

    /// <summary>Metadata key of the tags (a JSON array of strings, by id).</summary>
    public const string TagsKey = "seqcore.tagger.tags";

    private readonly Dictionary<string, int> _tokenIds, _tagIds;

    /// <summary>A vocabulary of <paramref name="tokens"/> (the first must be <see cref="Unknown"/>) and
    /// <paramref name="tags"/> (at least 2), both without duplicates, in units of <paramref name="unit"/>.</summary>
    public TaggerVocabulary(string unit, IReadOnlyList<string> tokens, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(tags);
        if (unit is not (CharTokens or WordTokens)) throw new ArgumentException($"TaggerVocabulary: unit: expected {CharTokens} or {WordTokens}, got '{unit}'.");
        if (tokens.Count == 0 || tokens[0] != Unknown) throw new ArgumentException($"TaggerVocabulary: token 0 must be {Unknown}.");
        if (tags.Count < 2) throw new ArgumentException($"TaggerVocabulary: a tagger needs at least 2 tags, got {tags.Count}.");
        Unit = unit;
        Tokens = [.. tokens];
        Tags = [.. tags];
        _tokenIds = Index(Tokens, "token");
        _tagIds = Index(Tags, "tag");
    }

    /// <summary><see cref="CharTokens"/> or <see cref="WordTokens"/>.</summary>
    public string Unit { get; }

    /// <summary>Tokens by id; id 0 is <see cref="Unknown"/>.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Tags by id.</summary>
    public IReadOnlyList<string> Tags { get; }

    /// <summary>The tokens of <paramref name="text"/>: its characters, or its space-separated words.</summary>
    public static string[] Split(string text, string unit)
    {
        ArgumentNullException.ThrowIfNull(text);
        return unit == CharTokens ? [.. text.Select(c => c.ToString())] : text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The ids of <paramref name="tokens"/> (unseen ones as 0, <see cref="Unknown"/>).</summary>
    public int[] EncodeTokens(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var ids = new int[tokens.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = _tokenIds.TryGetValue(tokens[i], out int id) ? id : 0;
        return ids;
    }

    /// <summary>The id of <paramref name="tag"/>, or −1 when the tag set lacks it.</summary>
    public int TagId(string tag) => _tagIds.TryGetValue(tag, out int id) ? id : -1;

    /// <summary>Builds the vocabulary of the training sentences: tokens by falling count (ties in ordinal order) after
    /// <see cref="Unknown"/>; the tags are <paramref name="tags"/> when given (a fixed tag set, e.g. a built-in task's),
    /// else those of the sentences in ordinal order.</summary>
    public static TaggerVocabulary Build(string unit, IEnumerable<TaggedSentence> training, IReadOnlyList<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var seenTags = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in training)
        {
            foreach (string t in s.Tokens) counts[t] = counts.GetValueOrDefault(t) + 1;
            foreach (string t in s.Tags) seenTags.Add(t);
        }
        counts.Remove(Unknown);
        var tokens = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key);
        return new TaggerVocabulary(unit, [Unknown, .. tokens], tags ?? [.. seenTags]);
    }

    /// <summary>The metadata a checkpoint stores: the tokens and the tags as JSON arrays.</summary>
    public IReadOnlyDictionary<string, string> ToMetadata() => new Dictionary<string, string>
    {
        [TokensKey] = JsonSerializer.Serialize(Tokens),
        [TagsKey] = JsonSerializer.Serialize(Tags),
    };

    /// <summary>Reads the vocabulary back from a checkpoint's metadata; <see cref="ArgumentException"/> for a missing or
    /// malformed entry.</summary>
    public static TaggerVocabulary FromMetadata(string unit, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        string[] Read(string key)
        {
            if (!metadata.TryGetValue(key, out var json)) throw new ArgumentException($"the checkpoint has no '{key}' entry; a tagger carries its tokens and tags.");
            try { return JsonSerializer.Deserialize<string[]>(json) ?? throw new JsonException("null"); }
            catch (JsonException e) { throw new ArgumentException($"'{key}' is not a JSON array of strings: {e.Message}", e); }
        }
        return new TaggerVocabulary(unit, Read(TokensKey), Read(TagsKey));
    }

    private static Dictionary<string, int> Index(IReadOnlyList<string> items, string what)
    {
        var index = new Dictionary<string, int>(items.Count, StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
            if (items[i] is null || !index.TryAdd(items[i], i)) throw new ArgumentException($"TaggerVocabulary: {what} '{items[i]}' is null or listed twice.");
        return index;
    }
}
