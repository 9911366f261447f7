using SeqCore.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SeqCore.Text;

/// <summary>
/// The JSON file format shared by the tokenizers: an object with <c>"format": "seqcore-tokenizer"</c>,
/// <c>"version": 1</c>, <c>"type"</c> (<c>"char"</c>, <c>"word"</c> or <c>"byte-bpe"</c>) and the type's own fields.
/// Writes are atomic (temporary file, then rename); reads give <see cref="InvalidDataException"/> naming the file and
/// what is wrong.
/// </summary>
public static class TokenizerFile
{
    /// <summary>Value of the <c>"format"</c> field.</summary>
    public const string Format = "seqcore-tokenizer";

    /// <summary>The file version this code writes and reads.</summary>
    public const int Version = 1;

    /// <summary>Reads any tokenizer saved by <see cref="ITokenizer.Save"/>, choosing the class from the file's <c>"type"</c>.</summary>
    public static ITokenizer Load(string path) => Create(path, Read(path, out string type), type);

    /// <summary>
    /// Reads a tokenizer from the JSON text <see cref="ITokenizer.Save"/> writes (e.g. a checkpoint's
    /// <c>seqcore.tokenizer</c> metadata); <paramref name="source"/> names where it came from in error messages.
    /// </summary>
    public static ITokenizer FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrEmpty(source);
        var root = Parse(json, source, out string type);
        return Create(source, root, type);
    }

    /// <summary>The JSON text <see cref="ITokenizer.Save"/> writes, as a string (what a checkpoint stores under
    /// <c>seqcore.tokenizer</c>).</summary>
    public static string ToJson(ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        string tmp = Path.Combine(Path.GetTempPath(), $"seqcore-tokenizer-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            tokenizer.Save(tmp);
            return File.ReadAllText(tmp);
        }
        finally { File.Delete(tmp); }
    }

    static ITokenizer Create(string path, JsonObject root, string type)
    {
        return type switch
        {
            CharTokenizer.TypeName => CharTokenizer.FromJson(path, root),
            WordTokenizer.TypeName => WordTokenizer.FromJson(path, root),
            ByteLevelBpeTokenizer.TypeName => ByteLevelBpeTokenizer.FromJson(path, root),
            _ => throw new InvalidDataException($"{path}: unknown tokenizer type '{type}'; expected '{CharTokenizer.TypeName}', '{WordTokenizer.TypeName}' or '{ByteLevelBpeTokenizer.TypeName}'."),
        };
    }

    /// <summary>Parses the file, checks format and version, and checks the type is <paramref name="expectedType"/>.</summary>
    internal static JsonObject Read(string path, string expectedType)
    {
        var root = Read(path, out string type);
        if (type != expectedType)
            throw new InvalidDataException($"{path}: holds a '{type}' tokenizer, not a '{expectedType}' one; load it with TokenizerFile.Load or the matching class.");
        return root;
    }

    static JsonObject Read(string path, out string type)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try { text = File.ReadAllText(path, Encoding.UTF8); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the tokenizer file: {e.Message}", e);
        }
        return Parse(text, path, out type);
    }

    static JsonObject Parse(string text, string path, out string type)
    {
        JsonNode? node = ParseJson(text, path, "truncated or corrupt tokenizer file");
        if (node is not JsonObject root)
            throw new InvalidDataException($"{path}: expected a JSON object at the top of the tokenizer file, found {Kind(node)}.");
        string format = GetString(path, root, "format");
        if (format != Format)
            throw new InvalidDataException($"{path}: \"format\" is '{format}', expected '{Format}'.");
        int version = GetInt(path, root, "version");
        if (version != Version)
            throw new InvalidDataException($"{path}: tokenizer file version {version}; this code reads version {Version}.");
        type = GetString(path, root, "type");
        return root;
    }

    /// <summary>
    /// Parses the JSON of a tokenizer file, refusing a key given twice and any key or string that is not valid Unicode
    /// (a lone surrogate escape such as <c>\ud800</c>, which no symbol can be); <paramref name="what"/> says what
    /// the file should be in the message for malformed JSON.
    /// </summary>
    internal static JsonNode? ParseJson(string text, string path, string what)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({what}): {e.Message}", e); }
        RefuseLoneSurrogates(path, node);
        return node;
    }

    static void RefuseLoneSurrogates(string path, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                List<KeyValuePair<string, JsonNode?>> members;
                try { members = [.. o]; }
                catch (InvalidOperationException) { throw LoneSurrogate(path, $"a key in {o.GetPath()}"); }
                foreach (var (_, child) in members) RefuseLoneSurrogates(path, child);
                break;
            case JsonArray a:
                foreach (var child in a) RefuseLoneSurrogates(path, child);
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                try { v.GetValue<string>(); }
                catch (InvalidOperationException) { throw LoneSurrogate(path, v.GetPath()); }
                break;
        }
    }

    static InvalidDataException LoneSurrogate(string path, string where) =>
        new($"{path}: {where} is not valid Unicode text: it holds a lone surrogate (an unpaired \\uD800-\\uDFFF escape).");

    internal static string Kind(JsonNode? n) => n is null ? "null" : n.GetValueKind().ToString().ToLowerInvariant();

    internal static string GetString(string path, JsonObject o, string name)
    {
        if (!o.TryGetPropertyValue(name, out var n) || n is null)
            throw new InvalidDataException($"{path}: missing field \"{name}\".");
        if (n.GetValueKind() != JsonValueKind.String)
            throw new InvalidDataException($"{path}: field \"{name}\" should be a string, found {Kind(n)}.");
        return n.GetValue<string>();
    }

    internal static string? GetOptionalString(string path, JsonObject o, string name)
    {
        if (!o.TryGetPropertyValue(name, out var n) || n is null) return null;
        if (n.GetValueKind() != JsonValueKind.String)
            throw new InvalidDataException($"{path}: field \"{name}\" should be a string or null, found {Kind(n)}.");
        return n.GetValue<string>();
    }

    internal static int GetInt(string path, JsonObject o, string name)
    {
        if (!o.TryGetPropertyValue(name, out var n) || n is null)
            throw new InvalidDataException($"{path}: missing field \"{name}\".");
        if (n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue(out int v))
            throw new InvalidDataException($"{path}: field \"{name}\" should be an integer, found {n.ToJsonString()}.");
        return v;
    }

    internal static string[] GetStringArray(string path, JsonObject o, string name)
    {
        if (!o.TryGetPropertyValue(name, out var n) || n is null)
            throw new InvalidDataException($"{path}: missing field \"{name}\".");
        if (n is not JsonArray a)
            throw new InvalidDataException($"{path}: field \"{name}\" should be an array of strings, found {Kind(n)}.");
        var result = new string[a.Count];
        for (int i = 0; i < a.Count; i++)
        {
            var e = a[i];
            if (e is null || e.GetValueKind() != JsonValueKind.String)
                throw new InvalidDataException($"{path}: \"{name}\"[{i}] should be a string, found {Kind(e)}.");
            result[i] = e.GetValue<string>();
        }
        return result;
    }

    /// <summary>Checks that no token appears twice; the message names the file, the field and both positions.</summary>
    internal static Dictionary<string, int> IndexOf(string path, string field, string[] tokens)
    {
        var index = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
            if (!index.TryAdd(tokens[i], i))
                throw new InvalidDataException($"{path}: \"{field}\" lists token {Quote(tokens[i])} twice (at {index[tokens[i]]} and {i}).");
        return index;
    }

    internal static string Quote(string s) => JsonSerializer.Serialize(s);

    /// <summary>Writes a JSON object with format, version and <paramref name="type"/>, completed by <paramref name="fill"/>, atomically to <paramref name="path"/>.</summary>
    internal static void Write(string path, string type, Action<JsonObject> fill)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var root = new JsonObject { ["format"] = Format, ["version"] = Version, ["type"] = type };
        fill(root);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            root.WriteTo(writer);
            writer.Flush();
        });
    }
}
