using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using SeqCore.IO;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>
/// Saves and opens the checkpoint of any model kind: one safetensors file with the parameters under their PyTorch
/// <c>state_dict</c> names, the config JSON under <c>seqcore.config</c> (its <c>"model"</c> key names the kind) and
/// what the kind needs beside it (<see cref="ISequenceModel{T}.CheckpointMetadata"/>). A training run may add its state
/// for resuming (<see cref="Checkpoint.RunKey"/>, tensors under <see cref="Checkpoint.RunTensorPrefix"/>); loading a
/// model ignores it. Writes are atomic. See docs/checkpoint-format.md.
/// </summary>
public static class ModelCheckpoint
{
    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically (F32 for float models; F64 for double
    /// unless <paramref name="float32"/>).</summary>
    public static void Save<T>(string path, ISequenceModel<T> model, bool float32 = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        var (metadata, tokenizer) = Metadata(model, null);
        Checkpoint.Save(path, model.Backend, model.Parameters, metadata, tokenizer, float32);
    }

    /// <summary>Writes <paramref name="model"/>'s config and metadata with <paramref name="weights"/> (host copies under the
    /// parameters' names, e.g. the best weights of a run) and a training run's state (<paramref name="runStateJson"/>
    /// under <see cref="Checkpoint.RunKey"/>, <paramref name="runTensors"/> named <c>run.*</c>).</summary>
    public static void Save<T>(string path, ISequenceModel<T> model, IEnumerable<(string Name, int[] Shape, double[] Data)> weights, bool float32,
        string? runStateJson, IEnumerable<(string Name, int[] Shape, double[] Data)> runTensors) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(runTensors);
        var (metadata, tokenizer) = Metadata(model, runStateJson);
        Checkpoint.Save(path, model.Backend, [], metadata, tokenizer, float32, weights.Concat(runTensors));
    }

