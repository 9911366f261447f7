using System.Numerics;
using SeqCore.IO;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>
/// Saves and loads a <see cref="Seq2Seq{T}"/> as a SeqCore checkpoint (safetensors): the parameters under their
/// state_dict names, the <see cref="Seq2SeqConfig"/> under <c>seqcore.config</c>, both character vocabularies under
/// <c>seqcore.tokenizer</c>, and <c>seqcore.model = seq2seq</c>. Writes are atomic.
/// </summary>
public static class Seq2SeqCheckpoint
{
    /// <summary>The metadata key naming the model kind.</summary>
    public const string ModelKey = "seqcore.model";
    /// <summary>This model's kind.</summary>
    public const string ModelName = "seq2seq";

    /// <summary>Writes the model, its config and its vocabularies (plus <paramref name="extra"/> metadata) to <paramref name="path"/>.</summary>
    public static void Save<T>(string path, Seq2Seq<T> model, Seq2SeqVocabulary vocabulary, IReadOnlyDictionary<string, string>? extra = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var meta = new Dictionary<string, string>();
        if (extra is not null) foreach (var (k, v) in extra) meta[k] = v;
        meta[ModelKey] = ModelName;
        meta[Checkpoint.ConfigKey] = model.Config.ToJson();
        Checkpoint.Save(path, model.Parameters, meta, model.Backend, vocabulary.ToJson());
    }

    /// <summary>Rebuilds the model saved at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Not a seq2seq checkpoint, or corrupt, truncated or inconsistent; the message names the file.</exception>
    public static (Seq2Seq<T> Model, Seq2SeqVocabulary Vocabulary, IReadOnlyDictionary<string, string> Metadata) Load<T>(string path, IBackend<T> backend)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        var meta = Checkpoint.ReadMetadata(path);
        if (!meta.TryGetValue(ModelKey, out var kind) || kind != ModelName)
            throw new InvalidDataException($"{path}: not a seq2seq checkpoint ({ModelKey} is {(kind is null ? "missing" : $"'{kind}'")}).");
        if (!meta.TryGetValue(Checkpoint.ConfigKey, out var configJson))
            throw new InvalidDataException($"{path}: the checkpoint has no {Checkpoint.ConfigKey}.");
        if (!meta.TryGetValue(Checkpoint.TokenizerKey, out var vocabJson))
            throw new InvalidDataException($"{path}: the checkpoint has no {Checkpoint.TokenizerKey} (the vocabularies).");
        var config = Seq2SeqConfig.FromJson(configJson, path);
        var vocabulary = Seq2SeqVocabulary.FromJson(vocabJson, path);
        if (vocabulary.SourceSize != config.SourceVocabSize || vocabulary.TargetSize != config.TargetVocabSize)
            throw new InvalidDataException($"{path}: the vocabularies ({vocabulary.SourceSize} source, {vocabulary.TargetSize} target ids) do not match the config ({config.SourceVocabSize}, {config.TargetVocabSize}).");
        var model = new Seq2Seq<T>(backend, config, new RandomStream(0));
        try
        {
            Checkpoint.Load(path, model.Parameters, backend);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return (model, vocabulary, meta);
    }
}
