using System.Numerics;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Layers.Transformer;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// The encoder–decoder transformer of Vaswani et al. 2017 ("Attention is all you need") with explicit forward and
/// backward passes: embeddings scaled by √E plus positions, an encoder stack (non-causal, source padding masked), a
/// decoder stack (causal self-attention, cross-attention over the encoder's output), and an output projection tied to
/// the target embedding; trained with label-smoothed cross-entropy, target padding ignored.
/// </summary>
/// <remarks>
/// <para>Equations (time-major, rows <c>t·B + b</c>): <c>x_s = Drop(√E·W_src[src] + P[s])</c>,
/// <c>m = Encoder(x_s, source lengths)</c>, <c>x_t = Drop(√E·W_tgt[y_in] + P[t])</c>,
/// <c>h = Decoder(x_t, m, source lengths)</c>, <c>logits = h·W_tgtᵀ</c>. The blocks are
/// <see cref="TransformerBlock{T}"/> and <see cref="TransformerDecoderBlock{T}"/> (GELU feed-forward, pre- or post-LN),
/// each stack ending in a LayerNorm as <c>nn.Transformer</c>.</para>
/// <para>Parameters (state_dict names): <c>source_embedding.weight [Vs, E]</c> (absent when shared: the source then reads
/// <c>target_embedding.weight</c>), <c>target_embedding.weight [Vt, E]</c> (also the output projection),
/// <c>source_positions.weight</c>, <c>target_positions.weight [MaxLength, E]</c> (learned positions only), and
/// <c>transformer.*</c> exactly as <c>nn.Transformer(E, heads, encoderLayers, decoderLayers, F, activation="gelu",
/// norm_first=…)</c> names them. tests/golden/make_transformer_seq2seq_golden.py holds this module in PyTorch.</para>
/// <para>Embeddings are drawn N(0, 1/E) (so that √E·embedding has unit scale), the padding row 0, learned positions
/// N(0, 0.02²), the blocks as PyTorch initialises them.</para>
/// </remarks>
public sealed partial class TransformerSeq2Seq<T> : ISeq2SeqModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _be;
    private readonly Embedding<T>? _ownSourceEmbedding;
    private readonly Embedding<T> _targetEmbedding;
    private readonly LearnedPositionalEncoding<T>? _sourceLearned, _targetLearned;
    private readonly SinusoidalPositionalEncoding<T>? _sinusoidal;
    private readonly TransformerStack<T> _encoder;
    private readonly TransformerDecoderStack<T> _decoder;
    private readonly Dropout<T> _sourceDropout, _targetDropout;
    private readonly CrossEntropyLoss<T> _trainLoss, _evalLoss;
    private readonly T _scale;

    /// <summary>Creates the model with its initialisation drawn from <paramref name="init"/>.</summary>
    public TransformerSeq2Seq(IBackend<T> backend, TransformerSeq2SeqConfig config, RandomStream init)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(init);
        config.Validate();
        _be = backend;
        Config = config;
        int e = config.EmbeddingSize;
        _scale = T.Sqrt(T.CreateTruncating(e));
        var parameters = new List<Parameter<T>>();
        if (!config.ShareEmbeddings)
        {
            _ownSourceEmbedding = MakeEmbedding(config.SourceVocabularySize, "source_embedding.", init);
            parameters.AddRange(_ownSourceEmbedding.Parameters);
        }
        _targetEmbedding = MakeEmbedding(config.TargetVocabularySize, "target_embedding.", init);
        parameters.AddRange(_targetEmbedding.Parameters);
        if (config.Positions == "learned")
        {
            _sourceLearned = MakePositions("source_positions.", init);
            _targetLearned = MakePositions("target_positions.", init);
            parameters.AddRange([.. _sourceLearned.Parameters, .. _targetLearned.Parameters]);
        }
        else _sinusoidal = new SinusoidalPositionalEncoding<T>(backend, config.MaxLength, e);
        _encoder = new TransformerStack<T>(backend, config.BlockOptions(encoder: true), init, "transformer.encoder.");
        _decoder = new TransformerDecoderStack<T>(backend, config.BlockOptions(encoder: false), init, "transformer.decoder.");
        parameters.AddRange([.. _encoder.Parameters, .. _decoder.Parameters]);
        Parameters = parameters;
        _sourceDropout = new Dropout<T>(backend, config.Dropout);
        _targetDropout = new Dropout<T>(backend, config.Dropout);
        _trainLoss = new CrossEntropyLoss<T>(backend) { IgnoreIndex = Seq2SeqBatch.IgnoreIndex, LabelSmoothing = config.LabelSmoothing };
        _evalLoss = new CrossEntropyLoss<T>(backend) { IgnoreIndex = Seq2SeqBatch.IgnoreIndex };
    }

    private Embedding<T> MakeEmbedding(int count, string prefix, RandomStream init)
    {
        var embedding = new Embedding<T>(_be, count, Config.EmbeddingSize, init, Seq2SeqVocabulary.Pad, prefix);
        _be.FillNormal(init, T.Zero, T.One / _scale, embedding.Weight.Value);
        _be.Fill(T.Zero, embedding.Weight.Value.Row(Seq2SeqVocabulary.Pad));
        return embedding;
    }

    private LearnedPositionalEncoding<T> MakePositions(string prefix, RandomStream init)
    {
        var positions = new LearnedPositionalEncoding<T>(_be, Config.MaxLength, Config.EmbeddingSize, init, prefix: prefix);
        _be.FillNormal(init, T.Zero, T.CreateTruncating(0.02), positions.Weight.Value);
        return positions;
    }

    /// <summary>The configuration.</summary>
    public TransformerSeq2SeqConfig Config { get; }

    IModelConfig ISequenceModel<T>.Config => Config;

    /// <summary>The backend.</summary>
    public IBackend<T> Backend => _be;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    private Embedding<T> SourceEmbedding => _ownSourceEmbedding ?? _targetEmbedding;

    private Seq2SeqVocabulary? _vocabulary;

    /// <summary>The source and target vocabularies (null until set); their sizes must match the config.</summary>
    public Seq2SeqVocabulary? Vocabulary
    {
        get => _vocabulary;
        set
        {
            if (value is not null && (value.SourceSize != Config.SourceVocabularySize || value.TargetSize != Config.TargetVocabularySize))
                throw new ArgumentException($"TransformerSeq2Seq.Vocabulary: the vocabularies ({value.SourceSize} source, {value.TargetSize} target ids) do not match the config ({Config.SourceVocabularySize}, {Config.TargetVocabularySize}).");
            _vocabulary = value;
        }
    }

    /// <summary>The longest target the model was trained on (0 = unknown).</summary>
    public int MaxTargetLength { get; set; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> CheckpointMetadata
    {
        get
        {
            var metadata = new Dictionary<string, string>();
            if (_vocabulary is not null) metadata[Checkpoint.TokenizerKey] = _vocabulary.ToJson();
            if (MaxTargetLength > 0) metadata[Seq2Seq<T>.MaxTargetLengthKey] = MaxTargetLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return metadata;
        }
    }

    /// <summary>Writes the model, its config and its vocabularies to <paramref name="path"/> (atomically; see
    /// <see cref="ModelCheckpoint"/>).</summary>
    public void Save(string path)
    {
        if (_vocabulary is null) throw new InvalidOperationException("TransformerSeq2Seq.Save: set Vocabulary first; a seq2seq checkpoint carries its vocabularies.");
        ModelCheckpoint.Save(path, this);
    }

    /// <summary>Opens the transformer seq2seq checkpoint at <paramref name="path"/> on <paramref name="backend"/>;
    /// <see cref="InvalidDataException"/> names the file for a checkpoint of another kind, a corrupt or inconsistent one.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="backend">Where the model lives.</param>
    /// <param name="maxBytes">The memory budget the model must fit (see <see cref="ModelBudget"/>); null for
    /// <see cref="ModelBudget.DefaultBytes"/>.</param>
    public static TransformerSeq2Seq<T> Load(string path, IBackend<T> backend, long? maxBytes = null) =>
        ModelCheckpoint.Load<TransformerSeq2Seq<T>, T>(path, backend, TransformerSeq2SeqConfig.ModelKind, maxBytes);

    /// <summary><c>x = √E·table[ids] + P[start ..]</c> for time-major ids <c>[n, B]</c> into <paramref name="x"/> <c>[n, B, E]</c>.</summary>
    private void Embed(Embedding<T> table, LearnedPositionalEncoding<T>? learned, ReadOnlySpan<int> ids, int start, Tensor<T> x)
    {
        table.Forward(ids, x);
        _be.Scale(x, _scale, x);
        if (learned is not null) learned.Forward(x, x, start);
        else _sinusoidal!.Forward(x, x, start);
    }

    /// <summary>Backward of <see cref="Embed"/> (dx is scaled in place).</summary>
    private void EmbedBackward(Embedding<T> table, LearnedPositionalEncoding<T>? learned, ReadOnlySpan<int> ids, Tensor<T> dx)
    {
        learned?.Backward(dx, null);
        _be.Scale(dx, _scale, dx);
        table.Backward(ids, dx);
    }

    /// <summary><c>logits [N, V] = h [N, E]·W_tgtᵀ</c>.</summary>
    private void Project(Tensor<T> h, int rows, Tensor<T> logits)
    {
        int e = Config.EmbeddingSize, v = Config.TargetVocabularySize;
        _be.Gemm(Transpose.No, Transpose.Yes, rows, v, e, T.One, h, e, _targetEmbedding.Weight.Value, e, T.Zero, logits, v);
    }

    internal static bool IsAllFull(ReadOnlySpan<int> lengths, int steps)
    {
        foreach (int l in lengths) if (l != steps) return false;
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _arena?.Dispose();
        _ownSourceEmbedding?.Dispose();
        _targetEmbedding.Dispose();
        _sourceLearned?.Dispose();
        _targetLearned?.Dispose();
        _sinusoidal?.Dispose();
        _encoder.Dispose();
        _decoder.Dispose();
        _sourceDropout.Dispose();
        _targetDropout.Dispose();
    }
}
