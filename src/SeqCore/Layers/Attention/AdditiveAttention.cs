using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers.Attention;

/// <summary>
/// Additive (Bahdanau) attention for encoder–decoder models, with explicit Forward and Backward:
/// <c>score_ij = vᵀ·tanh(W_q·q_i + W_k·k_j + b)</c>, <c>P = softmax_j(score)</c> over the source positions
/// <c>j &lt; memoryLengths[b]</c>, <c>context_i = Σ_j P_ij·k_j</c> (the memory is both keys and values).
/// </summary>
/// <remarks>
/// <para>Parameters (state_dict names in the style of <c>nn.Linear</c> submodules): <c>query_proj.weight [A, Dq]</c>
/// (W_q), <c>key_proj.weight [A, Dk]</c> (W_k), <c>key_proj.bias [A]</c> (b, optional), <c>v.weight [1, A]</c>
/// (v, an <c>nn.Linear(A, 1, bias=False)</c>). Initialised U(−1/√fan_in, 1/√fan_in) like <c>nn.Linear</c>.</para>
/// <para>Shapes (batch-first): query <c>[B, Tq, Dq]</c> (Tq = 1 for one decoder step), memory <c>[B, Tk, Dk]</c>,
/// context <c>[B, Tq, Dk]</c>, weights <c>[B, Tq, Tk]</c>. Every memory length must be at least 1.</para>
/// <para>Execution: two projection GEMMs, <see cref="IBackend{T}.AdditiveScores"/> (the <c>[B, Tq, Tk, A]</c> tanh values
/// are recomputed in backward, never stored), a row softmax, and a batched GEMM for the context. The scores and
/// probabilities (<c>[B, Tq, Tk]</c>) are kept for backward.</para>
/// </remarks>
public sealed class AdditiveAttention<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly List<Tensor<T>> _arena = new();
    private (int B, int Tq, int Tk) _arenaKey = (-1, -1, -1);
    private Tensor<T> _qp = null!, _kp = null!, _p = null!, _dp = null!, _dqp = null!, _dkp = null!, _dv = null!, _lengths = null!;
    private T[] _lengthsHost = [];
    private bool _hasLengths;
    private Tensor<T>? _query, _memory;

    /// <summary>Creates the layer: queries of width <paramref name="querySize"/>, memory of width <paramref name="keySize"/>,
    /// attention width <paramref name="attentionSize"/> (A).</summary>
    public AdditiveAttention(IBackend<T> backend, int querySize, int keySize, int attentionSize, RandomStream init, bool bias = true)
    {
        if (querySize <= 0 || keySize <= 0 || attentionSize <= 0)
            throw new ArgumentException($"AdditiveAttention needs positive sizes, got query {querySize}, key {keySize}, attention {attentionSize}.");
        _backend = backend;
        QuerySize = querySize; KeySize = keySize; AttentionSize = attentionSize;
        QueryWeight = Parameter<T>.Create(backend, "query_proj.weight", attentionSize, querySize);
        KeyWeight = Parameter<T>.Create(backend, "key_proj.weight", attentionSize, keySize);
        V = Parameter<T>.Create(backend, "v.weight", 1, attentionSize);
        Fill(QueryWeight, querySize, init);
        Fill(KeyWeight, keySize, init);
        if (bias)
        {
            KeyBias = Parameter<T>.Create(backend, "key_proj.bias", attentionSize);
            Fill(KeyBias, keySize, init);
        }
        Fill(V, attentionSize, init);
        Parameters = KeyBias is null ? [QueryWeight, KeyWeight, V] : [QueryWeight, KeyWeight, KeyBias, V];
    }

    private void Fill(Parameter<T> p, int fanIn, RandomStream init)
    {
        T bound = T.One / T.Sqrt(T.CreateTruncating(fanIn));
        _backend.FillUniform(init, -bound, bound, p.Value);
    }

    /// <summary>Dq.</summary>
    public int QuerySize { get; }
    /// <summary>Dk (memory width, also the context width).</summary>
    public int KeySize { get; }
    /// <summary>A.</summary>
    public int AttentionSize { get; }
    /// <summary><c>query_proj.weight [A, Dq]</c>.</summary>
    public Parameter<T> QueryWeight { get; }
    /// <summary><c>key_proj.weight [A, Dk]</c>.</summary>
    public Parameter<T> KeyWeight { get; }
    /// <summary><c>key_proj.bias [A]</c>, or null.</summary>
    public Parameter<T>? KeyBias { get; }
    /// <summary><c>v.weight [1, A]</c>.</summary>
    public Parameter<T> V { get; }
    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>The probabilities of the last Forward, <c>[B, Tq, Tk]</c> (0 at masked positions).</summary>
    public Tensor<T> Weights => _p ?? throw new InvalidOperationException("AdditiveAttention: call Forward first.");

    /// <summary>Runs the layer.</summary>
    /// <param name="query"><c>[B, Tq, Dq]</c>.</param>
    /// <param name="memory"><c>[B, Tk, Dk]</c> encoder outputs (keys and values).</param>
    /// <param name="memoryLengths">Empty for none, else B lengths in 1..Tk.</param>
    /// <param name="context">Out: <c>[B, Tq, Dk]</c>.</param>
    /// <param name="weights">Null, or out: <c>[B, Tq, Tk]</c> (a copy of <see cref="Weights"/>).</param>
    public void Forward(Tensor<T> query, Tensor<T> memory, ReadOnlySpan<int> memoryLengths, Tensor<T> context, Tensor<T>? weights = null)
    {
        var (b, tq, tk) = AttentionShapes.Check("AdditiveAttention", query, QuerySize, memory, KeySize, context, weights);
        EnsureArena(b, tq, tk);
        _hasLengths = AttentionShapes.SetLengths(_backend, "AdditiveAttention", memoryLengths, b, tk, minimum: 1, _lengthsHost, _lengths);
        _query = query; _memory = memory;
        int a = AttentionSize;
        _backend.Gemm(Transpose.No, Transpose.Yes, b * tq, a, QuerySize, T.One, query, QuerySize, QueryWeight.Value, QuerySize, T.Zero, _qp, a);
        if (KeyBias is not null) _backend.BroadcastRows(KeyBias.Value, _kp);
        _backend.Gemm(Transpose.No, Transpose.Yes, b * tk, a, KeySize, T.One, memory, KeySize, KeyWeight.Value, KeySize,
            KeyBias is null ? T.Zero : T.One, _kp, a);
        _backend.AdditiveScores(_qp, _kp, V.Value, _hasLengths ? _lengths : null, b, tq, tk, _p);
        _backend.Softmax(_p, _p);
        _backend.GemmStridedBatched(Transpose.No, Transpose.No, tq, KeySize, tk, T.One, _p, tk, (long)tq * tk,
            memory, KeySize, (long)tk * KeySize, T.Zero, context, KeySize, (long)tq * KeySize, b);
        if (weights is not null) _backend.Copy(_p, weights);
    }

    /// <summary>Backward of the last Forward: accumulates the parameter gradients, overwrites <paramref name="dQuery"/>
    /// and <paramref name="dMemory"/> (either may be null).</summary>
    /// <param name="dContext"><c>[B, Tq, Dk]</c>.</param>
    /// <param name="dQuery">Out: <c>[B, Tq, Dq]</c>, or null.</param>
    /// <param name="dMemory">Out: <c>[B, Tk, Dk]</c>, or null.</param>
    public void Backward(Tensor<T> dContext, Tensor<T>? dQuery, Tensor<T>? dMemory)
    {
        if (_query is null || _memory is null) throw new InvalidOperationException("AdditiveAttention.Backward: call Forward first.");
        var (b, tq, tk) = _arenaKey;
        int a = AttentionSize, dk = KeySize;
        AttentionShapes.CheckGrad("AdditiveAttention", dContext, "dContext", b * tq * dk);
        if (dQuery is not null) AttentionShapes.CheckGrad("AdditiveAttention", dQuery, "dQuery", _query.Length);
        if (dMemory is not null) AttentionShapes.CheckGrad("AdditiveAttention", dMemory, "dMemory", _memory.Length);
        // dP = dC·memᵀ and dMem = Pᵀ·dC per batch entry; dS = softmax backward.
        _backend.GemmStridedBatched(Transpose.No, Transpose.Yes, tq, tk, dk, T.One, dContext, dk, (long)tq * dk,
            _memory, dk, (long)tk * dk, T.Zero, _dp, tk, (long)tq * tk, b);
        if (dMemory is not null)
            _backend.GemmStridedBatched(Transpose.Yes, Transpose.No, tk, dk, tq, T.One, _p, tk, (long)tq * tk,
                dContext, dk, (long)tq * dk, T.Zero, dMemory, dk, (long)tk * dk, b);
        _backend.SoftmaxBackward(_p, _dp, _dp);
        _backend.AdditiveScoresBackward(_qp, _kp, V.Value, _dp, _hasLengths ? _lengths : null, b, tq, tk, _dqp, _dkp, _dv);
        _backend.Axpy(_dv, T.One, V.Gradient);
        _backend.Gemm(Transpose.Yes, Transpose.No, a, QuerySize, b * tq, T.One, _dqp, a, _query, QuerySize, T.One, QueryWeight.Gradient, QuerySize);
        _backend.Gemm(Transpose.Yes, Transpose.No, a, dk, b * tk, T.One, _dkp, a, _memory, dk, T.One, KeyWeight.Gradient, dk);
        if (KeyBias is not null) _backend.SumRows(_dkp, accumulate: true, KeyBias.Gradient);
        if (dQuery is not null)
            _backend.Gemm(Transpose.No, Transpose.No, b * tq, QuerySize, a, T.One, _dqp, a, QueryWeight.Value, QuerySize, T.Zero, dQuery, QuerySize);
        if (dMemory is not null)
            _backend.Gemm(Transpose.No, Transpose.No, b * tk, dk, a, T.One, _dkp, a, KeyWeight.Value, dk, T.One, dMemory, dk);
    }

    private void EnsureArena(int b, int tq, int tk)
    {
        if (_arenaKey == (b, tq, tk)) return;
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _arenaKey = (b, tq, tk);
        Tensor<T> A(params int[] shape) { var t = _backend.Allocate(shape); _arena.Add(t); return t; }
        int a = AttentionSize;
        (_qp, _kp, _dqp, _dkp) = (A(b * tq, a), A(b * tk, a), A(b * tq, a), A(b * tk, a));
        (_p, _dp) = (A(b, tq, tk), A(b, tq, tk));
        _dv = A(1, a);
        _lengths = A(b);
        _lengthsHost = new T[b];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        foreach (var p in Parameters) { p.Value.Dispose(); p.Gradient.Dispose(); }
    }
}

