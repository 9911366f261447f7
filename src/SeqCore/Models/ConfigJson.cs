using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SeqCore.Models;

/// <summary>
/// The one JSON shape of every model config: camelCase keys, enums as their camelCase names, no unknown keys. Errors are
/// <see cref="InvalidDataException"/>s that name the source (a file, a checkpoint) and the key.
/// </summary>
public static class ConfigJson
{
    /// <summary>Serializer settings shared by every config.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    /// <summary>One line of JSON.</summary>
    public static string Write<TConfig>(TConfig config) where TConfig : IModelConfig => JsonSerializer.Serialize(config, Options);

    /// <summary>The <c>"model"</c> key of a config, or null when it has none or is not a JSON object.</summary>
    public static string? ReadKind(string json)
    {
        try { return JsonNode.Parse(json) is JsonObject o && o["model"] is JsonValue v && v.TryGetValue(out string? s) ? s : null; }
        catch (JsonException) { return null; }
    }

    /// <summary>Parses <paramref name="json"/> as <typeparamref name="TConfig"/>, refusing keys the config does not have,
    /// then validates it. <paramref name="renamedKeys"/> lists keys older checkpoints wrote and today's names for them:
    /// an old key is read as its new name (both in one config is an error).</summary>
    public static TConfig Read<TConfig>(string json, string source, IReadOnlyList<(string Old, string New)>? renamedKeys = null)
        where TConfig : class, IModelConfig
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject obj;
        try { obj = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: the config is not a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: the config is not valid JSON: {e.Message}", e); }
        foreach (var (oldKey, newKey) in renamedKeys ?? [])
        {
            if (!obj.Remove(oldKey, out var value)) continue;
            if (obj.ContainsKey(newKey))
                throw new InvalidDataException($"{source}: the config has both \"{oldKey}\" and \"{newKey}\" (the old and the new name of one key).");
            obj[newKey] = value;
        }
        var known = Options.GetTypeInfo(typeof(TConfig)).Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, _) in obj)
            if (!known.Contains(key))
                throw new InvalidDataException($"{source}: unknown key \"{key}\" in a {typeof(TConfig).Name}; the keys are {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
        TConfig? config;
        try { config = obj.Deserialize<TConfig>(Options); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: \"{e.Path?.TrimStart('$', '.')}\": {FirstSentence(e.Message)}", e); }
        catch (InvalidOperationException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        if (config is null) throw new InvalidDataException($"{source}: the config is null.");
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        return config;
    }

    /// <summary>A copy of <paramref name="obj"/> with its snake_case keys in camelCase (<c>difference_lag</c> →
    /// <c>differenceLag</c>), for the configs of checkpoints written before every config was camelCase.</summary>
    internal static JsonObject CamelCaseKeys(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var converted = new JsonObject();
        foreach (var (key, value) in obj)
        {
            var parts = key.Split('_');
            string camel = parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? "" : char.ToUpperInvariant(p[0]) + p[1..]));
            converted[camel] = value?.DeepClone();
        }
        return converted;
    }

    private static string FirstSentence(string message)
    {
        int path = message.IndexOf(" Path:", StringComparison.Ordinal);
        return path > 0 ? message[..path] : message;
    }
}
