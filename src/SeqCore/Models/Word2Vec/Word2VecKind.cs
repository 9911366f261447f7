using System.Numerics;
using SeqCore.Layers;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>The <c>word2vec</c> entry of the model catalogue (<see cref="ModelKinds"/>).</summary>
public sealed class Word2VecKind : IModelKind
{
    /// <summary>The one instance.</summary>
    public static Word2VecKind Instance { get; } = new();

    private Word2VecKind() { }

    /// <inheritdoc />
    public string Name => Word2VecConfig.ModelKind;

    /// <inheritdoc />
    public string Description => "skip-gram or CBOW word vectors with negative sampling; nearest words and analogies by cosine similarity";

    /// <inheritdoc />
    public IModelConfig ReadConfig(string json, string source) => Word2VecConfig.FromJson(json, source);

    /// <inheritdoc />
    /// <remarks>The vocabulary comes from <paramref name="metadata"/> (<see cref="Word2Vec{T}.VocabularyKey"/>) and must
    /// have the config's size.</remarks>
    public ISequenceModel<T> Build<T>(IBackend<T> backend, IModelConfig config, IReadOnlyDictionary<string, string> metadata, RandomStream init)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = Typed(config);
        var vocabulary = Word2Vec<T>.ReadVocabulary(metadata);
        if (vocabulary.Count != c.VocabularySize)
            throw new ArgumentException($"the vocabulary has {vocabulary.Count} words but the config says {c.VocabularySize}.");
        return new Word2Vec<T>(backend, vocabulary, c, init);
    }

    /// <inheritdoc />
    public long ParameterCount(IModelConfig config)
    {
        var c = Typed(config);
        // in_embed.weight and out_embed.weight, both [V, D].
        return checked(2 * Embedding.CountParameters(c.VocabularySize, c.EmbeddingSize));
    }

    /// <inheritdoc />
    /// <remarks><see cref="RunShape.Length"/> is the rows a pair touches: its context word and the negatives.</remarks>
    public IReadOnlyList<MemoryTerm> WorkingMemory(IModelConfig config, RunShape shape, int bytesPerValue)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var c = Typed(config);
        int copies = ActivationMemory.Copies;
        return
        [
            MemoryTerm.Product("gathered rows", bytesPerValue, ("batch", shape.Batch), ("rows per pair + center", shape.Length + 1L), ("dimension", c.EmbeddingSize), ("copies", copies)),
            MemoryTerm.Product("scores", bytesPerValue, ("batch", shape.Batch), ("rows per pair", shape.Length), ("copies", copies)),
        ];
    }

    private static Word2VecConfig Typed(IModelConfig config) =>
        config as Word2VecConfig ?? throw new ArgumentException($"word2vec: expected a {nameof(Word2VecConfig)}, got {config?.GetType().Name}.");
}
