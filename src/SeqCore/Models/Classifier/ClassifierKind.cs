using System.Numerics;
using System.Text.Json;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;
using SeqCore.Text;

namespace SeqCore.Models;

/// <summary>The <c>classifier</c> entry of the model catalogue (<see cref="ModelKinds"/>): a <see cref="TextClassifier{T}"/>.</summary>
public sealed class ClassifierKind : IModelKind
{
    /// <summary>The one instance.</summary>
    public static ClassifierKind Instance { get; } = new();

    private ClassifierKind() { }

    /// <inheritdoc />
    public string Name => SequenceClassifierConfig.ModelKind;

    /// <inheritdoc />
    public string Description => "text classifier: embedding → (bi)LSTM/GRU/RNN (optionally read backwards) or Conv1d → mean/max/last pooling → dense ReLU layers → softmax or binary head";

    /// <inheritdoc />
    public IModelConfig ReadConfig(string json, string source) => SequenceClassifierConfig.FromJson(json, source);

    /// <summary>Builds an untrained classifier; <paramref name="metadata"/> must hold the tokenizer
    /// (<c>seqcore.tokenizer</c>) and the labels (<see cref="TextClassifier{T}.LabelsKey"/>), as its checkpoint does.</summary>
    public ISequenceModel<T> Build<T>(IBackend<T> backend, IModelConfig config, IReadOnlyDictionary<string, string> metadata, RandomStream init)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var c = Typed(config);
        string Need(string key) => metadata.TryGetValue(key, out var v) ? v
            : throw new ArgumentException($"the checkpoint has no '{key}' entry; a classifier carries its tokenizer and labels.");
        var tokenizer = TokenizerFile.FromJson(Need(Checkpoint.TokenizerKey), Checkpoint.TokenizerKey);
        string[] labels;
        try { labels = JsonSerializer.Deserialize<string[]>(Need(TextClassifier<T>.LabelsKey)) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new ArgumentException($"'{TextClassifier<T>.LabelsKey}' is not a JSON array of strings: {e.Message}", e); }
        var model = new SequenceClassifier<T>(backend, c, init);
        try { return new TextClassifier<T>(model, tokenizer, labels); }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public long ParameterCount(IModelConfig config)
    {
        var c = Typed(config);
        // The embedding has a padding row after the V token ids.
        long embedding = Embedding.CountParameters(checked(c.VocabularySize + 1), c.EmbeddingSize);
        long encoder = c.IsRecurrent
            ? RecurrentLayer.CountParameters(new RecurrentOptions
            {
                Cell = c.Cell!.Value, InputSize = c.EmbeddingSize, HiddenSize = c.HiddenSize, Layers = c.Layers, Bidirectional = c.Bidirectional,
            })
            : Conv1d.CountParameters(c.EmbeddingSize, c.HiddenSize, c.KernelSize);
        long dense = 0;
        int width = c.FeatureSize;
        foreach (int h in c.HiddenLayers) { dense = checked(dense + Linear.CountParameters(width, h)); width = h; }
        return checked(embedding + encoder + dense + Linear.CountParameters(width, c.LogitCount));
    }

    /// <inheritdoc />
    public IReadOnlyList<MemoryTerm> WorkingMemory(IModelConfig config, RunShape shape, int bytesPerValue)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var c = Typed(config);
        int copies = ActivationMemory.Copies, s = bytesPerValue;
        (string, long) batch = ("batch", shape.Batch), length = ("length", shape.Length);
        var terms = new List<MemoryTerm> { MemoryTerm.Product("embeddings", s, batch, length, ("embedding", c.EmbeddingSize), ("copies", copies)) };
        terms.Add(c.IsRecurrent
            ? ActivationMemory.Recurrent("recurrent encoder", c.Cell!.Value, c.Layers, c.Bidirectional ? 2 : 1, c.HiddenSize, shape.Batch, shape.Length, s)
            : MemoryTerm.Product("convolution", s, batch, length, ("kernel × embedding + hidden", (long)c.KernelSize * c.EmbeddingSize + c.HiddenSize), ("copies", copies)));
        terms.Add(MemoryTerm.Product("pooled features, hidden layers and logits", s, batch,
            ("features + 2 × hidden + classes", (long)c.FeatureSize + 2L * c.HiddenLayers.Sum(h => (long)h) + c.Classes), ("copies", copies)));
        return terms;
    }

    private static SequenceClassifierConfig Typed(IModelConfig config) =>
        config as SequenceClassifierConfig ?? throw new ArgumentException($"classifier: expected a {nameof(SequenceClassifierConfig)}, got {config?.GetType().Name}.");
}
