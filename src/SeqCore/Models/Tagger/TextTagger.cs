using System.Numerics;
using SeqCore.Layers;

namespace SeqCore.Models;

/// <summary>
/// The <c>tagger</c> model kind: a <see cref="SequenceTagger{T}"/> with its <see cref="TaggerVocabulary"/> (tokens and
/// tags). Saves and loads as one checkpoint through <see cref="ModelCheckpoint"/>: the weights under their state_dict
/// names, the config under <c>seqcore.config</c>, the tokens and tags under <see cref="TaggerVocabulary.TokensKey"/> and
/// <see cref="TaggerVocabulary.TagsKey"/>.
/// </summary>
public sealed class TextTagger<T> : ISequenceModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Bundles a model with its vocabulary (as many tokens and tags as the model has ids, in its token unit).</summary>
    public TextTagger(SequenceTagger<T> model, TaggerVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (vocabulary.Tokens.Count != model.Config.VocabularySize || vocabulary.Tags.Count != model.Config.Tags || vocabulary.Unit != model.Config.Tokens)
            throw new ArgumentException($"TextTagger: the vocabulary ({vocabulary.Tokens.Count} {vocabulary.Unit} tokens, {vocabulary.Tags.Count} tags) does not fit the model ({model.Config.VocabularySize} {model.Config.Tokens} tokens, {model.Config.Tags} tags).");
        Model = model;
        Vocabulary = vocabulary;
    }

    /// <summary>The model.</summary>
    public SequenceTagger<T> Model { get; }

    /// <summary>The tokens and tags.</summary>
    public TaggerVocabulary Vocabulary { get; }

    /// <summary>The model's config.</summary>
    public TaggerConfig Config => Model.Config;

    IModelConfig ISequenceModel<T>.Config => Model.Config;

    /// <inheritdoc />
    public IBackend<T> Backend => Model.Backend;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => Model.Parameters;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> CheckpointMetadata => Vocabulary.ToMetadata();

    /// <summary>The tag names of each token sequence (tokens as <see cref="TaggerVocabulary.Split"/> gives them; each non-empty).</summary>
    public string[][] Predict(IReadOnlyList<IReadOnlyList<string>> sentences, int batchSize = TaggerTrainable<T>.EvaluationBatch)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var ids = sentences.Select(Vocabulary.EncodeTokens).ToArray();
        return [.. Model.PredictTags(ids, batchSize).Select(tags => tags.Select(t => Vocabulary.Tags[t]).ToArray())];
    }

    /// <summary>Writes the checkpoint atomically (F32 tensors for float models, F64 for double ones).</summary>
    public void Save(string path) => ModelCheckpoint.Save(path, this);

    /// <summary>Opens a tagger checkpoint on <paramref name="backend"/>; <see cref="InvalidDataException"/> names the file
    /// and the fault (missing, another kind, corrupt, above <paramref name="maxBytes"/>).</summary>
    public static TextTagger<T> Load(string path, IBackend<T> backend, long? maxBytes = null) =>
        ModelCheckpoint.Load<TextTagger<T>, T>(path, backend, TaggerConfig.ModelKind, maxBytes);

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
