using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SeqCore.Cli.Options;

/// <summary>
/// The values of a verb's declared options, from the command line first, then from settings files in order (a
/// <c>--config</c> file; for <c>train --resume</c>, the settings stored in the checkpoint). A bad value is a
/// <see cref="UsageException"/> naming the flag (or the file and key) and the value.
/// </summary>
internal sealed class OptionValues
{
    private readonly ParseResult _parse;
    private readonly List<(JsonObject Settings, string Source)> _layers = [];

    public OptionValues(ParseResult parse) => _parse = parse;

    /// <summary>Adds a layer of settings below the command line and the layers added before.</summary>
    public OptionValues With(JsonObject? settings, string source)
    {
        if (settings is not null) _layers.Add((settings, source));
        return this;
    }

    /// <summary>Adds the settings file named by <c>--config</c>, when given, below the command line.</summary>
    public OptionValues WithConfigFile()
    {
        if (FindText(CommonOptions.Config) is { } path) With(ReadFile(CommonOptions.Config.Name, path), path);
        return this;
    }

    /// <summary>Reads a settings file: a JSON object whose keys are option names without dashes, each at most once.</summary>
    public static JsonObject ReadFile(string option, string path)
    {
        if (!File.Exists(path)) throw new UsageException($"{option}: file not found: {path}");
        JsonNode? node;
        try
        {
            byte[] json = File.ReadAllBytes(path);
            if (json.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) json = json[3..];
            var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
            node = JsonNode.Parse(json, documentOptions: options);
            RefuseDuplicateKeys(path, json, options);
        }
        catch (JsonException e) { throw new UsageException($"{path}: not valid JSON: {e.Message}"); }
        catch (InvalidOperationException e) { throw new UsageException($"{path}: not valid JSON: {e.Message}"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"{option}: cannot read {path}: {e.Message}"); }
        return node as JsonObject ?? throw new UsageException($"{path}: expected a JSON object of settings.");
    }

