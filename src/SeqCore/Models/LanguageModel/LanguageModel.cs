using System.Numerics;
using SeqCore.Layers;
using SeqCore.Layers.Recurrent;
using SeqCore.Layers.Transformer;
using SeqCore.Random;
using SeqCore.Text;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// A next-token language model: embedding → a recurrent stack (RNN, LSTM or GRU) or a causal pre-LN transformer
/// decoder stack → a linear head over the vocabulary, optionally tied to the embedding; trained with per-token
/// softmax cross-entropy. Forward and backward are written out over time-major token batches <c>[T, B]</c>.
/// </summary>
/// <remarks>
/// <para>Parameters carry the <c>state_dict</c> names of this PyTorch module (docs/language-models.md has it in full):
/// recurrent — <c>embedding.weight [V, E]</c>, <c>rnn.weight_ih_l0</c> … (<c>nn.RNN/LSTM/GRU(E, H, L)</c>),
/// <c>head.weight [V, H]</c>, <c>head.bias [V]</c>; transformer — <c>embedding.weight</c>, <c>pos.weight [C, E]</c>
/// (learned positions, an <c>nn.Embedding(C, E)</c>), <c>encoder.layers.{i}.…</c> and <c>encoder.norm.*</c>
/// (<c>nn.TransformerEncoder</c> of <c>nn.TransformerEncoderLayer(E, heads, F, activation="gelu", norm_first=True)</c>
/// with a final <c>nn.LayerNorm(E)</c>, run with a causal mask), <c>head.weight</c>, <c>head.bias</c>.</para>
/// <para>Tied weights: the head uses <c>embedding.weight</c> itself; the parameter list (and a checkpoint) holds it
/// once, under <c>embedding.weight</c>, with no <c>head.weight</c>. In PyTorch, where <c>head.weight</c> and
/// <c>embedding.weight</c> are one tensor, load such a file with <c>load_state_dict(sd, strict=False)</c> (the only
/// missing key is <c>head.weight</c>, which the tie fills).</para>
/// <para>Dropout (training only, when a random stream is given): recurrent — on the embeddings, between layers and on
/// the last layer's output (as PyTorch's word-language-model example); transformer — on embeddings plus positions and
/// inside every block.</para>
/// </remarks>
public sealed partial class LanguageModel<T> : ISequenceModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly Embedding<T> _embedding;
    private readonly RecurrentLayer<T>? _rnn;
    private readonly TransformerStack<T>? _stack;
    private readonly LearnedPositionalEncoding<T>? _learned;
    private readonly SinusoidalPositionalEncoding<T>? _sinusoidal;
    private readonly Dropout<T> _inputDropout, _outputDropout;
    private readonly Parameter<T>? _headWeight;
    private readonly OutputHead<T> _head;
    private readonly List<Tensor<T>> _arena = new();
    private (int T, int B) _shape = (-1, -1);
    private Tensor<T> _x = null!, _xd = null!, _y = null!, _yd = null!, _logits = null!, _dLogits = null!, _dyd = null!, _dy = null!, _dx = null!;
    private int[] _tokens = [], _targets = [];
    private int _rows;
    private bool _forwardDone;
    private readonly CrossEntropyLoss<T> _loss;

    /// <summary>Builds the model for <paramref name="config"/> (validated) and initialises its parameters from
    /// <paramref name="init"/>: embedding and head weight U(−0.1, 0.1), head bias 0, learned positions N(0, 0.02²), the
    /// recurrent and transformer layers as PyTorch initialises them.</summary>
    public LanguageModel(IBackend<T> backend, LanguageModelConfig config, RandomStream init)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _backend = backend;
        Config = config;
        int v = config.VocabularySize, e = config.EmbeddingSize;
        _embedding = new Embedding<T>(backend, v, e, init, prefix: "embedding.");
        T range = T.CreateTruncating(0.1);
        backend.FillUniform(init, -range, range, _embedding.Weight.Value);
        var parameters = new List<Parameter<T>>(_embedding.Parameters);
        if (config.IsTransformer)
        {
            if (config.Positions == "learned")
            {
                _learned = new LearnedPositionalEncoding<T>(backend, config.ContextLength, e, init, prefix: "pos.");
                backend.FillNormal(init, T.Zero, T.CreateTruncating(0.02), _learned.Weight.Value);
                parameters.AddRange(_learned.Parameters);
            }
            else _sinusoidal = new SinusoidalPositionalEncoding<T>(backend, config.ContextLength, e);
            _stack = new TransformerStack<T>(backend, new TransformerOptions
            {
                EmbeddingSize = e, Heads = config.Heads, FeedForwardSize = config.FeedForwardSize, Layers = config.Layers, Causal = true,
                NormFirst = true, FinalNorm = true, Dropout = config.Dropout, Activation = GeluApproximation.None,
            }, init, prefix: "encoder.");
            parameters.AddRange(_stack.Parameters);
            OutputWidth = e;
        }
        else
        {
            _rnn = new RecurrentLayer<T>(backend, new RecurrentOptions
            {
                Cell = config.Cell!.Value, // Validate has rejected names that are neither a cell nor the transformer
                InputSize = e, HiddenSize = config.HiddenSize, Layers = config.Layers, Dropout = config.Dropout,
            }, init);
            // The layer names its parameters as nn.LSTM does (weight_ih_l0 …); the model adds the module's name.
            parameters.AddRange(_rnn.Parameters.Select(p => new Parameter<T>("rnn." + p.Name, p.Value, p.Gradient)));
            OutputWidth = config.HiddenSize;
        }
        _inputDropout = new Dropout<T>(backend, config.Dropout);
        _outputDropout = new Dropout<T>(backend, config.IsTransformer ? 0 : config.Dropout);
        Parameter<T> weight;
        if (config.TieWeights) weight = _embedding.Weight;
        else
        {
            _headWeight = weight = Parameter<T>.Create(backend, "head.weight", v, OutputWidth);
            backend.FillUniform(init, -range, range, weight.Value);
            parameters.Add(weight);
        }
        var bias = Parameter<T>.Create(backend, "head.bias", v);
        parameters.Add(bias);
        _head = new OutputHead<T>(backend, weight, bias);
        Parameters = parameters;
        _loss = new CrossEntropyLoss<T>(backend);
    }

    /// <summary>The configuration.</summary>
    public LanguageModelConfig Config { get; }

    IModelConfig ISequenceModel<T>.Config => Config;

    /// <summary>The tokenizer the model reads and writes text with (stored in its checkpoint), or null for a model used
    /// on token ids only. Its size must be the config's <c>vocabularySize</c>.</summary>
    public ITokenizer? Tokenizer
    {
        get => _tokenizer;
        set
        {
            if (value is not null && value.VocabularySize != Config.VocabularySize)
                throw new ArgumentException($"LanguageModel.Tokenizer: the tokenizer has {value.VocabularySize} tokens, the model's vocabularySize is {Config.VocabularySize}.");
            _tokenizer = value;
        }
    }
    private ITokenizer? _tokenizer;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> CheckpointMetadata =>
        _tokenizer is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [IO.Checkpoint.TokenizerKey] = TokenizerFile.ToJson(_tokenizer) };

    /// <summary>Writes the model and its tokenizer as one checkpoint, atomically (see <see cref="ModelCheckpoint"/>).</summary>
    public void Save(string path, bool float32 = false)
    {
        if (_tokenizer is null) throw new InvalidOperationException("LanguageModel.Save: set Tokenizer first; a language model checkpoint carries its tokenizer.");
        ModelCheckpoint.Save(path, this, float32);
    }

    /// <summary>Opens a language model checkpoint on <paramref name="backend"/> (with its tokenizer);
    /// <see cref="InvalidDataException"/> names the file and the fault, including a checkpoint of another kind.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="backend">Where the model lives.</param>
    /// <param name="maxBytes">The memory budget the model must fit (see <see cref="ModelBudget"/>); null for
    /// <see cref="ModelBudget.DefaultBytes"/>.</param>
    /// <param name="allowNonFinite">Load NaN and infinite weights instead of refusing them (for debugging).</param>
    public static LanguageModel<T> Load(string path, IBackend<T> backend, long? maxBytes = null, bool allowNonFinite = false) =>
        ModelCheckpoint.Load<LanguageModel<T>, T>(path, backend, LanguageModelConfig.ModelKind, maxBytes, allowNonFinite);

    /// <summary>The backend every tensor lives on.</summary>
    public IBackend<T> Backend => _backend;

    /// <summary>Width of the last layer's output (H, or E for a transformer).</summary>
    public int OutputWidth { get; }

    /// <summary>True for the recurrent architectures (they carry a <see cref="LanguageModelState{T}"/>).</summary>
    public bool IsRecurrent => _rnn is not null;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>Total number of trainable values.</summary>
    public long ParameterCount => Parameters.Sum(p => p.Value.Length);

    /// <summary>The logits <c>[T·B, V]</c> of the last <see cref="Forward"/> (row <c>t·B + b</c>).</summary>
    public Tensor<T> Logits => _forwardDone ? _logits : throw new InvalidOperationException("LanguageModel.Logits: run Forward first.");

    /// <summary>Zero hidden states for <paramref name="batch"/> streams (recurrent models only).</summary>
    public LanguageModelState<T> CreateState(int batch)
    {
        if (_rnn is null) throw new InvalidOperationException("LanguageModel.CreateState: a transformer has no recurrent state.");
        return new LanguageModelState<T>(_backend, Config.Layers, batch, Config.HiddenSize, _rnn.HasCellState);
    }

    internal RecurrentLayer<T>? Recurrent => _rnn;
    internal TransformerStack<T>? Stack => _stack;
    internal Embedding<T> Embedding => _embedding;
    internal OutputHead<T> Head => _head;
    internal LearnedPositionalEncoding<T>? LearnedPositions => _learned;
    internal SinusoidalPositionalEncoding<T>? SinusoidalPositions => _sinusoidal;

    private void Ensure(int steps, int batch)
    {
        if (_shape == (steps, batch)) return;
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _shape = (steps, batch);
        int e = Config.EmbeddingSize, h = OutputWidth, v = Config.VocabularySize;
        Tensor<T> Buf(params int[] shape) { var t = _backend.Allocate(shape); _arena.Add(t); return t; }
        _x = Buf(steps, batch, e); _xd = Buf(steps, batch, e); _dx = Buf(steps, batch, e);
        _y = Buf(steps, batch, h); _yd = Buf(steps, batch, h); _dyd = Buf(steps, batch, h); _dy = Buf(steps, batch, h);
        _logits = Buf(steps * batch, v); _dLogits = Buf(steps * batch, v);
        _tokens = new int[steps * batch];
        _targets = new int[steps * batch];
    }

    /// <summary>
    /// Runs the model over <paramref name="tokens"/> <c>[T, B]</c> (time-major: index <c>t·B + b</c>) and returns the
    /// mean cross-entropy (nats per token) of predicting <paramref name="targets"/> (same layout; usually the tokens
    /// shifted by one). Recurrent models start from <paramref name="state"/> (null = zeros) and leave the final state
    /// in it; a transformer needs T ≤ <see cref="LanguageModelConfig.ContextLength"/>. Dropout only with
    /// <paramref name="dropout"/> (training). Keeps what <see cref="Backward"/> needs.
    /// </summary>
    public double Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets, int steps, int batch,
        LanguageModelState<T>? state = null, RandomStream? dropout = null, Tensor<T>? rowLosses = null)
    {
        if (steps <= 0 || batch <= 0) throw new ArgumentOutOfRangeException(nameof(steps), $"LanguageModel.Forward: T and B must be positive, got {steps} and {batch}.");
        int n = steps * batch;
        if (tokens.Length != n || targets.Length != n)
            throw new ArgumentException($"LanguageModel.Forward: {tokens.Length} tokens and {targets.Length} targets for T={steps}, B={batch} (expected {n} each).");
        if (_stack is not null && steps > Config.ContextLength)
            throw new ArgumentException($"LanguageModel.Forward: {steps} steps exceed the transformer's context length {Config.ContextLength}.");
        if (state is not null && (_rnn is null || state.Batch != batch))
            throw new ArgumentException($"LanguageModel.Forward: the state is for {state.Batch} streams, the batch has {batch}{(_rnn is null ? " (and a transformer has no state)" : "")}.");
        for (int i = 0; i < n; i++)
            if ((uint)targets[i] >= (uint)Config.VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(targets), $"LanguageModel.Forward: target {targets[i]} at {i} is outside the vocabulary of {Config.VocabularySize}.");
        Ensure(steps, batch);
        tokens.CopyTo(_tokens);
        targets.CopyTo(_targets);
        _rows = n;
        _embedding.Forward(tokens, _x);
        if (_stack is not null)
        {
            if (_learned is not null) _learned.Forward(_x, _x);
            else _sinusoidal!.Forward(_x, _x);
            _inputDropout.Forward(_x, _xd, dropout);
            _stack.Forward(_xd, [], _y, dropout);
        }
        else
        {
            _inputDropout.Forward(_x, _xd, dropout);
            _rnn!.Forward(_xd, [], state?.H, state?.C, _y, state?.H, state?.C, dropout);
        }
        _outputDropout.Forward(_y, _yd, dropout);
        _head.Forward(_yd, n, _logits);
        _forwardDone = true;
        return _loss.Forward(_logits, targets, rowLosses);
    }

    /// <summary>
    /// Backward of the last <see cref="Forward"/> for the mean loss (scaled by <paramref name="scale"/>): adds every
    /// parameter's gradient. For recurrent models the gradient stops at the initial state (truncated BPTT).
    /// </summary>
    public void Backward(double scale = 1.0)
    {
        if (!_forwardDone) throw new InvalidOperationException("LanguageModel.Backward called before Forward.");
        int n = _rows;
        _loss.Backward(_logits, _targets, _dLogits, scale);
        _head.Backward(_yd, _dLogits, n, _dyd);
        _outputDropout.Backward(_dyd, _dy);
        if (_stack is not null) _stack.Backward(_dy, _dx);
        else _rnn!.Backward(_dy, null, null, _dx, null, null);
        _inputDropout.Backward(_dx, _dx);
        _learned?.Backward(_dx, null);
        _embedding.Backward(_tokens, _dx);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _embedding.Dispose();
        _rnn?.Dispose();
        _stack?.Dispose();
        _learned?.Dispose();
        _sinusoidal?.Dispose();
        _inputDropout.Dispose();
        _outputDropout.Dispose();
        if (_headWeight is not null) { _headWeight.Value.Dispose(); _headWeight.Gradient.Dispose(); }
        _head.Bias.Value.Dispose();
        _head.Bias.Gradient.Dispose();
    }
}