    private static (Dictionary<string, string> Metadata, string? Tokenizer) Metadata<T>(ISequenceModel<T> model, string? runStateJson)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var metadata = new Dictionary<string, string>(model.CheckpointMetadata) { [Checkpoint.ConfigKey] = ConfigText(model.Config) };
        if (runStateJson is not null) metadata[Checkpoint.RunKey] = runStateJson;
        metadata.Remove(Checkpoint.TokenizerKey, out string? tokenizer);
        return (metadata, tokenizer);
    }

    /// <summary>The config's JSON (camelCase, one line).</summary>
    public static string ConfigText(IModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return System.Text.Json.JsonSerializer.Serialize(config, config.GetType(), ConfigJson.Options);
    }

    /// <summary>The model kind a checkpoint holds (its config's <c>"model"</c> key); <see cref="InvalidDataException"/> for a
    /// file that is not a SeqCore checkpoint.</summary>
    public static string ReadKind(string path) => ReadKind(path, Checkpoint.ReadMetadata(path));

    private static string ReadKind(string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(Checkpoint.ConfigKey, out var json))
            throw new InvalidDataException($"{path}: no '{Checkpoint.ConfigKey}' in the metadata; not a SeqCore model checkpoint.");
        // Checkpoints written before the catalogue existed: a language model's may lack the key; a seq2seq's names its
        // kind under "seqcore.model" instead; a classifier's names its old kind.
        return ConfigJson.ReadKind(json) switch
        {
            null => metadata.TryGetValue("seqcore.model", out var legacy) ? legacy : LanguageModelKind.Instance.Name,
            SequenceClassifierConfig.LegacyModelName => SequenceClassifierConfig.ModelKind,
            var kind => kind,
        };
    }

    /// <summary>Opens any SeqCore checkpoint: reads its kind from the config, builds that model on
    /// <paramref name="backend"/> and fills its weights. <see cref="InvalidDataException"/> names the file and the fault
    /// (unknown kind, bad config, a config that does not describe the file's tensors, a model above the memory budget,
    /// missing or mismatched tensors, a corrupt file).</summary>
    public static ISequenceModel<T> Load<T>(string path, IBackend<T> backend) where T : unmanaged, IFloatingPointIeee754<T>
        => Load(path, backend, expectedKind: null);

    /// <summary>As <see cref="Load{T}(string, IBackend{T})"/>, refusing a checkpoint of another kind than
    /// <paramref name="expectedKind"/> with a message naming both. Before anything is allocated, the parameters the config
    /// describes (<see cref="IModelKind.ParameterCount"/>) must fit <paramref name="maxBytes"/> (default
    /// <see cref="ModelBudget.DefaultBytes"/>; see <see cref="ModelBudget"/>) and equal the elements of the file's tensors
    /// (a training run's <c>run.*</c> tensors aside). NaN and infinite weights are refused unless
    /// <paramref name="allowNonFinite"/> (for debugging a broken model).</summary>
    public static ISequenceModel<T> Load<T>(string path, IBackend<T> backend, string? expectedKind, long? maxBytes = null, bool allowNonFinite = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(backend);
        var (kind, config, metadata) = ReadConfig(path, expectedKind);
        CheckSize(path, kind, config, Unsafe.SizeOf<T>(), maxBytes ?? ModelBudget.DefaultBytes);
        ISequenceModel<T> model;
        try { model = kind.Build(backend, config, metadata, new RandomStream(0)); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        try { Checkpoint.Load(path, backend, model.Parameters, allowNonFinite: allowNonFinite); }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>The model kind, config and metadata of the checkpoint at <paramref name="path"/>, from its header alone
    /// (nothing is allocated): what a caller needs to check a run's working memory (<see cref="IModelKind.WorkingMemory"/>)
    /// before <see cref="Load{T}(string, IBackend{T}, string?, long?, bool)"/>. <see cref="InvalidDataException"/> names
    /// the file for a missing file, a checkpoint of another kind than <paramref name="expectedKind"/> (when given), an
    /// unknown kind or a bad config.</summary>
    public static (IModelKind Kind, IModelConfig Config, IReadOnlyDictionary<string, string> Metadata) ReadConfig(string path, string? expectedKind = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: file not found.");
        var metadata = Checkpoint.ReadMetadata(path);
        string kindName = ReadKind(path, metadata);
        if (expectedKind is not null && kindName != expectedKind)
            throw new InvalidDataException($"{path}: holds a '{kindName}' model, not a '{expectedKind}'.");
        var kind = ModelKinds.Find(kindName)
            ?? throw new InvalidDataException($"{path}: unknown model kind '{kindName}'; this build knows {string.Join(", ", ModelKinds.Names)}.");
        return (kind, kind.ReadConfig(metadata[Checkpoint.ConfigKey], path), metadata);
    }

    /// <summary>The checks <see cref="Load{T}(string, IBackend{T}, string?, long?, bool)"/> makes before building: the model
    /// fits the budget, and the file holds as many parameter elements as the config describes.</summary>
    private static void CheckSize(string path, IModelKind kind, IModelConfig config, int bytesPerValue, long maxBytes)
    {
        long described;
        try { described = kind.ParameterCount(config); }
        catch (OverflowException) { throw new InvalidDataException($"{path}: the config describes more parameters than a 64-bit count holds."); }
        try { ModelBudget.Check(described, bytesPerValue, maxBytes); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        long held = 0;
        try
        {
            foreach (var (name, shape) in SafeTensorsHeader.TensorShapes(path))
                if (!name.StartsWith(Checkpoint.RunTensorPrefix, StringComparison.Ordinal))
                    held = checked(held + shape.Aggregate(1L, (n, d) => checked(n * d)));
        }
        catch (OverflowException) { throw new InvalidDataException($"{path}: the tensors' shapes describe more elements than a 64-bit count holds."); }
        if (held != described)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}: the config describes {described:N0} parameters but the file holds {held:N0}."));
    }

    /// <summary>Typed form of <see cref="Load{T}(string, IBackend{T}, string?, long?, bool)"/> for a kind's own <c>Load</c>.</summary>
    public static TModel Load<TModel, T>(string path, IBackend<T> backend, string kind, long? maxBytes = null, bool allowNonFinite = false)
        where TModel : class, ISequenceModel<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = Load(path, backend, kind, maxBytes, allowNonFinite);
        if (model is TModel typed) return typed;
        model.Dispose();
        throw new InvalidDataException($"{path}: the '{kind}' model is not a {typeof(TModel).Name}.");
    }
}
