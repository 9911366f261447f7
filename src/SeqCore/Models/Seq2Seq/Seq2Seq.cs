using System.Numerics;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Layers.Attention;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// An encoder–decoder with attention (Luong et al. 2015's global attention, with Bahdanau's additive score or Luong's
/// dot/general score), or without it (Cho et al. 2014's fixed context vector), with explicit forward and backward passes.
/// </summary>
/// <remarks>
/// <para>Encoder: source embedding → a stack of <c>EncoderLayers</c> LSTM or GRU layers (optionally bidirectional) over
/// ragged sources, giving the memory <c>m [B, S, Dk]</c>, Dk = D·H. Every decoder layer is Dk wide.</para>
/// <para>The bridge: decoder layer l starts from the final states of encoder layer <c>l + L_enc − L_dec</c> (the stacks
/// aligned at the top), its directions concatenated; a decoder layer without a partner starts at zero. The LSTM's cell
/// state is bridged the same way.</para>
/// <para>Decoder step t: <c>x_t = [emb(y_{t−1}); h̃_{t−1}]</c> (h̃ only with input feeding, h̃_{−1} = 0);
/// <c>h_t = cells(x_t, h_{t−1})</c> (the top layer's output); <c>c_t, α_t = attention(h_t, m)</c> with the source padding
/// masked; <c>h̃_t = tanh(W_c·[c_t; h_t] + b_c)</c>; <c>logits_t = W_o·h̃_t + b_o</c>. Loss: cross-entropy over the target
/// tokens (target padding ignored).</para>
/// <para>Without attention (<see cref="Seq2SeqAttention.None"/>) the context is the same for every step: the top encoder
/// layer's final states, directions concatenated (<c>c [B, Dk]</c>, h only for the LSTM). As Cho et al. 2014 do, it is
/// fed into every decoder step, <c>x_t = [emb(y_{t−1}); c; h̃_{t−1}]</c>, and into the output layer,
/// <c>h̃_t = tanh(W_c·[c; h_t] + b_c)</c>, besides starting the decoder through the bridge.</para>
/// <para>Dropout (<see cref="Seq2SeqConfig.Dropout"/>, training only): on both embeddings and between stacked layers of
/// encoder and decoder.</para>
/// <para>Backward walks the decoder steps in reverse. The cells and the attention keep only their last forward, so each
/// step re-runs its cells and attention forward from the saved inputs (h_{t−1}, c_{t−1}, x_t, h_t; the dropout stream
/// rewound to that step) right before their backward: one extra cheap forward per step instead of a cache per step, and
/// the step reuses the already gradient-checked layers. The generator's backward is one GEMM over all T·B rows.</para>
/// <para>The model holds its <see cref="Vocabulary"/> (both vocabularies) and saves it in its checkpoint
/// (<see cref="Save"/>, <see cref="Load"/>).</para>
/// <para>Parameters (state_dict names): <c>source_embedding.weight</c>, <c>encoder.*</c> (<c>nn.LSTM</c>/<c>nn.GRU</c>
/// names), <c>target_embedding.weight</c>, <c>decoder.*</c> (an <c>nn.LSTM</c>/<c>nn.GRU</c> of <c>DecoderLayers</c>),
/// <c>attention.*</c> (see <see cref="AdditiveAttention{T}"/>, <see cref="DotProductAttention{T}"/>; none without
/// attention), <c>combine.weight [Dk, 2·Dk]</c>, <c>combine.bias</c>, <c>generator.weight [V, Dk]</c>,
/// <c>generator.bias</c>.</para>
/// </remarks>
public sealed partial class Seq2Seq<T> : ISeq2SeqModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _be;
    private readonly Embedding<T> _sourceEmbedding, _targetEmbedding;
    private readonly RecurrentLayer<T> _encoder, _decoder;
    private readonly AdditiveAttention<T>? _additive;
    private readonly DotProductAttention<T>? _luong;
    private readonly Linear<T> _combine, _generator;
    private readonly List<Parameter<T>> _parameters = new();
    private readonly CrossEntropyLoss<T> _loss;

    /// <summary>Creates the model with PyTorch-style initialisation drawn from <paramref name="init"/>.</summary>
    public Seq2Seq(IBackend<T> backend, Seq2SeqConfig config, RandomStream init)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(init);
        config.Validate();
        _be = backend;
        Config = config;
        int e = config.EmbeddingSize, dk = config.DecoderSize;
        _sourceEmbedding = new Embedding<T>(backend, config.SourceVocabularySize, e, init, Seq2SeqVocabulary.Pad, "source_embedding.");
        _encoder = new RecurrentLayer<T>(backend, new RecurrentOptions
        {
            Cell = config.Cell, InputSize = e, HiddenSize = config.HiddenSize, Bidirectional = config.Bidirectional, BatchFirst = true,
            Layers = config.EncoderLayers, Dropout = config.Dropout,
        }, init);
        _targetEmbedding = new Embedding<T>(backend, config.TargetVocabularySize, e, init, Seq2SeqVocabulary.Pad, "target_embedding.");
        _decoder = new RecurrentLayer<T>(backend, new RecurrentOptions
        {
            Cell = config.Cell, InputSize = config.DecoderInputSize, HiddenSize = dk, Layers = config.DecoderLayers, Dropout = config.Dropout,
        }, init);
        if (config.Attention == Seq2SeqAttention.Additive) _additive = new AdditiveAttention<T>(backend, dk, dk, config.AdditiveSize, init);
        else if (config.Attends) _luong = new DotProductAttention<T>(backend, config.Attention == Seq2SeqAttention.Dot ? LuongScore.Dot : LuongScore.General, dk, dk, init);
        _combine = new Linear<T>(backend, 2 * dk, dk, init, prefix: "combine.");
        _generator = new Linear<T>(backend, dk, config.TargetVocabularySize, init, prefix: "generator.");
        _loss = new CrossEntropyLoss<T>(backend) { IgnoreIndex = Seq2SeqBatch.IgnoreIndex };

        _parameters.AddRange(_sourceEmbedding.Parameters);
        _parameters.AddRange(Prefixed("encoder.", _encoder.Parameters));
        _parameters.AddRange(_targetEmbedding.Parameters);
        _parameters.AddRange(Prefixed("decoder.", _decoder.Parameters));
        _parameters.AddRange(Prefixed("attention.", _additive?.Parameters ?? _luong?.Parameters ?? []));
        _parameters.AddRange(_combine.Parameters);
        _parameters.AddRange(_generator.Parameters);
    }

    private static IEnumerable<Parameter<T>> Prefixed(string prefix, IEnumerable<Parameter<T>> parameters) =>
        parameters.Select(p => new Parameter<T>(prefix + p.Name, p.Value, p.Gradient));

    /// <summary>The configuration.</summary>
    public Seq2SeqConfig Config { get; }

    IModelConfig ISequenceModel<T>.Config => Config;

    /// <summary>The metadata key of <see cref="MaxTargetLength"/>.</summary>
    public const string MaxTargetLengthKey = "seqcore.seq2seq.max_target_length";

    private Seq2SeqVocabulary? _vocabulary;

    /// <summary>The source and target character vocabularies (null until set); their sizes must match the config.</summary>
    public Seq2SeqVocabulary? Vocabulary
    {
        get => _vocabulary;
        set
        {
            if (value is not null && (value.SourceSize != Config.SourceVocabularySize || value.TargetSize != Config.TargetVocabularySize))
                throw new ArgumentException($"Seq2Seq.Vocabulary: the vocabularies ({value.SourceSize} source, {value.TargetSize} target ids) do not match the config ({Config.SourceVocabularySize}, {Config.TargetVocabularySize}).");
            _vocabulary = value;
        }
    }

    /// <summary>The longest target the model was trained on (0 = unknown); decoding defaults to this + 10 tokens.</summary>
    public int MaxTargetLength { get; set; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> CheckpointMetadata
    {
        get
        {
            var metadata = new Dictionary<string, string>();
            if (_vocabulary is not null) metadata[Checkpoint.TokenizerKey] = _vocabulary.ToJson();
            if (MaxTargetLength > 0) metadata[MaxTargetLengthKey] = MaxTargetLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return metadata;
        }
    }

    /// <summary>Writes the model, its config and its vocabularies to <paramref name="path"/> (atomically; see
    /// <see cref="ModelCheckpoint"/>).</summary>
    public void Save(string path)
    {
        if (_vocabulary is null) throw new InvalidOperationException("Seq2Seq.Save: set Vocabulary first; a seq2seq checkpoint carries its vocabularies.");
        ModelCheckpoint.Save(path, this);
    }

    /// <summary>Opens the seq2seq checkpoint at <paramref name="path"/> on <paramref name="backend"/>;
    /// <see cref="InvalidDataException"/> names the file for a checkpoint of another kind, a corrupt or inconsistent one.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="backend">Where the model lives.</param>
    /// <param name="maxBytes">The memory budget the model must fit (see <see cref="ModelBudget"/>); null for
    /// <see cref="ModelBudget.DefaultBytes"/>.</param>
    public static Seq2Seq<T> Load(string path, IBackend<T> backend, long? maxBytes = null) =>
        ModelCheckpoint.Load<Seq2Seq<T>, T>(path, backend, Seq2SeqConfig.ModelKind, maxBytes);

    /// <summary>The backend.</summary>
    public IBackend<T> Backend => _be;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _parameters;

    private void AttentionForward(Tensor<T> query, Tensor<T> memory, ReadOnlySpan<int> lengths, Tensor<T> context, Tensor<T>? weights = null)
    {
        if (_additive is not null) _additive.Forward(query, memory, lengths, context, weights);
        else _luong!.Forward(query, memory, lengths, context, weights);
    }

    private void AttentionBackward(Tensor<T> dContext, Tensor<T> dQuery, Tensor<T> dMemory)
    {
        if (_additive is not null) _additive.Backward(dContext, dQuery, dMemory);
        else _luong!.Backward(dContext, dQuery, dMemory);
    }

    /// <summary>Embeds and encodes a batch-first padded source: memory <c>[B, S, Dk]</c>, the encoder's final states
    /// <c>[L_enc·D, B, H]</c> and the decoder's initial states <c>h0, c0 [L_dec, B, Dk]</c> (c only for the LSTM). With
    /// <paramref name="dropout"/> (training) the embeddings are multiplied by <paramref name="sourceMask"/>, drawn here.</summary>
    private void Encode(ReadOnlySpan<int> sourceIds, ReadOnlySpan<int> lengths, int batch, int steps,
        Tensor<T> embedded, Tensor<T> memory, Tensor<T> finalH, Tensor<T>? finalC, Tensor<T> h0, Tensor<T>? c0,
        RandomStream? dropout = null, Tensor<T>? sourceMask = null, Tensor<T>? maskTimeMajor = null)
    {
        _sourceEmbedding.Forward(sourceIds, embedded);
        if (dropout is not null && Config.Dropout > 0)
        {
            // Drawn time-major (rows = sentences, as a data-parallel row window expects), applied batch-first.
            T keep = T.CreateTruncating(1 - Config.Dropout);
            RowWindowFill.FillBernoulliMask(_be, dropout, keep, T.One / keep, maskTimeMajor!);
            _be.SwapLeadingAxes(maskTimeMajor!, steps, batch, sourceMask!);
            _be.Mul(embedded, sourceMask!, embedded);
        }
        _encoder.Forward(embedded, IsAllFull(lengths, steps) ? [] : lengths, null, null, memory, finalH, finalC, dropout);
        Bridge(finalH, h0, batch);
        if (finalC is not null) Bridge(finalC, c0!, batch);
    }

    private static bool IsAllFull(ReadOnlySpan<int> lengths, int steps)
    {
        foreach (int l in lengths) if (l != steps) return false;
        return true;
    }

    /// <summary>The encoder layer whose final states start decoder layer <paramref name="layer"/>, or −1 for none.</summary>
    private int BridgedEncoderLayer(int layer)
    {
        int partner = layer + Config.EncoderLayers - Config.DecoderLayers;
        return partner >= 0 ? partner : -1;
    }

    /// <summary>Encoder final states <c>[L_enc·D, B, H]</c> → decoder states <c>[L_dec, B, D·H]</c> (see the remarks).</summary>
    private void Bridge(Tensor<T> encoderState, Tensor<T> decoderState, int batch)
    {
        int dk = Config.DecoderSize;
        for (int l = 0; l < Config.DecoderLayers; l++)
        {
            var row = decoderState.Slice((long)l * batch * dk, batch, dk);
            int partner = BridgedEncoderLayer(l);
            if (partner < 0) _be.Fill(T.Zero, row);
            else ConcatenateDirections(encoderState, partner, row, batch);
        }
    }

    /// <summary>Backward of <see cref="Bridge"/>: writes every row of <paramref name="dEncoderState"/>.</summary>
    private void BridgeBackward(Tensor<T> dDecoderState, Tensor<T> dEncoderState, int batch)
    {
        int dk = Config.DecoderSize;
        if (Config.EncoderLayers > Config.DecoderLayers) _be.Fill(T.Zero, dEncoderState);
        for (int l = 0; l < Config.DecoderLayers; l++)
        {
            int partner = BridgedEncoderLayer(l);
            if (partner >= 0) SplitDirections(dDecoderState.Slice((long)l * batch * dk, batch, dk), dEncoderState, partner, batch, scratch: null);
        }
    }

    /// <summary>Encoder layer <paramref name="layer"/>'s final states <c>[D, B, H]</c> side by side → <c>[B, D·H]</c>.</summary>
    private void ConcatenateDirections(Tensor<T> encoderState, int layer, Tensor<T> target, int batch)
    {
        int h = Config.HiddenSize, dk = Config.DecoderSize, d = Config.Directions;
        for (int r = 0; r < d; r++)
            _be.Copy2D(encoderState.Slice((long)(layer * d + r) * batch * h, batch, h), batch, h, h, Columns(target, r * h), dk);
    }

    /// <summary>Backward of <see cref="ConcatenateDirections"/>: writes layer <paramref name="layer"/>'s rows, or adds to
    /// them through <paramref name="scratch"/> <c>[B, H]</c> when one is given.</summary>
    private void SplitDirections(Tensor<T> dSource, Tensor<T> dEncoderState, int layer, int batch, Tensor<T>? scratch)
    {
        int h = Config.HiddenSize, dk = Config.DecoderSize, d = Config.Directions;
        for (int r = 0; r < d; r++)
        {
            var rows = dEncoderState.Slice((long)(layer * d + r) * batch * h, batch, h);
            if (scratch is null) _be.Copy2D(Columns(dSource, r * h), batch, h, dk, rows, h);
            else
            {
                _be.Copy2D(Columns(dSource, r * h), batch, h, dk, scratch, h);
                _be.Add(rows, scratch, rows);
            }
        }
    }

    /// <summary>A flat view starting at column <paramref name="column"/> of a row-major buffer (for strided copies).</summary>
    private static Tensor<T> Columns(Tensor<T> t, int column) => column == 0 ? t : t.Slice(column, checked((int)(t.Length - column)));

    /// <inheritdoc />
    public void Dispose()
    {
        _arena?.Dispose();
        _sourceEmbedding.Dispose();
        _encoder.Dispose();
        _targetEmbedding.Dispose();
        _decoder.Dispose();
        _additive?.Dispose();
        _luong?.Dispose();
        _combine.Dispose();
        _generator.Dispose();
    }
}
