using System.Globalization;
using System.Numerics;
using SeqCore.IO;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>The <c>seq2seq</c> entry of the model catalogue (<see cref="ModelKinds"/>).</summary>
public sealed class Seq2SeqKind : IModelKind
{
    /// <summary>The one instance.</summary>
    public static Seq2SeqKind Instance { get; } = new();

    private Seq2SeqKind() { }

    /// <inheritdoc />
    public string Name => Seq2SeqConfig.ModelKind;

    /// <inheritdoc />
    public string Description => "character encoder–decoder with attention: LSTM/GRU encoder → attentive decoder; greedy or beam-search decoding";

    /// <inheritdoc />
    public IModelConfig ReadConfig(string json, string source) => Seq2SeqConfig.Read(json, source);

    /// <inheritdoc />
    public ISequenceModel<T> Build<T>(IBackend<T> backend, IModelConfig config, IReadOnlyDictionary<string, string> metadata, RandomStream init)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var c = config as Seq2SeqConfig ?? throw new ArgumentException($"seq2seq: expected a {nameof(Seq2SeqConfig)}, got {config?.GetType().Name}.");
        Seq2SeqVocabulary? vocabulary = null;
        if (metadata.TryGetValue(Checkpoint.TokenizerKey, out var json))
        {
            try { vocabulary = Seq2SeqVocabulary.FromJson(json, Checkpoint.TokenizerKey); }
            catch (InvalidDataException e) { throw new ArgumentException(e.Message, e); }
        }
        int maxTargetLength = 0;
        if (metadata.TryGetValue(Seq2Seq<T>.MaxTargetLengthKey, out var text) &&
            (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out maxTargetLength) || maxTargetLength < 0))
            throw new ArgumentException($"{Seq2Seq<T>.MaxTargetLengthKey} is '{text}', not a non-negative integer.");
        var model = new Seq2Seq<T>(backend, c, init);
        try { model.Vocabulary = vocabulary; }
        catch
        {
            model.Dispose();
            throw;
        }
        model.MaxTargetLength = maxTargetLength;
        return model;
    }
}
