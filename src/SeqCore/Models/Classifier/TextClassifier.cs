using System.Numerics;
using System.Text.Json;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Text;

namespace SeqCore.Models;

/// <summary>
/// The <c>classifier</c> model kind: a <see cref="SequenceClassifier{T}"/> with what it needs to read text, its tokenizer
/// and its class names. Saves and loads as one checkpoint through <see cref="ModelCheckpoint"/>: the weights under their
/// state_dict names, the config under <c>seqcore.config</c>, the tokenizer under <c>seqcore.tokenizer</c> and the labels
/// (a JSON array of strings, by class index) under <see cref="LabelsKey"/>.
/// </summary>
public sealed class TextClassifier<T> : ISequenceModel<T> where T : unmanaged, IFloatingPointIeee754<T>
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

    /// <summary>The model's config.</summary>
    public SequenceClassifierConfig Config => Model.Config;

    IModelConfig ISequenceModel<T>.Config => Model.Config;

    /// <inheritdoc />
    public IBackend<T> Backend => Model.Backend;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => Model.Parameters;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> CheckpointMetadata => new Dictionary<string, string>
    {
        [Checkpoint.TokenizerKey] = TokenizerFile.ToJson(Tokenizer),
        [LabelsKey] = JsonSerializer.Serialize(Labels),
    };

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
    public void Save(string path) => ModelCheckpoint.Save(path, this);

    /// <summary>
    /// Opens a classifier checkpoint on <paramref name="backend"/>: rebuilds the model from the config, fills its weights
    /// and restores the tokenizer and labels. A missing file, a checkpoint of another kind, or a corrupt, truncated or
    /// mismatched one gives an <see cref="InvalidDataException"/> naming the file and the fault.
    /// </summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="backend">Where the model lives.</param>
    /// <param name="maxBytes">The memory budget the model must fit (see <see cref="ModelBudget"/>); null for
    /// <see cref="ModelBudget.DefaultBytes"/>.</param>
    public static TextClassifier<T> Load(string path, IBackend<T> backend, long? maxBytes = null) =>
        ModelCheckpoint.Load<TextClassifier<T>, T>(path, backend, SequenceClassifierConfig.ModelKind, maxBytes);

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
