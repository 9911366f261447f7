using System.Numerics;
using SeqCore.Layers;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// A sequence classifier: token embedding → encoder ((bi)LSTM, (bi)GRU, Elman RNN, or Conv1d + ReLU; a one-directional
/// recurrent encoder optionally reading backwards) → pooling over time (mean, max or last) → dropout → optional dense
/// layers with ReLU → a softmax head (cross-entropy over the classes) or a binary head (one logit, binary cross-entropy
/// with logits), with an explicit forward and backward pass.
/// </summary>
/// <remarks>
/// <para>Batches are ragged: each sequence keeps its own length and padding never reaches the result. The padding id is
/// <see cref="PaddingId"/> = V, whose embedding row is zero and gets no gradient; recurrent layers stop each sequence at
/// its own end (PyTorch packed-sequence semantics), the convolution sees zeros past the end exactly as it would for the
/// sequence alone ("same" zero padding), and mean/max pooling only look at the valid steps. So a sequence's logits do not
/// depend on what else is in its batch (<c>SequenceClassifierTests</c> checks it).</para>
/// <para>Shapes, with T the longest sequence of the batch, B the batch, E the embedding, F the feature width
/// (<see cref="SequenceClassifierConfig.FeatureSize"/>) and K the classes: ids <c>[T, B]</c> time-major → embedded
/// <c>[T, B, E]</c> → recurrent output <c>[T, B, F]</c> (transposed to <c>[B, F, T]</c> for pooling) or conv output
/// <c>[B, F, T]</c> → pooled <c>[B, F]</c> → hidden <c>[B, H_1]</c> … → logits <c>[B, K]</c> (<c>[B, 1]</c> for the binary head).</para>
/// <para>Reading backwards (<see cref="SequenceClassifierConfig.GoBackwards"/>) reverses each sequence's own tokens before
/// the embedding, so the padding stays at the end: the encoder then runs as usual on <c>x[len−1], …, x[0]</c>.</para>
/// <para>Parameter names are what PyTorch's <c>state_dict</c> gives a module with attributes <c>embedding</c>
/// (<c>nn.Embedding(V + 1, E, padding_idx=V)</c>), <c>encoder</c> (<c>nn.LSTM</c>/<c>nn.GRU</c> or
/// <c>nn.Conv1d(E, H, K, padding="same")</c>), <c>hidden</c> (an <c>nn.ModuleList</c> of <c>nn.Linear</c>, ReLU after each)
/// and <c>head</c> (<c>nn.Linear(·, K)</c> or <c>nn.Linear(·, 1)</c>); see docs/classification.md.</para>
/// </remarks>
public sealed class SequenceClassifier<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _be;
    private readonly Embedding<T> _embedding;
    private readonly RecurrentLayer<T>? _rnn;
    private readonly Conv1d<T>? _conv;
    private readonly GlobalPooling1d<T>? _pool;
    private readonly Dropout<T> _dropout;
    private readonly Linear<T>[] _hidden;
    private readonly Linear<T> _head;
    private readonly CrossEntropyLoss<T> _loss;
    private readonly BceWithLogitsLoss<T> _binaryLoss;
    private readonly Parameter<T>[] _parameters;
    private readonly List<Tensor<T>> _arena = [];
    private int _steps = -1, _batch = -1;
    private int[] _ids = [], _lengths = [], _lastRows = [];
    private bool _forwardDone;

    // Workspace for the current (T, B); see Ensure for the shapes.
    private Tensor<T> _emb = null!, _dEmb = null!, _seq = null!, _dSeq = null!, _pooled = null!, _dPooled = null!,
        _dropped = null!, _dDropped = null!, _logits = null!, _dLogits = null!, _probabilities = null!;
    private Tensor<T>? _seqT, _dSeqT, _hn, _dhn, _embT, _dEmbT, _pre, _dPre, _seqTimeMajor, _dSeqTimeMajor;
    private Tensor<T>[] _pooledColumns = [], _dPooledColumns = [], _hnRows = [], _dhnRows = [];
    // Hidden dense layer i: pre-activation, its ReLU output, and their gradients, each [B, H_i]; binary targets [B, 1].
    private Tensor<T>[] _hiddenPre = [], _hiddenOut = [], _dHiddenPre = [], _dHiddenOut = [];
    private Tensor<T>? _targets;
    private T[] _targetsHost = [];

    /// <summary>Builds the model and initialises its parameters from <paramref name="init"/> (embedding, encoder, hidden
    /// layers, head in turn).</summary>
    public SequenceClassifier(IBackend<T> backend, SequenceClassifierConfig config, RandomStream init)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(init);
        config.Validate();
        _be = backend;
        Config = config;
        _embedding = new Embedding<T>(backend, config.VocabularySize + 1, config.EmbeddingSize, init, paddingIndex: config.VocabularySize, prefix: "embedding.");
        var parameters = new List<Parameter<T>>(_embedding.Parameters);
        if (config.IsRecurrent)
        {
            _rnn = new RecurrentLayer<T>(backend, new RecurrentOptions
            {
                Cell = config.Cell!.Value, // Validate has rejected unknown encoders
                InputSize = config.EmbeddingSize,
                HiddenSize = config.HiddenSize,
                Layers = config.Layers,
                Bidirectional = config.Bidirectional,
                Dropout = config.Layers > 1 ? config.Dropout : 0,
            }, init);
            // The layer names its tensors as nn.LSTM does (weight_ih_l0 …); the model's state_dict puts them under "encoder.".
            parameters.AddRange(_rnn.Parameters.Select(p => new Parameter<T>("encoder." + p.Name, p.Value, p.Gradient)));
        }
        else
        {
            _conv = new Conv1d<T>(backend, config.EmbeddingSize, config.HiddenSize, config.KernelSize, init, padding: Conv1dPadding.Same, prefix: "encoder.");
            parameters.AddRange(_conv.Parameters);
        }
        if (config.Pooling != ClassifierPooling.Last)
            _pool = new GlobalPooling1d<T>(backend, config.Pooling == ClassifierPooling.Mean ? PoolingKind.Average : PoolingKind.Max);
        _dropout = new Dropout<T>(backend, config.Dropout);
        _hidden = new Linear<T>[config.HiddenLayers.Count];
        for (int i = 0; i < _hidden.Length; i++)
        {
            _hidden[i] = new Linear<T>(backend, i == 0 ? config.FeatureSize : config.HiddenLayers[i - 1], config.HiddenLayers[i], init, prefix: $"hidden.{i}.");
            parameters.AddRange(_hidden[i].Parameters);
        }
        _head = new Linear<T>(backend, config.HeadInputSize, config.LogitCount, init, prefix: "head.");
        parameters.AddRange(_head.Parameters);
        _parameters = [.. parameters];
        _loss = new CrossEntropyLoss<T>(backend);
        _binaryLoss = new BceWithLogitsLoss<T>(backend);
    }

    /// <summary>The configuration.</summary>
    public SequenceClassifierConfig Config { get; }

    /// <summary>The id that pads short sequences in a batch (V, one past the last token id); its embedding row stays zero.</summary>
    public int PaddingId => Config.VocabularySize;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <summary>The backend the model lives on.</summary>
    public IBackend<T> Backend => _be;

    /// <summary>
    /// Runs the model on a batch of token-id sequences (each non-empty, ids in <c>[0, V)</c>) and returns the logits
    /// <c>[B, K]</c> (<c>[B, 1]</c> for the binary head), a tensor the model owns and overwrites on the next call. Dropout is applied only when
    /// <paramref name="dropout"/> is given (training).
    /// </summary>
    public Tensor<T> Forward(IReadOnlyList<int[]> sequences, RandomStream? dropout = null) => ForwardPadded(sequences, dropout, 0);

    /// <summary>
    /// <see cref="Forward"/>, with a recurrent model's batch padded to at least
    /// <paramref name="minSteps"/> steps: a data-parallel rank pads its rows to the whole batch's length, so that the
    /// recurrent dropout masks (one per step) line up with one process's. The convolutional model draws nothing per step
    /// and ignores it.
    /// </summary>
    internal Tensor<T> ForwardPadded(IReadOnlyList<int[]> sequences, RandomStream? dropout, int minSteps)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        Pack(sequences, _rnn is null ? 0 : minSteps);
        var be = _be;
        int steps = _steps, batch = _batch, f = Config.FeatureSize;
        _embedding.Forward(_ids, _emb);
        if (_rnn is not null)
        {
            _rnn.Forward(_emb, _lengths, null, null, _seq, _hn, null, dropout);
            if (_pool is not null)
            {
                be.SwapLeadingAxes(_seq, steps, batch * f, _seqT!); // [T, B·F] → [B·F, T] = [B, F, T]
                _pool.Forward(_seqT!, _lengths, _pooled);
            }
            else
            {
                int p = Config.HiddenSize, d = _rnn.Directions;
                for (int r = 0; r < d; r++) be.Copy2D(_hnRows[r], batch, p, p, _pooledColumns[r], f);
            }
        }
        else
        {
            int e = Config.EmbeddingSize;
            be.SwapLeadingAxes(_emb, steps, batch * e, _embT!); // [T, B·E] → [B·E, T] = [B, E, T]
            _conv!.Forward(_embT!, _pre!);
            be.Relu(_pre!, _seq);
            if (_pool is not null) _pool.Forward(_seq, _lengths, _pooled);
            else
            {
                be.SwapLeadingAxes(_seq, batch * f, steps, _seqTimeMajor!); // [B, F, T] → [T, B, F]
                be.Gather(_seqTimeMajor!, _lastRows, _pooled);              // row (len_b − 1)·B + b
            }
        }
        _dropout.Forward(_pooled, _dropped, dropout);
        for (int i = 0; i < _hidden.Length; i++)
        {
            _hidden[i].Forward(HiddenInput(i), _hiddenPre[i]);
            be.Relu(_hiddenPre[i], _hiddenOut[i]);
        }
        _head.Forward(HiddenInput(_hidden.Length), _logits);
        _forwardDone = true;
        return _logits;
    }

    /// <summary>
    /// Mean loss of the last <see cref="Forward"/>'s logits against <paramref name="labels"/> (one class index per
    /// sequence): softmax cross-entropy, or for the binary head binary cross-entropy with logits against targets 0 and 1.
    /// </summary>
    public double Loss(ReadOnlySpan<int> labels)
    {
        CheckLabels(labels);
        if (Config.Head == ClassifierHead.Softmax) return _loss.Forward(_logits, labels);
        SetTargets(labels);
        return _binaryLoss.Forward(_logits, _targets!);
    }

    /// <summary>
    /// Backward of the last <see cref="Forward"/> for the mean loss (<see cref="Loss"/>) against <paramref name="labels"/>,
    /// times <paramref name="scale"/>: accumulates every parameter's gradient.
    /// </summary>
    public void Backward(ReadOnlySpan<int> labels, double scale = 1.0)
    {
        CheckLabels(labels);
        var be = _be;
        int steps = _steps, batch = _batch, f = Config.FeatureSize;
        if (Config.Head == ClassifierHead.Softmax) _loss.Backward(_logits, labels, _dLogits, scale);
        else
        {
            SetTargets(labels);
            _binaryLoss.Backward(_logits, _targets!, _dLogits, scale);
        }
        _head.Backward(HiddenInput(_hidden.Length), _dLogits, HiddenInputGradient(_hidden.Length));
        for (int i = _hidden.Length - 1; i >= 0; i--)
        {
            be.ReluBackward(_hiddenPre[i], _dHiddenOut[i], _dHiddenPre[i]);
            _hidden[i].Backward(HiddenInput(i), _dHiddenPre[i], HiddenInputGradient(i));
        }
        _dropout.Backward(_dDropped, _dPooled);
        if (_rnn is not null)
        {
            if (_pool is not null)
            {
                _pool.Backward(_dPooled, _dSeqT!);
                be.SwapLeadingAxes(_dSeqT!, batch * f, steps, _dSeq);
                _rnn.Backward(_dSeq, null, null, _dEmb, null, null);
            }
            else
            {
                // Only the last layer's final states were used: their gradient is the pooled gradient, every output's is 0.
                int p = Config.HiddenSize, d = _rnn.Directions;
                be.Fill(T.Zero, _dhn!);
                for (int r = 0; r < d; r++) be.Copy2D(_dPooledColumns[r], batch, p, f, _dhnRows[r], p);
                be.Fill(T.Zero, _dSeq);
                _rnn.Backward(_dSeq, _dhn, null, _dEmb, null, null);
            }
        }
        else
        {
            int e = Config.EmbeddingSize;
            if (_pool is not null) _pool.Backward(_dPooled, _dSeq);
            else
            {
                be.Fill(T.Zero, _dSeqTimeMajor!);
                be.ScatterAddRows(_dPooled, _lastRows, -1, _dSeqTimeMajor!);
                be.SwapLeadingAxes(_dSeqTimeMajor!, steps, batch * f, _dSeq);
            }
            be.ReluBackward(_pre!, _dSeq, _dPre!);
            _conv!.Backward(_dPre!, _dEmbT!);                      // [B, E, T]
            be.SwapLeadingAxes(_dEmbT!, batch * e, steps, _dEmb); // → [T, B, E]
        }
        _embedding.Backward(_ids, _dEmb);
    }

    /// <summary>The input of hidden layer <paramref name="i"/> (i = the number of hidden layers: the head's): the dropped-out
    /// pooled features, then each layer's ReLU output.</summary>
    private Tensor<T> HiddenInput(int i) => i == 0 ? _dropped : _hiddenOut[i - 1];

    /// <summary>Where the gradient of <see cref="HiddenInput"/>(<paramref name="i"/>) goes.</summary>
    private Tensor<T> HiddenInputGradient(int i) => i == 0 ? _dDropped : _dHiddenOut[i - 1];

    /// <summary>The binary head's targets [B, 1]: 1 for class 1, 0 for class 0.</summary>
    private void SetTargets(ReadOnlySpan<int> labels)
    {
        for (int b = 0; b < labels.Length; b++) _targetsHost[b] = labels[b] == 1 ? T.One : T.Zero;
        _be.CopyFromHost(_targetsHost, _targets!);
    }

    /// <summary>The class a row of logits predicts: the largest logit (softmax head; the first on ties), or class 1 when
    /// the binary logit is positive (σ(z) &gt; 0.5).</summary>
    internal int PredictedClass(ReadOnlySpan<T> logits)
    {
        if (Config.Head == ClassifierHead.Binary) return logits[0] > T.Zero ? 1 : 0;
        int best = 0;
        for (int c = 1; c < logits.Length; c++) if (logits[c] > logits[best]) best = c;
        return best;
    }

    /// <summary>
    /// Class probabilities (softmax of the logits, or [σ(−z), σ(z)] = [1 − σ(z), σ(z)] for the binary head; no dropout) for each sequence, in input order, computed in batches of
    /// <paramref name="batchSize"/> sequences of similar length. Sequences longer than <see cref="SequenceClassifierConfig.MaxLength"/>
    /// (when set) are cut to it.
    /// </summary>
    public double[][] PredictProbabilities(IReadOnlyList<int[]> sequences, int batchSize = ClassifierTrainable<T>.EvaluationBatch)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"PredictProbabilities: the batch size must be positive, got {batchSize}.");
        var result = new double[sequences.Count][];
        int[] order = Enumerable.Range(0, sequences.Count).OrderBy(i => sequences[i].Length).ToArray();
        var batch = new List<int[]>(batchSize);
        var host = Array.Empty<T>();
        for (int start = 0; start < order.Length; start += batchSize)
        {
            batch.Clear();
            int n = Math.Min(batchSize, order.Length - start);
            for (int i = 0; i < n; i++) batch.Add(Truncate(sequences[order[start + i]]));
            var logits = Forward(batch);
            if (Config.Head == ClassifierHead.Softmax) _be.Softmax(logits, _probabilities);
            var source = Config.Head == ClassifierHead.Softmax ? _probabilities : logits;
            if (host.Length != source.Length) host = new T[source.Length];
            _be.CopyToHost(source, host);
            int k = Config.Classes;
            for (int i = 0; i < n; i++)
            {
                var row = new double[k];
                if (Config.Head == ClassifierHead.Binary)
                {
                    double z = double.CreateTruncating(host[i]);
                    (row[0], row[1]) = (1 / (1 + Math.Exp(z)), 1 / (1 + Math.Exp(-z))); // σ(−z) = 1 − σ(z), without the cancellation
                }
                else for (int c = 0; c < k; c++) row[c] = double.CreateTruncating(host[i * k + c]);
                result[order[start + i]] = row;
            }
        }
        return result;
    }

    /// <summary>The sequence cut to <see cref="SequenceClassifierConfig.MaxLength"/> tokens when that is set and exceeded.</summary>
    public int[] Truncate(int[] sequence) =>
        Config.MaxLength > 0 && sequence.Length > Config.MaxLength ? sequence[..Config.MaxLength] : sequence;

    private void CheckLabels(ReadOnlySpan<int> labels)
    {
        if (!_forwardDone) throw new InvalidOperationException("SequenceClassifier: no Forward to compute the loss of.");
        if (labels.Length != _batch) throw new ArgumentException($"SequenceClassifier: {labels.Length} labels for a batch of {_batch} sequences.");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)Config.Classes)
                throw new ArgumentOutOfRangeException(nameof(labels), $"SequenceClassifier: label {labels[i]} of sequence {i} is outside [0, {Config.Classes}).");
    }

    /// <summary>Checks the batch and lays its ids out time-major (<c>ids[t·B + b]</c>, padded with <see cref="PaddingId"/>).</summary>
    private void Pack(IReadOnlyList<int[]> sequences, int minSteps)
    {
        int batch = sequences.Count;
        if (batch == 0) throw new ArgumentException("SequenceClassifier.Forward: the batch is empty.");
        int steps = minSteps, vocab = Config.VocabularySize;
        for (int b = 0; b < batch; b++)
        {
            var s = sequences[b] ?? throw new ArgumentException($"SequenceClassifier.Forward: sequence {b} is null.");
            if (s.Length == 0) throw new ArgumentException($"SequenceClassifier.Forward: sequence {b} is empty; every sequence needs at least one token.");
            steps = Math.Max(steps, s.Length);
        }
        Ensure(steps, batch);
        Array.Fill(_ids, PaddingId);
        bool backwards = Config.GoBackwards;
        for (int b = 0; b < batch; b++)
        {
            var s = sequences[b];
            for (int t = 0; t < s.Length; t++)
            {
                if ((uint)s[t] >= (uint)vocab)
                    throw new ArgumentOutOfRangeException(nameof(sequences), $"SequenceClassifier.Forward: token id {s[t]} at position {t} of sequence {b} is outside the vocabulary [0, {vocab}).");
                _ids[(backwards ? s.Length - 1 - t : t) * batch + b] = s[t];
            }
            _lengths[b] = s.Length;
            _lastRows[b] = (s.Length - 1) * batch + b;
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
        _lengths = new int[batch];
        _lastRows = new int[batch];
        int e = Config.EmbeddingSize, f = Config.FeatureSize, k = Config.LogitCount;
        _emb = Buffer(steps, batch, e);
        _dEmb = Buffer(steps, batch, e);
        _pooled = Buffer(batch, f);
        _dPooled = Buffer(batch, f);
        _dropped = Buffer(batch, f);
        _dDropped = Buffer(batch, f);
        _logits = Buffer(batch, k);
        _dLogits = Buffer(batch, k);
        _probabilities = Buffer(batch, k);
        _hiddenPre = [.. Config.HiddenLayers.Select(h => Buffer(batch, h))];
        _hiddenOut = [.. Config.HiddenLayers.Select(h => Buffer(batch, h))];
        _dHiddenPre = [.. Config.HiddenLayers.Select(h => Buffer(batch, h))];
        _dHiddenOut = [.. Config.HiddenLayers.Select(h => Buffer(batch, h))];
        if (Config.Head == ClassifierHead.Binary)
        {
            _targets = Buffer(batch, 1);
            _targetsHost = new T[batch];
        }
        if (_rnn is not null)
        {
            _seq = Buffer(steps, batch, f);
            _dSeq = Buffer(steps, batch, f);
            if (_pool is not null)
            {
                _seqT = Buffer(batch, f, steps);
                _dSeqT = Buffer(batch, f, steps);
            }
            else
            {
                int d = _rnn.Directions, p = Config.HiddenSize, top = (Config.Layers - 1) * d;
                _hn = Buffer(Config.Layers * d, batch, p);
                _dhn = Buffer(Config.Layers * d, batch, p);
                _hnRows = [.. Enumerable.Range(0, d).Select(r => _hn.Row(top + r))];
                _dhnRows = [.. Enumerable.Range(0, d).Select(r => _dhn.Row(top + r))];
                _pooledColumns = [.. Enumerable.Range(0, d).Select(r => _pooled.Slice(r * p, batch * f - r * p))];
                _dPooledColumns = [.. Enumerable.Range(0, d).Select(r => _dPooled.Slice(r * p, batch * f - r * p))];
            }
        }
        else
        {
            _pre = Buffer(batch, f, steps);
            _dPre = Buffer(batch, f, steps);
            _seq = Buffer(batch, f, steps);
            _dSeq = Buffer(batch, f, steps);
            _embT = Buffer(batch, e, steps);
            _dEmbT = Buffer(batch, e, steps);
            if (_pool is null)
            {
                _seqTimeMajor = Buffer(steps, batch, f);
                _dSeqTimeMajor = Buffer(steps, batch, f);
            }
        }
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
        _conv?.Dispose();
        _pool?.Dispose();
        _dropout.Dispose();
        foreach (var layer in _hidden) layer.Dispose();
        _head.Dispose();
    }
}
