using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers.Attention;

/// <summary>Configuration of a <see cref="MultiHeadAttention{T}"/>; names follow PyTorch's <c>nn.MultiheadAttention</c>.</summary>
public sealed record MultiHeadAttentionOptions
{
    /// <summary>Model width E (queries, keys, values and output all have this width, as PyTorch's default kdim = vdim = E).</summary>
    public int EmbeddingSize { get; init; }
    /// <summary>Heads h; E must be divisible by h, each head has width E/h.</summary>
    public int Heads { get; init; } = 1;
    /// <summary>Use <c>in_proj_bias</c> and <c>out_proj.bias</c>.</summary>
    public bool Bias { get; init; } = true;
    /// <summary>Inputs and output are <c>[B, T, E]</c> instead of <c>[T, B, E]</c>.</summary>
    public bool BatchFirst { get; init; }
    /// <summary>Query rows per tile of the attention kernel; 0 = the backend's default.</summary>
    public int QueryTile { get; init; }
    /// <summary>Keys per tile of the attention kernel; 0 = the backend's default.</summary>
    public int KeyTile { get; init; }
}

/// <summary>
/// Multi-head attention with explicit Forward and Backward, laid out and named as PyTorch's
/// <c>nn.MultiheadAttention</c> so a state dict loads as is:
/// <c>in_proj_weight [3E, E]</c> (rows W_q, W_k, W_v), <c>in_proj_bias [3E]</c>, <c>out_proj.weight [E, E]</c>,
/// <c>out_proj.bias [E]</c>.
/// </summary>
/// <remarks>
/// <para>For each head i (width d = E/h): <c>Q_i = X_q W_q,iᵀ + b_q,i</c>, likewise K_i from the keys and V_i from the
/// values, <c>head_i = softmax(Q_i K_iᵀ/√d + mask) V_i</c>, and <c>output = concat(head_1..head_h) W_oᵀ + b_o</c>.</para>
/// <para>Execution: self-attention (the same tensor passed as query, key and value) projects all three with one packed
/// GEMM into <c>QKV [N, 3E]</c>; cross attention (Tq ≠ Tk allowed) uses three GEMMs into dense Q, K, V buffers.
/// The attention itself is <see cref="IBackend{T}.AttentionForward"/>, reading the heads straight out of those buffers
/// through strides (no transposes), tiled with an online softmax so that no <c>Tq×Tk</c> buffer exists unless the
/// weights are asked for. One output GEMM follows. Backward: the output GEMMs, <see cref="IBackend{T}.AttentionBackward"/>
/// (which recomputes the probabilities from the saved log-sum-exp), then the projection GEMMs, all gradients of the
/// parameters accumulated (<c>+=</c>) and input gradients overwritten.</para>
/// <para>Masks: <c>causal</c> is PyTorch's upper-triangular −∞ <c>attn_mask</c> (<c>is_causal</c>): query i sees keys
/// j ≤ i. <c>keyLengths</c> is a right-padded <c>key_padding_mask</c> (True = ignore): keys j ≥ keyLengths[b] are hidden.
/// A query that sees no key gets a zero attention output (PyTorch gives NaN).</para>
/// <para>Shapes (time-major; with <see cref="MultiHeadAttentionOptions.BatchFirst"/> the first two dimensions swap):
/// query <c>[Tq, B, E]</c>, key and value <c>[Tk, B, E]</c>, output <c>[Tq, B, E]</c>; attention weights are
/// batch-first as PyTorch's: <c>[B, Tq, Tk]</c> averaged over heads, or <c>[B, h, Tq, Tk]</c> per head.</para>
/// <para>Buffers come from an arena sized at the first call and reused while the shapes stay the same; the layer keeps
/// references to the inputs of the last Forward for its Backward, so they must not change in between.</para>
/// </remarks>
public sealed class MultiHeadAttention<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly List<Tensor<T>> _arena = new();
    private readonly Tensor<T>[] _wIn = new Tensor<T>[3], _dwIn = new Tensor<T>[3];
    private readonly Tensor<T>?[] _bIn = new Tensor<T>?[3], _dbIn = new Tensor<T>?[3];
    private (int B, int Tq, int Tk, bool Self) _arenaKey = (-1, -1, -1, false);
    private Tensor<T> _qkv = null!, _dqkv = null!; // self: [N, 3E]; cross: Q [Nq, E] (K and V separate)
    private Tensor<T> _q = null!, _k = null!, _v = null!, _dq = null!, _dk = null!, _dv = null!;
    private Tensor<T> _ctx = null!, _dctx = null!, _lse = null!, _lengths = null!, _ones = null!;
    private Tensor<T>? _headWeights;
    private T[] _lengthsHost = [];
    private bool _hasLengths, _forwardDone;
    private AttentionSpec _spec;
    private Tensor<T>? _query, _key, _value;

    /// <summary>Creates the layer, initialised as PyTorch: <c>in_proj_weight</c> Xavier-uniform, <c>out_proj.weight</c>
    /// U(−1/√E, 1/√E), both biases 0.</summary>
    public MultiHeadAttention(IBackend<T> backend, MultiHeadAttentionOptions options, RandomStream init, string prefix = "")
    {
        if (options.EmbeddingSize <= 0 || options.Heads <= 0 || options.EmbeddingSize % options.Heads != 0)
            throw new ArgumentException($"MultiHeadAttention: embed dim {options.EmbeddingSize} must be positive and divisible by the number of heads {options.Heads}.");
        if (options.QueryTile < 0 || options.KeyTile < 0)
            throw new ArgumentException($"MultiHeadAttention: tile sizes must be positive or 0 (default), got {options.QueryTile} and {options.KeyTile}.");
        _backend = backend;
        Options = options;
        int e = options.EmbeddingSize;
        InProjWeight = Parameter<T>.Create(backend, prefix + "in_proj_weight", 3 * e, e);
        OutProjWeight = Parameter<T>.Create(backend, prefix + "out_proj.weight", e, e);
        T xavier = T.Sqrt(T.CreateTruncating(6.0 / (e + 3 * e)));
        backend.FillUniform(init, -xavier, xavier, InProjWeight.Value);
        T bound = T.One / T.Sqrt(T.CreateTruncating(e));
        backend.FillUniform(init, -bound, bound, OutProjWeight.Value);
        if (options.Bias)
        {
            InProjBias = Parameter<T>.Create(backend, prefix + "in_proj_bias", 3 * e);
            OutProjBias = Parameter<T>.Create(backend, prefix + "out_proj.bias", e);
            Parameters = [InProjWeight, InProjBias, OutProjWeight, OutProjBias];
        }
        else Parameters = [InProjWeight, OutProjWeight];
        for (int i = 0; i < 3; i++)
        {
            _wIn[i] = InProjWeight.Value.Slice((long)i * e * e, e, e);
            _dwIn[i] = InProjWeight.Gradient.Slice((long)i * e * e, e, e);
            _bIn[i] = InProjBias?.Value.Slice((long)i * e, e);
            _dbIn[i] = InProjBias?.Gradient.Slice((long)i * e, e);
        }
    }

    /// <summary>The configuration.</summary>
    public MultiHeadAttentionOptions Options { get; }
    /// <summary>Width of one head, E / h.</summary>
    public int HeadSize => Options.EmbeddingSize / Options.Heads;
    /// <summary><c>in_proj_weight [3E, E]</c>.</summary>
    public Parameter<T> InProjWeight { get; }
    /// <summary><c>in_proj_bias [3E]</c>, or null without bias.</summary>
    public Parameter<T>? InProjBias { get; }
    /// <summary><c>out_proj.weight [E, E]</c>.</summary>
    public Parameter<T> OutProjWeight { get; }
    /// <summary><c>out_proj.bias [E]</c>, or null without bias.</summary>
    public Parameter<T>? OutProjBias { get; }
    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>Bytes of the activation and workspace arena (every buffer is O(T·E); the per-head weights buffer, only
    /// present after a call that asked for averaged weights, is O(h·Tq·Tk)).</summary>
    public long WorkspaceBytes => _arena.Sum(t => t.Length) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()
        + (_headWeights?.Length ?? 0) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>
    /// Converts a PyTorch <c>key_padding_mask</c> (<c>[B, Tk]</c> row-major, True = ignore) into the key lengths this
    /// layer takes. Only right padding can be expressed (each row some Falses then only Trues); any other mask throws,
    /// naming the row.
    /// </summary>
    public static int[] KeyLengthsFromPaddingMask(ReadOnlySpan<bool> mask, int batch, int keyLength)
    {
        if (batch < 0 || keyLength < 0 || mask.Length != batch * keyLength)
            throw new ArgumentException($"KeyLengthsFromPaddingMask: a mask of {mask.Length} values is not [{batch}, {keyLength}].");
        var lengths = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            var row = mask.Slice(b * keyLength, keyLength);
            int len = row.IndexOf(true);
            if (len < 0) len = keyLength;
            if (row[len..].Contains(false))
                throw new ArgumentException($"KeyLengthsFromPaddingMask: row {b} of the key padding mask is not right padding (an attended key follows an ignored one); only trailing padding can be expressed as a length.");
            lengths[b] = len;
        }
        return lengths;
    }

    private (int B, int T) SeqDims(Tensor<T> x, string role)
    {
        if (x.Rank != 3 || x.Dim(2) != Options.EmbeddingSize)
            throw new ArgumentException($"MultiHeadAttention: '{role}' has shape {x.ShapeText}; expected {(Options.BatchFirst ? "[B, T, " : "[T, B, ")}{Options.EmbeddingSize}].");
        return Options.BatchFirst ? (x.Dim(0), x.Dim(1)) : (x.Dim(1), x.Dim(0));
    }

    /// <summary>
    /// Runs the layer. Self-attention when <paramref name="query"/>, <paramref name="key"/> and <paramref name="value"/>
    /// are the same tensor; otherwise cross attention (key and value must have the same shape).
    /// </summary>
    /// <param name="query"><c>[Tq, B, E]</c> (batch-first: <c>[B, Tq, E]</c>).</param>
    /// <param name="key"><c>[Tk, B, E]</c>.</param>
    /// <param name="value"><c>[Tk, B, E]</c>.</param>
    /// <param name="keyLengths">Empty for none, else B valid key counts (right padding).</param>
    /// <param name="causal">Hide keys j &gt; i from query i.</param>
    /// <param name="output"><c>[Tq, B, E]</c> out.</param>
    /// <param name="weights">Null, or out: <c>[B, Tq, Tk]</c> when <paramref name="averageWeights"/>, else <c>[B, h, Tq, Tk]</c>.</param>
    /// <param name="averageWeights">Average the weights over heads (PyTorch's <c>average_attn_weights=True</c>).</param>
    public void Forward(Tensor<T> query, Tensor<T> key, Tensor<T> value, ReadOnlySpan<int> keyLengths, bool causal,
        Tensor<T> output, Tensor<T>? weights = null, bool averageWeights = true)
    {
        var (b, tq) = SeqDims(query, "query");
        var (bk, tk) = SeqDims(key, "key");
        bool self = ReferenceEquals(query, key) && ReferenceEquals(key, value);
        if (bk != b || !value.Shape.SequenceEqual(key.Shape))
            throw new ArgumentException($"MultiHeadAttention: query {query.ShapeText}, key {key.ShapeText} and value {value.ShapeText} must share the batch size, and key and value their shape.");
        if (!output.Shape.SequenceEqual(query.Shape))
            throw new ArgumentException($"MultiHeadAttention: 'output' has shape {output.ShapeText}; expected the query's shape {query.ShapeText}.");
        if (keyLengths.Length != 0 && keyLengths.Length != b)
            throw new ArgumentException($"MultiHeadAttention: {keyLengths.Length} key lengths for a batch of {b} (key {key.ShapeText}).");
        int e = Options.EmbeddingSize, h = Options.Heads;
        if (weights is not null && weights.Length != (averageWeights ? (long)b * tq * tk : (long)b * h * tq * tk))
            throw new ArgumentException($"MultiHeadAttention: 'weights' has shape {weights.ShapeText}; expected {(averageWeights ? $"[{b}, {tq}, {tk}]" : $"[{b}, {h}, {tq}, {tk}]")}.");

        EnsureArena(b, tq, tk, self);
        SetLengths(keyLengths, tk);
        _query = query; _key = key; _value = value;
        int nq = b * tq, nk = b * tk;
        if (self)
        {
            Project(query, InProjWeight.Value, InProjBias?.Value, nq, 3 * e, _qkv);
        }
        else
        {
            Project(query, _wIn[0], _bIn[0], nq, e, _q);
            Project(key, _wIn[1], _bIn[1], nk, e, _k);
            Project(value, _wIn[2], _bIn[2], nk, e, _v);
        }
        _spec = Spec(b, tq, tk, self, causal);
        _backend.AttentionForward(_q, _k, _v, _hasLengths ? _lengths : null, _spec, _ctx, _lse);
        Project(_ctx, OutProjWeight.Value, OutProjBias?.Value, nq, e, output);
        _forwardDone = true;

        if (weights is null) return;
        if (!averageWeights) { _backend.AttentionWeights(_q, _k, _hasLengths ? _lengths : null, _spec, weights); return; }
        long perHead = (long)b * h * tq * tk;
        if (_headWeights is null || _headWeights.Length != perHead)
        {
            _headWeights?.Dispose();
            _headWeights = _backend.Allocate(b, h, tq, tk);
        }
        _backend.AttentionWeights(_q, _k, _hasLengths ? _lengths : null, _spec, _headWeights);
        // weights[b] = (1/h)·1ᵀ·W_b with W_b the [h, Tq·Tk] block of batch entry b.
        _backend.GemmStridedBatched(Transpose.No, Transpose.No, 1, tq * tk, h, T.One / T.CreateTruncating(h),
            _ones, h, 0, _headWeights, tq * tk, (long)h * tq * tk, T.Zero, weights, tq * tk, (long)tq * tk, b);
    }

    /// <summary>
    /// Backward of the last <see cref="Forward"/>: accumulates every parameter gradient and overwrites the input
    /// gradients. For self-attention pass <paramref name="dQuery"/> only (it receives the gradient of the shared input;
    /// <paramref name="dKey"/> and <paramref name="dValue"/> must be null). For cross attention any of the three may be
    /// null (not wanted); when key and value were the same tensor, passing the same tensor as dKey and dValue sums both.
    /// </summary>
    /// <param name="dOutput">Gradient of the output, the output's shape.</param>
    /// <param name="dQuery">Out: the query's shape, or null.</param>
    /// <param name="dKey">Out: the key's shape, or null.</param>
    /// <param name="dValue">Out: the value's shape, or null.</param>
    public void Backward(Tensor<T> dOutput, Tensor<T>? dQuery, Tensor<T>? dKey = null, Tensor<T>? dValue = null)
    {
        if (!_forwardDone) throw new InvalidOperationException("MultiHeadAttention.Backward: call Forward first.");
        if (!dOutput.Shape.SequenceEqual(_query!.Shape))
            throw new ArgumentException($"MultiHeadAttention.Backward: 'dOutput' has shape {dOutput.ShapeText}; expected the output's shape {_query.ShapeText}.");
        bool self = _arenaKey.Self;
        if (self && (dKey is not null || dValue is not null))
            throw new ArgumentException("MultiHeadAttention.Backward: after self-attention the input gradient goes to 'dQuery' alone; pass null for dKey and dValue.");
        CheckGrad(dQuery, _query, "dQuery");
        CheckGrad(dKey, _key!, "dKey");
        CheckGrad(dValue, _value!, "dValue");
        int e = Options.EmbeddingSize, nq = _arenaKey.B * _arenaKey.Tq, nk = _arenaKey.B * _arenaKey.Tk;

        ProjectBackward(_ctx, dOutput, OutProjWeight.Value, OutProjWeight.Gradient, OutProjBias?.Gradient, nq, e, _dctx, false);
        _backend.AttentionBackward(_q, _k, _v, _ctx, _lse, _dctx, _hasLengths ? _lengths : null, _spec, _dq, _dk, _dv);
        if (self)
        {
            ProjectBackward(_query, _dqkv, InProjWeight.Value, InProjWeight.Gradient, InProjBias?.Gradient, nq, 3 * e, dQuery, false);
            return;
        }
        ProjectBackward(_query, _dq, _wIn[0], _dwIn[0], _dbIn[0], nq, e, dQuery, false);
        ProjectBackward(_key!, _dk, _wIn[1], _dwIn[1], _dbIn[1], nk, e, dKey, dKey is not null && ReferenceEquals(dKey, dQuery));
        ProjectBackward(_value!, _dv, _wIn[2], _dwIn[2], _dbIn[2], nk, e, dValue,
            dValue is not null && (ReferenceEquals(dValue, dKey) || ReferenceEquals(dValue, dQuery)));
    }

    private static void CheckGrad(Tensor<T>? grad, Tensor<T> input, string role)
    {
        if (grad is not null && !grad.Shape.SequenceEqual(input.Shape))
            throw new ArgumentException($"MultiHeadAttention.Backward: '{role}' has shape {grad.ShapeText}; expected {input.ShapeText}.");
    }

    /// <summary><c>y [n, outWidth] = x [n, E]·Wᵀ + b</c>.</summary>
    private void Project(Tensor<T> x, Tensor<T> w, Tensor<T>? bias, int n, int outWidth, Tensor<T> y)
    {
        if (bias is not null) _backend.BroadcastRows(bias, y);
        _backend.Gemm(Transpose.No, Transpose.Yes, n, outWidth, Options.EmbeddingSize, T.One, x, Options.EmbeddingSize, w, Options.EmbeddingSize,
            bias is null ? T.Zero : T.One, y, outWidth);
    }

    /// <summary><c>dW += dyᵀ·x</c>, <c>db += Σ dy</c>, <c>dx = dy·W</c> (added when <paramref name="accumulate"/>).</summary>
    private void ProjectBackward(Tensor<T> x, Tensor<T> dy, Tensor<T> w, Tensor<T> dw, Tensor<T>? db, int n, int outWidth, Tensor<T>? dx, bool accumulate)
    {
        int e = Options.EmbeddingSize;
        _backend.Gemm(Transpose.Yes, Transpose.No, outWidth, e, n, T.One, dy, outWidth, x, e, T.One, dw, e);
        if (db is not null) _backend.SumRows(dy, accumulate: true, db);
        if (dx is not null)
            _backend.Gemm(Transpose.No, Transpose.No, n, e, outWidth, T.One, dy, outWidth, w, e, accumulate ? T.One : T.Zero, dx, e);
    }

    /// <summary>Strides of head h inside a buffer of <paramref name="width"/> columns whose rows follow the inputs' order.</summary>
    private AttentionStrides Strides(int b, int t, int width) => Options.BatchFirst
        ? new AttentionStrides((long)t * width, HeadSize, width)
        : new AttentionStrides(width, HeadSize, (long)b * width);

    private AttentionSpec Spec(int b, int tq, int tk, bool self, bool causal)
    {
        int e = Options.EmbeddingSize, w = self ? 3 * e : e;
        return new AttentionSpec
        {
            Batch = b, Heads = Options.Heads, QueryLength = tq, KeyLength = tk, HeadSize = HeadSize, Causal = causal,
            QueryTile = Options.QueryTile, KeyTile = Options.KeyTile,
            QueryStrides = Strides(b, tq, w), KeyStrides = Strides(b, tk, w), ValueStrides = Strides(b, tk, w),
            OutputStrides = Strides(b, tq, e),
        };
    }

    private void SetLengths(ReadOnlySpan<int> keyLengths, int tk)
    {
        _hasLengths = false;
        for (int i = 0; i < keyLengths.Length; i++)
        {
            if ((uint)keyLengths[i] > (uint)tk)
                throw new ArgumentOutOfRangeException(nameof(keyLengths), $"MultiHeadAttention: keyLengths[{i}] = {keyLengths[i]} is outside 0..{tk} (the key length).");
            _lengthsHost[i] = T.CreateTruncating(keyLengths[i]);
            if (keyLengths[i] != tk) _hasLengths = true;
        }
        if (_hasLengths) _backend.CopyFromHost(_lengthsHost, _lengths);
    }

    private void EnsureArena(int b, int tq, int tk, bool self)
    {
        if (_arenaKey == (b, tq, tk, self)) return;
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _headWeights?.Dispose();
        _headWeights = null;
        _arenaKey = (b, tq, tk, self);
        int e = Options.EmbeddingSize, nq = b * tq, nk = b * tk;
        Tensor<T> A(params int[] shape) { var t = _backend.Allocate(shape); _arena.Add(t); return t; }
        if (self)
        {
            _qkv = A(nq, 3 * e);
            _dqkv = A(nq, 3 * e);
            long len = _qkv.Length;
            (_q, _k, _v) = (_qkv, _qkv.Slice(e, (int)(len - e)), _qkv.Slice(2 * e, (int)(len - 2 * e)));
            (_dq, _dk, _dv) = (_dqkv, _dqkv.Slice(e, (int)(len - e)), _dqkv.Slice(2 * e, (int)(len - 2 * e)));
        }
        else
        {
            (_q, _k, _v) = (A(nq, e), A(nk, e), A(nk, e));
            (_dq, _dk, _dv) = (A(nq, e), A(nk, e), A(nk, e));
        }
        _ctx = A(nq, e);
        _dctx = A(nq, e);
        _lse = A(b, Options.Heads, tq);
        _lengths = A(b);
        _ones = A(Options.Heads);
        _backend.Fill(T.One, _ones);
        _lengthsHost = new T[b];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _headWeights?.Dispose();
        foreach (var p in Parameters) { p.Value.Dispose(); p.Gradient.Dispose(); }
    }
}

/// <summary>Sizes of a <see cref="MultiHeadAttention{T}"/> known before it is built.</summary>
public static class MultiHeadAttention
{
    /// <summary>Elements of the parameters <see cref="MultiHeadAttention{T}"/> creates: <c>in_proj_weight [3E, E]</c>,
    /// <c>out_proj.weight [E, E]</c> and, with a bias, <c>3E + E</c>; <see cref="OverflowException"/> instead of wrapping.</summary>
    public static long CountParameters(MultiHeadAttentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        long e = options.EmbeddingSize;
        return checked(4 * e * e + (options.Bias ? 4 * e : 0));
    }
}
