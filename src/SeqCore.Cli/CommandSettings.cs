using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SeqCore.Cli;

/// <summary>A bad value or a missing input: one message for stderr, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The settings of a verb from two places: a JSON config file (<c>--config</c>: an object whose keys are the option
/// names without the dashes, e.g. <c>{"arch": "gru", "hidden": 128}</c>) and the command line, which wins. Values of
/// both are parsed here, so a malformed one gets the same message naming the option (or the file and key) and the value.
/// </summary>
internal sealed class CommandSettings
{
    private readonly ParseResult _parse;
    private readonly JsonObject? _config;
    private readonly string? _configPath;

    public CommandSettings(ParseResult parse, JsonObject? config, string? configPath)
    {
        _parse = parse;
        _config = config;
        _configPath = configPath;
    }

    /// <summary>Reads a config file: a JSON object. <see cref="UsageException"/> names the file and the fault.</summary>
    public static JsonObject ReadConfig(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--config: file not found: {path}");
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new UsageException($"{path}: not valid JSON: {e.Message}"); }
        return node as JsonObject ?? throw new UsageException($"{path}: expected a JSON object of settings.");
    }

    /// <summary>Fails on a config key that names none of <paramref name="options"/> (nor one of <paramref name="extraKeys"/>).</summary>
    public void RejectUnknownKeys(IEnumerable<Option> options, params string[] extraKeys)
    {
        if (_config is null) return;
        var known = options.Select(o => o.Name.TrimStart('-')).Concat(extraKeys).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _config.Select(kv => kv.Key))
            if (!known.Contains(key))
                throw new UsageException($"{_configPath}: unknown setting \"{key}\"; the keys are the option names without dashes: {string.Join(", ", known.Order())}.");
    }

    private string Where(Option option, bool fromConfig) => fromConfig ? $"{_configPath}: \"{option.Name.TrimStart('-')}\"" : option.Name;

    /// <summary>The raw text of a setting (command line first, then the config), or null.</summary>
    private (string? Text, bool FromConfig) Raw(Option option)
    {
        var result = _parse.GetResult(option);
        if (result is not null && !result.Implicit && result.Tokens.Count > 0) return (string.Join(",", result.Tokens.Select(t => t.Value)), false);
        if (_config is not null && _config.TryGetPropertyValue(option.Name.TrimStart('-'), out var node) && node is not null)
            return (node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString(), true);
        return (null, false);
    }

    public string? String(Option option, string? fallback = null) => Raw(option).Text ?? fallback;

    public string Choice(Option option, string fallback, IReadOnlyCollection<string> allowed)
    {
        var (text, fromConfig) = Raw(option);
        if (text is null) return fallback;
        string? match = allowed.FirstOrDefault(a => a.Equals(text, StringComparison.OrdinalIgnoreCase));
        return match ?? throw new UsageException($"{Where(option, fromConfig)}: expected {string.Join(", ", allowed)}, got '{text}'.");
    }

    public int Int(Option option, int fallback, int min = 1)
    {
        var (text, fromConfig) = Raw(option);
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min) return v;
        throw new UsageException($"{Where(option, fromConfig)}: expected an integer ≥ {min}, got '{text}'.");
    }

    public double Double(Option option, double fallback, double min, double max, bool minExclusive = false)
    {
        var (text, fromConfig) = Raw(option);
        if (text is null) return fallback;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            && (minExclusive ? v > min : v >= min) && v <= max) return v;
        string range = max == double.MaxValue ? $"{(minExclusive ? ">" : "≥")} {min.ToString(CultureInfo.InvariantCulture)}"
            : $"in {(minExclusive ? "(" : "[")}{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]";
        throw new UsageException($"{Where(option, fromConfig)}: expected a number {range}, got '{text}'.");
    }

    public bool Flag(Option<bool> option)
    {
        if (_parse.GetValue(option)) return true;
        if (_config is not null && _config.TryGetPropertyValue(option.Name.TrimStart('-'), out var node) && node is not null)
        {
            if (node.GetValueKind() is JsonValueKind.True) return true;
            if (node.GetValueKind() is JsonValueKind.False) return false;
            throw new UsageException($"{_configPath}: \"{option.Name.TrimStart('-')}\": expected true or false, got {node.ToJsonString()}.");
        }
        return false;
    }

    /// <summary>A duration: seconds (<c>90</c>, <c>90s</c>), minutes (<c>2m</c>) or hours (<c>1h</c>); null when unset.</summary>
    public TimeSpan? Duration(Option option)
    {
        var (text, fromConfig) = Raw(option);
        if (text is null) return null;
        string t = text.Trim().ToLowerInvariant();
        double unit = t.EndsWith('h') ? 3600 : t.EndsWith('m') ? 60 : 1;
        if (t.EndsWith('h') || t.EndsWith('m') || t.EndsWith('s')) t = t[..^1];
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v))
            return TimeSpan.FromSeconds(v * unit);
        throw new UsageException($"{Where(option, fromConfig)}: expected a duration such as 120, 90s, 2m or 1h, got '{text}'.");
    }

    /// <summary>An existing file; <see cref="UsageException"/> names the option and the path.</summary>
    public string? ExistingFile(Option option)
    {
        var (text, fromConfig) = Raw(option);
        if (text is null) return null;
        if (!File.Exists(text)) throw new UsageException($"{Where(option, fromConfig)}: file not found: {text}");
        return text;
    }
}
