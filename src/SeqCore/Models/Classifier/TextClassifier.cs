using System.Numerics;
using System.Text.Json;
using SeqCore.IO;
using SeqCore.Random;
using SeqCore.Text;

namespace SeqCore.Models;

/// <summary>
/// A trained <see cref="SequenceClassifier{T}"/> with what it needs to read text: its tokenizer and its class names.
/// Saves and loads as one checkpoint: the weights under their state_dict names, the config under <c>seqcore.config</c>,
/// the tokenizer under <c>seqcore.tokenizer</c> and the labels (a JSON array of strings, by class index) under
/// <see cref="LabelsKey"/>.
/// </summary>
public sealed class TextClassifier<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Metadata key of the class names.</summary>
    public const string LabelsKey = "seqcore.labels";

    /// <summary>Bundles a model with its tokenizer and class names (one per class, in class-index order).</summary>
    public TextClassifier(SequenceClassifier<T> model, ITokenizer tokenizer, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != model.Config.Classes)
            throw new ArgumentException($"TextClassifier: {labels.Count} labels for a model of {model.Config.Classes} classes.");
        if (tokenizer.VocabularySize != model.Config.VocabularySize)
            throw new ArgumentException($"TextClassifier: the tokenizer has {tokenizer.VocabularySize} ids but the model {model.Config.VocabularySize}.");
        Model = model;
        Tokenizer = tokenizer;
        Labels = labels;
    }

    /// <summary>The model.</summary>
    public SequenceClassifier<T> Model { get; }

    /// <summary>The tokenizer that turns text into the model's ids.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Class names by class index.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The token ids of <paramref name="text"/>, cut to the model's maximum length; throws <see cref="ArgumentException"/> when there are none.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int[] ids = Tokenizer.Encode(text);
        if (ids.Length == 0) throw new ArgumentException("TextClassifier: the text is empty (no tokens).");
        return Model.Truncate(ids);
    }

    /// <summary>Class probabilities for each text, in order.</summary>
    public double[][] Predict(IReadOnlyList<string> texts, int batchSize = 256) =>
        Model.PredictProbabilities([.. texts.Select(Encode)], batchSize);

    /// <summary>Writes the checkpoint atomically (F32 tensors for float models, F64 for double ones).</summary>
    public void Save(string path)
    {
        var metadata = new Dictionary<string, string>
        {
            [Checkpoint.ConfigKey] = Model.Config.ToJson(),
            [LabelsKey] = JsonSerializer.Serialize(Labels),
        };
        Checkpoint.Save(path, Model.Parameters, metadata, Model.Backend, TokenizerJson(Tokenizer));
    }

    /// <summary>
    /// Reads a checkpoint written by <see cref="Save"/>: rebuilds the model from the config, fills its weights and
    /// restores the tokenizer and labels. A missing file, a file that is not a classifier checkpoint, or a corrupt,
    /// truncated or mismatched one gives an <see cref="InvalidDataException"/> naming the file and the fault.
    /// </summary>
    public static TextClassifier<T> Load(IBackend<T> backend, string path)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: file not found.");
        var metadata = Checkpoint.ReadMetadata(path);
        string Need(string key) => metadata.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"{path}: the checkpoint has no '{key}' entry; it is not a sequence classifier saved by SeqCore.");
        var config = SequenceClassifierConfig.FromJson(Need(Checkpoint.ConfigKey), path);
        string[] labels;
        try { labels = JsonSerializer.Deserialize<string[]>(Need(LabelsKey)) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: '{LabelsKey}' is not a JSON array of strings: {e.Message}", e); }
        if (labels.Length != config.Classes)
            throw new InvalidDataException($"{path}: {labels.Length} labels for a model of {config.Classes} classes.");
        var tokenizer = TokenizerFromJson(Need(Checkpoint.TokenizerKey), path);
        if (tokenizer.VocabularySize != config.VocabularySize)
            throw new InvalidDataException($"{path}: the tokenizer has {tokenizer.VocabularySize} ids but the model {config.VocabularySize}.");
        var model = new SequenceClassifier<T>(backend, config, new RandomStream(0));
        try
        {
            Checkpoint.Load(path, model.Parameters, backend);
            return new TextClassifier<T>(model, tokenizer, labels);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The JSON a tokenizer saves, as a string (tokenizers save to files; this goes through a temporary one).</summary>
    private static string TokenizerJson(ITokenizer tokenizer)
    {
        string tmp = Path.Combine(Path.GetTempPath(), $"seqcore-tokenizer-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            tokenizer.Save(tmp);
            return File.ReadAllText(tmp);
        }
        finally { File.Delete(tmp); }
    }

    private static ITokenizer TokenizerFromJson(string json, string path) => TokenizerFile.FromJson(json, $"{path} (seqcore.tokenizer)");

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