    /// <summary>Fails on a key given twice in one object (a JSON parser would silently keep one of them).</summary>
    private static void RefuseDuplicateKeys(string path, byte[] json, JsonDocumentOptions options)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = options.CommentHandling, AllowTrailingCommas = options.AllowTrailingCommas });
        var keysOfOpenObjects = new Stack<HashSet<string>>();
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartObject) keysOfOpenObjects.Push(new HashSet<string>(StringComparer.Ordinal));
            else if (reader.TokenType == JsonTokenType.EndObject) keysOfOpenObjects.Pop();
            else if (reader.TokenType == JsonTokenType.PropertyName && !keysOfOpenObjects.Peek().Add(reader.GetString()!))
                throw new UsageException($"{path}: the key \"{reader.GetString()}\" is given twice; give each setting once.");
        }
    }

    /// <summary>Fails on a settings key that names none of <paramref name="options"/>.</summary>
    public void RejectUnknownKeys(IEnumerable<OptionSpec> options, string owner)
    {
        var known = options.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (settings, source) in _layers)
            foreach (var key in settings.Select(kv => kv.Key))
                if (!known.Contains(key))
                    throw new UsageException($"{source}: \"{key}\" is not a setting of {owner}; the keys are the option names without dashes: {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
    }

    /// <summary>Parses every given value of <paramref name="options"/> now, so a malformed one is reported before any
    /// work starts (reading data, building a model).</summary>
    public void CheckValues(IEnumerable<OptionSpec> options)
    {
        foreach (var option in options)
        {
            var (text, where) = Raw(option);
            if (text is not null && !option.Accepts(text, out string expected)) throw new UsageException($"{where}: expected {expected}, got '{text}'.");
        }
    }

    /// <summary>Where the option's value comes from, for messages: the flag, or the settings file and key.</summary>
    public string Where(OptionSpec option) => Raw(option).Where;

    /// <summary>True when the command line or a settings layer gives the option.</summary>
    public bool IsSet(OptionSpec option) => Raw(option).Text is not null;

    /// <summary>True when the option was given on the command line itself.</summary>
    public bool OnCommandLine(OptionSpec option) => Result(option) is { Implicit: false } r && (r.Tokens.Count > 0 || option is FlagOption);

    /// <summary>The parse result of <paramref name="option"/>: its own symbol, or (where a command registered another
    /// declaration of the same name, e.g. <c>train</c>'s union of every kind's options) the option of that name.</summary>
    private OptionResult? Result(OptionSpec option) =>
        _parse.GetResult(option.Symbol) ?? _parse.CommandResult.Children.OfType<OptionResult>().FirstOrDefault(r => r.Option.Name == option.Name);

    private (string? Text, string Where) Raw(OptionSpec option)
    {
        var result = Result(option);
        if (option is FlagOption && result is { Implicit: false }) return (result.GetValueOrDefault<bool>() ? "true" : "false", option.Name);
        if (result is { Implicit: false } && result.Tokens.Count > 0)
            return (option.Repeatable ? string.Join(",", result.Tokens.Select(t => t.Value)) : result.Tokens[^1].Value, option.Name);
        foreach (var (settings, source) in _layers)
            if (settings.TryGetPropertyValue(option.Key, out var node) && node is not null)
            {
                string where = $"{source}: \"{option.Key}\"";
                return node.GetValueKind() switch
                {
                    JsonValueKind.String => (node.GetValue<string>(), where),
                    JsonValueKind.Array => (string.Join(",", node.AsArray().Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : n?.ToJsonString())), where),
                    JsonValueKind.Object => throw new UsageException($"{where}: expected {option.TypeText}, got an object."),
                    _ => (node.ToJsonString(), where),
                };
            }
        return (null, option.Name);
    }

    /// <summary>The value, or null when neither the command line nor a settings layer gives it.</summary>
    public TValue? Find<TValue>(OptionSpec<TValue> option) where TValue : struct
    {
        var (text, where) = Raw(option);
        if (text is null) return null;
        return option.TryParse(text, out var v, out string expected) ? v : throw new UsageException($"{where}: expected {expected}, got '{text}'.");
    }

    /// <summary>The text value, or null when not given.</summary>
    public string? FindText(OptionSpec<string> option)
    {
        var (text, where) = Raw(option);
        if (text is null) return null;
        return option.TryParse(text, out var v, out string expected) ? v : throw new UsageException($"{where}: expected {expected}, got '{text}'.");
    }

    public int Get(IntOption o) => Find(o) ?? o.Default ?? throw Missing(o);
    public ulong Get(UInt64Option o) => Find(o) ?? o.Default ?? throw Missing(o);
    public double Get(DoubleOption o) => Find(o) ?? o.Default ?? throw Missing(o);
    public bool Get(FlagOption o) => Find(o) ?? false;
    public string Get(ChoiceOption o) => FindText(o) ?? o.Default ?? throw Missing(o);
    public string Get(TextOption o) => FindText(o) ?? o.Default ?? throw Missing(o);
    public TimeSpan? Get(DurationOption o) => Find(o);

    /// <summary>An existing file named by <paramref name="o"/>, or null when not given.</summary>
    public string? ExistingFile(TextOption o)
    {
        var (text, where) = Raw(o);
        text ??= o.Default;
        if (text is null) return null;
        if (!File.Exists(text)) throw new UsageException($"{where}: file not found: {text}");
        return text;
    }

    /// <summary>The settings actually in effect for <paramref name="options"/> (command line and layers, not the
    /// defaults), as a JSON object of the same shape as a <c>--config</c> file: what a resumed run reads back.</summary>
    public JsonObject Snapshot(IEnumerable<OptionSpec> options)
    {
        var o = new JsonObject();
        foreach (var option in options)
        {
            var (text, _) = Raw(option);
            if (text is null) continue;
            o[option.Key] = option is FlagOption ? JsonValue.Create(text == "true") : JsonValue.Create(text);
        }
        return o;
    }

    private static UsageException Missing(OptionSpec o) => new($"{o.Name} is required: {o.Help}");
}