/// <summary>Shape checks and length upload shared by the encoder–decoder attention layers.</summary>
internal static class AttentionShapes
{
    public static (int B, int Tq, int Tk) Check<T>(string layer, Tensor<T> query, int dq, Tensor<T> memory, int dk, Tensor<T> context, Tensor<T>? weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (query.Rank != 3 || query.Dim(2) != dq)
            throw new ArgumentException($"{layer}: 'query' has shape {query.ShapeText}; expected [B, Tq, {dq}].");
        if (memory.Rank != 3 || memory.Dim(2) != dk || memory.Dim(0) != query.Dim(0))
            throw new ArgumentException($"{layer}: 'memory' has shape {memory.ShapeText}; expected [{query.Dim(0)}, Tk, {dk}] (query {query.ShapeText}).");
        int b = query.Dim(0), tq = query.Dim(1), tk = memory.Dim(1);
        if (context.Length != (long)b * tq * dk)
            throw new ArgumentException($"{layer}: 'context' has shape {context.ShapeText}; expected [{b}, {tq}, {dk}].");
        if (weights is not null && weights.Length != (long)b * tq * tk)
            throw new ArgumentException($"{layer}: 'weights' has shape {weights.ShapeText}; expected [{b}, {tq}, {tk}].");
        return (b, tq, tk);
    }

