using System.Numerics;
using SeqCore.Layers;
using SeqCore.Layers.Recurrent;
using SeqCore.Layers.Transformer;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// A sequence tagger (many-to-many, synced): token embedding → encoder ((bi)LSTM/GRU/RNN stack, or a non-causal
/// transformer encoder) → dropout → one linear layer per position → softmax cross-entropy over the tags, with an
/// explicit forward and backward pass.
/// </summary>
/// <remarks>
/// <para>Batches are ragged: each sequence keeps its own length. The padding id is <see cref="PaddingId"/> = V, whose
/// embedding row is zero and gets no gradient; recurrent layers stop each sequence at its own end (PyTorch packed
/// sequences), the transformer's attention only looks at each sequence's own positions, and padded positions carry the
/// target <see cref="IgnoreTag"/>, which the loss skips (PyTorch's <c>ignore_index</c>): the loss is the mean over the
/// batch's real tokens, and a sequence's tags do not depend on the rest of its batch.</para>
/// <para>Shapes, with T the batch's steps, B the batch, E the embedding, F the feature width
/// (<see cref="TaggerConfig.FeatureSize"/>) and K the tags: ids <c>[T, B]</c> time-major → embedded <c>[T, B, E]</c>
/// → features <c>[T, B, F]</c> → logits <c>[T·B, K]</c> (row t·B + b).</para>
/// <para>Parameter names are what PyTorch's <c>state_dict</c> gives a module with attributes <c>embedding</c>
/// (<c>nn.Embedding(V + 1, E, padding_idx=V)</c>), <c>encoder</c> (<c>nn.LSTM</c>/<c>nn.GRU</c>/<c>nn.RNN</c>, or
/// <c>encoder.layers.{i}.…</c> and <c>encoder.norm.…</c> for the transformer) and <c>head</c> (<c>nn.Linear(F, K)</c>).</para>
/// <para>The workspace is kept while the batch shape (T, B) stays the same, so a training step of an already seen shape
/// allocates nothing on the managed heap; <see cref="TaggerTrainable{T}"/> pads batches to a few bucket lengths for that.</para>
/// </remarks>
public sealed class SequenceTagger<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The target of padded positions, skipped by the loss.</summary>
    public const int IgnoreTag = -1;

    private readonly IBackend<T> _be;
    private readonly Embedding<T> _embedding;
    private readonly RecurrentLayer<T>? _rnn;
    private readonly SinusoidalPositionalEncoding<T>? _positions;
    private readonly TransformerStack<T>? _transformer;
    private readonly Dropout<T> _dropout;
    private readonly Linear<T> _head;
    private readonly CrossEntropyLoss<T> _loss;
    private readonly Parameter<T>[] _parameters;
    private readonly List<Tensor<T>> _arena = [];
    private int _steps = -1, _batch = -1;
    private int[] _ids = [], _lengths = [], _targets = [];
    private bool _forwardDone;

    // Workspace for the current (T, B): emb/dEmb [T, B, E], seq/dSeq/dropped/dDropped [T, B, F], logits/dLogits [T·B, K].
    private Tensor<T> _emb = null!, _dEmb = null!, _seq = null!, _dSeq = null!, _dropped = null!, _dDropped = null!,
        _logits = null!, _dLogits = null!;

    /// <summary>Builds the model and initialises its parameters from <paramref name="init"/> (embedding, encoder, head in turn).</summary>
    public SequenceTagger(IBackend<T> backend, TaggerConfig config, RandomStream init)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(init);
        config.Validate();
        _be = backend;
        Config = config;
        _embedding = new Embedding<T>(backend, config.VocabularySize + 1, config.EmbeddingSize, init, paddingIndex: config.VocabularySize, prefix: "embedding.");
        var parameters = new List<Parameter<T>>(_embedding.Parameters);
        if (config.IsTransformer)
        {
            _positions = new SinusoidalPositionalEncoding<T>(backend, config.MaxLength, config.EmbeddingSize);
            _transformer = new TransformerStack<T>(backend, TransformerOptionsOf(config), init, prefix: "encoder.");
            parameters.AddRange(_transformer.Parameters);
        }
        else
        {
            _rnn = new RecurrentLayer<T>(backend, RecurrentOptionsOf(config), init);
            // The layer names its tensors as nn.LSTM does (weight_ih_l0 …); the model's state_dict puts them under "encoder.".
            parameters.AddRange(_rnn.Parameters.Select(p => new Parameter<T>("encoder." + p.Name, p.Value, p.Gradient)));
        }
        _dropout = new Dropout<T>(backend, config.Dropout);
        _head = new Linear<T>(backend, config.FeatureSize, config.Tags, init, prefix: "head.");
        parameters.AddRange(_head.Parameters);
        _parameters = [.. parameters];
        _loss = new CrossEntropyLoss<T>(backend) { IgnoreIndex = IgnoreTag };
    }

    /// <summary>The recurrent encoder of <paramref name="config"/> (a recurrent one).</summary>
    internal static RecurrentOptions RecurrentOptionsOf(TaggerConfig config) => new()
    {
        Cell = config.Cell!.Value, // Validate has rejected unknown encoders
        InputSize = config.EmbeddingSize,
        HiddenSize = config.HiddenSize,
        Layers = config.Layers,
        Bidirectional = config.Bidirectional,
        Dropout = config.Layers > 1 ? config.Dropout : 0,
    };

    /// <summary>The transformer encoder of <paramref name="config"/>: non-causal pre-LN blocks with a final norm.</summary>
    internal static TransformerOptions TransformerOptionsOf(TaggerConfig config) => new()
    {
        EmbeddingSize = config.EmbeddingSize, Heads = config.Heads, FeedForwardSize = config.FeedForwardSize, Layers = config.Layers,
        Causal = false, NormFirst = true, FinalNorm = true, Dropout = config.Dropout,
    };

    /// <summary>The configuration.</summary>
    public TaggerConfig Config { get; }

    /// <summary>The id that pads short sequences in a batch (V, one past the last token id); its embedding row stays zero.</summary>
    public int PaddingId => Config.VocabularySize;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <summary>The backend the model lives on.</summary>
    public IBackend<T> Backend => _be;

    /// <summary>Steps of the last <see cref="Forward"/>'s batch (the logits' rows are steps × batch).</summary>
    public int Steps => _steps;

    /// <summary>
    /// Runs the model on a batch of token-id sequences (each non-empty, ids in <c>[0, V)</c>) padded to at least
    /// <paramref name="minSteps"/> steps, and returns the logits <c>[T·B, K]</c> (row t·B + b), a tensor the model owns and
    /// overwrites on the next call. Dropout is applied only when <paramref name="dropout"/> is given (training).
    /// </summary>
    public Tensor<T> Forward(IReadOnlyList<int[]> sequences, RandomStream? dropout = null, int minSteps = 0)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        Pack(sequences, minSteps);
        _embedding.Forward(_ids, _emb);
        if (_rnn is not null) _rnn.Forward(_emb, _lengths, null, null, _seq, null, null, dropout);
        else
        {
            _positions!.Forward(_emb, _emb);
            _transformer!.Forward(_emb, _lengths, _seq, dropout);
        }
        _dropout.Forward(_seq, _dropped, dropout);
        _head.Forward(_dropped, _logits);
        _forwardDone = true;
        return _logits;
    }

    /// <summary>Mean cross-entropy of the last <see cref="Forward"/>'s logits over the batch's real tokens, against
    /// <paramref name="tags"/> (one array per sequence, as long as it, ids in <c>[0, K)</c>).</summary>
    public double Loss(IReadOnlyList<int[]> tags)
    {
        PackTargets(tags);
        return _loss.Forward(_logits, _targets);
    }

    /// <summary>Backward of the last <see cref="Forward"/> for <see cref="Loss"/> against <paramref name="tags"/>, times
    /// <paramref name="scale"/>: accumulates every parameter's gradient.</summary>
    public void Backward(IReadOnlyList<int[]> tags, double scale = 1.0)
    {
        PackTargets(tags);
        _loss.Backward(_logits, _targets, _dLogits, scale);
        _head.Backward(_dropped, _dLogits, _dDropped);
        _dropout.Backward(_dDropped, _dSeq);
        if (_rnn is not null) _rnn.Backward(_dSeq, null, null, _dEmb, null, null);
        else
        {
            _transformer!.Backward(_dSeq, _dEmb);
            _positions!.Backward(_dEmb, _dEmb);
        }
        _embedding.Backward(_ids, _dEmb);
    }

    /// <summary>
    /// The most probable tag of every token of every sequence (no dropout), in input order, computed in batches of
    /// <paramref name="batchSize"/> sequences of similar length.
    /// </summary>
    public int[][] PredictTags(IReadOnlyList<int[]> sequences, int batchSize = TaggerTrainable<T>.EvaluationBatch)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"PredictTags: the batch size must be positive, got {batchSize}.");
        var result = new int[sequences.Count][];
        int[] order = [.. Enumerable.Range(0, sequences.Count).OrderBy(i => sequences[i].Length)];
        var batch = new List<int[]>(batchSize);
        var host = Array.Empty<T>();
        int k = Config.Tags;
        for (int start = 0; start < order.Length; start += batchSize)
        {
            batch.Clear();
            int n = Math.Min(batchSize, order.Length - start);
            for (int i = 0; i < n; i++) batch.Add(sequences[order[start + i]]);
            var logits = Forward(batch);
            if (host.Length != logits.Length) host = new T[logits.Length];
            _be.CopyToHost(logits, host);
            for (int i = 0; i < n; i++)
            {
                var tags = new int[batch[i].Length];
                for (int t = 0; t < tags.Length; t++)
                {
                    int row = (t * n + i) * k, best = 0;
                    for (int c = 1; c < k; c++) if (host[row + c] > host[row + best]) best = c;
                    tags[t] = best;
                }
                result[order[start + i]] = tags;
            }
        }
        return result;
    }

    private void PackTargets(IReadOnlyList<int[]> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (!_forwardDone) throw new InvalidOperationException("SequenceTagger: no Forward to compute the loss of.");
        if (tags.Count != _batch) throw new ArgumentException($"SequenceTagger: {tags.Count} tag sequences for a batch of {_batch}.");
        Array.Fill(_targets, IgnoreTag);
        int batch = _batch, k = Config.Tags;
        for (int b = 0; b < batch; b++)
        {
            var y = tags[b] ?? throw new ArgumentException($"SequenceTagger: the tags of sequence {b} are null.");
            if (y.Length != _lengths[b]) throw new ArgumentException($"SequenceTagger: sequence {b} has {_lengths[b]} tokens but {y.Length} tags.");
            for (int t = 0; t < y.Length; t++)
            {
                if ((uint)y[t] >= (uint)k) throw new ArgumentOutOfRangeException(nameof(tags), $"SequenceTagger: tag {y[t]} at position {t} of sequence {b} is outside [0, {k}).");
                _targets[t * batch + b] = y[t];
            }
        }
    }

    /// <summary>Checks the batch and lays its ids out time-major (<c>ids[t·B + b]</c>, padded with <see cref="PaddingId"/>).</summary>
    private void Pack(IReadOnlyList<int[]> sequences, int minSteps)
    {
        int batch = sequences.Count;
        if (batch == 0) throw new ArgumentException("SequenceTagger.Forward: the batch is empty.");
        int steps = minSteps, vocab = Config.VocabularySize;
        for (int b = 0; b < batch; b++)
        {
            var s = sequences[b] ?? throw new ArgumentException($"SequenceTagger.Forward: sequence {b} is null.");
            if (s.Length == 0) throw new ArgumentException($"SequenceTagger.Forward: sequence {b} is empty; every sequence needs at least one token.");
            steps = Math.Max(steps, s.Length);
        }
        if (_transformer is not null && steps > Config.MaxLength)
            throw new ArgumentException($"SequenceTagger.Forward: a sequence of {steps} tokens is longer than the transformer's maxLength {Config.MaxLength}.");
        Ensure(steps, batch);
        Array.Fill(_ids, PaddingId);
        for (int b = 0; b < batch; b++)
        {
            var s = sequences[b];
            for (int t = 0; t < s.Length; t++)
            {
                if ((uint)s[t] >= (uint)vocab)
                    throw new ArgumentOutOfRangeException(nameof(sequences), $"SequenceTagger.Forward: token id {s[t]} at position {t} of sequence {b} is outside the vocabulary [0, {vocab}).");
                _ids[t * batch + b] = s[t];
            }
            _lengths[b] = s.Length;
        }
    }

    /// <summary>Allocates the workspace for T = <paramref name="steps"/>, B = <paramref name="batch"/> (kept while they stay the same).</summary>
    private void Ensure(int steps, int batch)
    {
        if (steps == _steps && batch == _batch) return;
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _steps = steps;
        _batch = batch;
        _ids = new int[steps * batch];
        _targets = new int[steps * batch];
        _lengths = new int[batch];
        int e = Config.EmbeddingSize, f = Config.FeatureSize, k = Config.Tags;
        _emb = Buffer(steps, batch, e);
        _dEmb = Buffer(steps, batch, e);
        _seq = Buffer(steps, batch, f);
        _dSeq = Buffer(steps, batch, f);
        _dropped = Buffer(steps, batch, f);
        _dDropped = Buffer(steps, batch, f);
        _logits = Buffer(steps * batch, k);
        _dLogits = Buffer(steps * batch, k);
    }

    private Tensor<T> Buffer(params int[] shape)
    {
        var t = _be.Allocate(shape);
        _arena.Add(t);
        return t;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _embedding.Dispose();
        _rnn?.Dispose();
        _positions?.Dispose();
        _transformer?.Dispose();
        _dropout.Dispose();
        _head.Dispose();
    }
}
