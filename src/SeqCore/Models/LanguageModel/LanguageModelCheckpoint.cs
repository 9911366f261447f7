using System.Numerics;
using SeqCore.IO;
using SeqCore.Random;
using SeqCore.Text;

namespace SeqCore.Models;

/// <summary>
/// Saves and loads a <see cref="LanguageModel{T}"/> with its tokenizer as one safetensors checkpoint
/// (<see cref="Checkpoint"/>): the parameters under their state_dict names, the <see cref="LanguageModelConfig"/> JSON
/// under <c>seqcore.config</c> and the tokenizer's JSON file under <c>seqcore.tokenizer</c>. Writes are atomic.
/// </summary>
public static class LanguageModelCheckpoint
{
    /// <summary>Writes the model (F32 for float models; F64 for double unless <paramref name="float32"/>) and
    /// <paramref name="tokenizer"/> to <paramref name="path"/>, atomically.</summary>
    public static void Save<T>(string path, LanguageModel<T> model, ITokenizer tokenizer, bool float32 = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabularySize != model.Config.VocabSize)
            throw new ArgumentException($"LanguageModelCheckpoint.Save: the tokenizer has {tokenizer.VocabularySize} tokens, the model {model.Config.VocabSize}.");
        var metadata = new Dictionary<string, string> { [Checkpoint.ConfigKey] = model.Config.ToJson() };
        Checkpoint.Save(path, model.Parameters, metadata, model.Backend, TokenizerJson(tokenizer), float32);
    }

    /// <summary>
    /// Reads the config and tokenizer of <paramref name="path"/>, builds the model on <paramref name="backend"/> and
    /// fills its parameters. <see cref="InvalidDataException"/> names the file and what is wrong (not a language model,
    /// a bad config or tokenizer, missing or mismatched tensors, a corrupt file).
    /// </summary>
    public static (LanguageModel<T> Model, ITokenizer Tokenizer) Load<T>(string path, IBackend<T> backend)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(backend);
        var metadata = Checkpoint.ReadMetadata(path);
        if (!metadata.TryGetValue(Checkpoint.ConfigKey, out var configJson))
            throw new InvalidDataException($"{path}: no '{Checkpoint.ConfigKey}' in the metadata; not a SeqCore language model checkpoint.");
        if (!metadata.TryGetValue(Checkpoint.TokenizerKey, out var tokenizerJson))
            throw new InvalidDataException($"{path}: no '{Checkpoint.TokenizerKey}' in the metadata; a language model checkpoint carries its tokenizer.");
        string kind = ModelKind(configJson);
        if (kind != LanguageModelConfig.ModelKind)
            throw new InvalidDataException($"{path}: holds a '{kind}' model, not a '{LanguageModelConfig.ModelKind}'.");
        var config = LanguageModelConfig.FromJson(configJson, path);
        var tokenizer = ReadTokenizer(tokenizerJson, path);
        if (tokenizer.VocabularySize != config.VocabSize)
            throw new InvalidDataException($"{path}: the tokenizer has {tokenizer.VocabularySize} tokens but the config says vocabSize {config.VocabSize}.");
        var model = new LanguageModel<T>(backend, config, new RandomStream(0));
        try
        {
            Checkpoint.Load(path, model.Parameters, backend);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return (model, tokenizer);
    }

    /// <summary>The <c>"model"</c> field of a config JSON (<c>language-model</c> when absent).</summary>
    public static string ModelKind(string configJson)
    {
        try
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(configJson);
            return node?["model"]?.GetValue<string>() ?? LanguageModelConfig.ModelKind;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return "(unreadable config)";
        }
    }

    /// <summary>The JSON file a tokenizer saves, as a string.</summary>
    public static string TokenizerJson(ITokenizer tokenizer)
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

    /// <summary>A tokenizer from the JSON of <see cref="TokenizerJson"/>; errors name <paramref name="source"/>.</summary>
    public static ITokenizer ReadTokenizer(string json, string source) => TokenizerFile.FromJson(json, $"{source} (seqcore.tokenizer)");
}