    public static void CheckGrad<T>(string layer, Tensor<T> t, string role, long length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t.Length != length)
            throw new ArgumentException($"{layer}.Backward: '{role}' has shape {t.ShapeText} ({t.Length} elements); expected {length} elements.");
    }

    /// <summary>Validates and uploads the lengths; returns false when none is given or all equal Tk (no mask needed).</summary>
    public static bool SetLengths<T>(IBackend<T> backend, string layer, ReadOnlySpan<int> lengths, int b, int tk, int minimum, T[] host, Tensor<T> device)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (lengths.Length == 0) return false;
        if (lengths.Length != b)
            throw new ArgumentException($"{layer}: {lengths.Length} memory lengths for a batch of {b}.");
        bool any = false;
        for (int i = 0; i < b; i++)
        {
            if (lengths[i] < minimum || lengths[i] > tk)
                throw new ArgumentOutOfRangeException(nameof(lengths), $"{layer}: memoryLengths[{i}] = {lengths[i]} is outside {minimum}..{tk} (the memory length).");
            host[i] = T.CreateTruncating(lengths[i]);
            any |= lengths[i] != tk;
        }
        if (any) backend.CopyFromHost(host, device);
        return any;
    }
}

/// <summary>Sizes of an <see cref="AdditiveAttention{T}"/> known before it is built.</summary>
public static class AdditiveAttention
{
    /// <summary>Elements of the parameters <see cref="AdditiveAttention{T}"/> creates: <c>query_proj.weight [A, Dq]</c>,
    /// <c>key_proj.weight [A, Dk]</c>, <c>v.weight [1, A]</c> and, with a bias, <c>key_proj.bias [A]</c>.</summary>
    public static long CountParameters(int querySize, int keySize, int attentionSize, bool bias = true) =>
        checked((long)attentionSize * querySize + (long)attentionSize * keySize + attentionSize + (bias ? attentionSize : 0));
}
