using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SeqCore.Models;

/// <summary>
/// Everything needed to rebuild a <see cref="Word2Vec{T}"/> besides its vocabulary: stored as camelCase JSON
/// (<see cref="ConfigJson"/>) under <c>seqcore.config</c> in a checkpoint, with <c>"model": "word2vec"</c>. Checkpoints
/// written before the model catalogue hold snake_case keys (<c>vocab_size</c>), <c>dim</c> for <c>embeddingSize</c>, and the training settings the CLI added
/// (<c>window</c>, <c>negatives</c>, <c>min_count</c>, <c>sample</c>); <see cref="FromJson"/> reads both shapes and drops
/// those training keys, which do not shape the model.
/// </summary>
public sealed record Word2VecConfig : IModelConfig
{
    /// <summary>The value of the <c>"model"</c> field that names this kind of model in a config or checkpoint.</summary>
    public const string ModelKind = "word2vec";

    /// <summary>Always <see cref="ModelKind"/>; lets a reader tell model kinds apart.</summary>
    public string Model { get; init; } = ModelKind;

    /// <summary>Words in the vocabulary (V): the rows of both embeddings.</summary>
    public int VocabularySize { get; init; }

    /// <summary>Vector width D (the width of both embeddings).</summary>
    public int EmbeddingSize { get; init; } = 100;

    /// <summary>The value of <see cref="Architecture"/> for skip-gram (the default, and what configs without the key mean).</summary>
    public const string SkipGram = "skipgram";

    /// <summary>The value of <see cref="Architecture"/> for CBOW (the mean of the window's vectors predicts the center).</summary>
    public const string Cbow = "cbow";

    /// <summary>How the vectors were trained: <see cref="SkipGram"/> or <see cref="Cbow"/>. Both give the same tables;
    /// it is recorded so a resumed run trains the same way.</summary>
    public string Architecture { get; init; } = SkipGram;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field (limits: <see cref="ModelLimits"/>).</summary>
    public void Validate()
    {
        if (Model != ModelKind) throw new ArgumentException($"Word2VecConfig: model must be '{ModelKind}', got '{Model}'.");
        if (Architecture is not (SkipGram or Cbow)) throw new ArgumentException($"Word2VecConfig: architecture must be '{SkipGram}' or '{Cbow}', got '{Architecture}'.");
        if (VocabularySize <= 0) throw new ArgumentException($"Word2VecConfig: vocabularySize must be positive, got {VocabularySize}.");
        if (EmbeddingSize <= 0) throw new ArgumentException($"Word2VecConfig: embeddingSize must be positive, got {EmbeddingSize}.");
        ModelLimits.Check(nameof(Word2VecConfig), "vocabularySize", VocabularySize, ModelLimits.MaxVocabulary);
        ModelLimits.Check(nameof(Word2VecConfig), "embeddingSize", EmbeddingSize, ModelLimits.MaxWidth);
    }

    /// <summary>The config as one line of camelCase JSON.</summary>
    public string ToJson() => ConfigJson.Write(this);

    /// <summary>Keys older checkpoints wrote, and their names now.</summary>
    private static readonly (string Old, string New)[] RenamedKeys = [("dim", "embeddingSize")];

    /// <summary>
    /// Parses a config: camelCase through <see cref="ConfigJson.Read{TConfig}"/> (unknown keys refused; <c>dim</c>, the
    /// name before the API renames, read as <c>embeddingSize</c>) or, when the JSON has the old <c>vocab_size</c> key,
    /// the snake_case shape of checkpoints written before the catalogue. <see cref="InvalidDataException"/> names
    /// <paramref name="source"/> and the fault.
    /// </summary>
    public static Word2VecConfig FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject? obj;
        try { obj = JsonNode.Parse(json) as JsonObject; }
        catch (JsonException e) { throw new InvalidDataException($"{source}: the word2vec config is not valid JSON: {e.Message}", e); }
        return obj is not null && obj.ContainsKey(LegacyVocabularySize) ? ReadLegacy(obj, source) : ConfigJson.Read<Word2VecConfig>(json, source, RenamedKeys);
    }

    private const string LegacyVocabularySize = "vocab_size";

    /// <summary>Keys the old <c>word2vec train</c> wrote into the config: training settings, not part of the model.</summary>
    private static readonly string[] LegacyTrainingKeys = ["window", "negatives", "min_count", "sample"];

    private static Word2VecConfig ReadLegacy(JsonObject obj, string source)
    {
        foreach (var (key, _) in obj)
            if (key is not ("model" or "dim" or LegacyVocabularySize) && !LegacyTrainingKeys.Contains(key))
                throw new InvalidDataException($"{source}: unknown key \"{key}\" in an old (snake_case) word2vec config; the keys are model, dim, {LegacyVocabularySize}, {string.Join(", ", LegacyTrainingKeys)}.");
        var config = new Word2VecConfig
        {
            Model = Text(obj, "model", source) ?? ModelKind,
            EmbeddingSize = Int(obj, "dim", source),
            VocabularySize = Int(obj, LegacyVocabularySize, source),
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        return config;
    }

    private static string? Text(JsonObject obj, string key, string source) =>
        obj[key] is null ? null
        : obj[key] is JsonValue v && v.TryGetValue(out string? s) ? s
        : throw new InvalidDataException($"{source}: \"{key}\" must be a string in a word2vec config.");

    private static int Int(JsonObject obj, string key, string source)
    {
        if (obj[key] is JsonValue v && (v.TryGetValue(out int n) ||
            (v.TryGetValue(out string? s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n))))
            return n;
        throw new InvalidDataException($"{source}: \"{key}\" must be an integer in a word2vec config{(obj[key] is null ? " (missing)" : "")}.");
    }
}
