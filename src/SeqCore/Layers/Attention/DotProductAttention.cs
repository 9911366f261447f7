using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers.Attention;

/// <summary>The score function of a <see cref="DotProductAttention{T}"/> (Luong et al. 2015).</summary>
public enum LuongScore
{
    /// <summary><c>score(q, k) = qᵀ·k</c>; needs Dq = Dk.</summary>
    Dot,
    /// <summary><c>score(q, k) = qᵀ·W·k</c> with <c>linear_in.weight W [Dk, Dq]</c> applied to the query.</summary>
    General,
}

/// <summary>
/// Multiplicative (Luong) attention for encoder–decoder models, with explicit Forward and Backward:
/// <c>P = softmax_j(score(q_i, k_j))</c> over the source positions <c>j &lt; memoryLengths[b]</c>,
/// <c>context_i = Σ_j P_ij·k_j</c> (the memory is both keys and values). Unscaled, as in the paper.
/// </summary>
/// <remarks>
/// <para>Parameters: none for <see cref="LuongScore.Dot"/>; <c>linear_in.weight [Dk, Dq]</c> for
/// <see cref="LuongScore.General"/> (the query is projected, <c>q' = W·q</c>, then scored by a dot product, which is
/// <c>qᵀ·Wᵀ·k</c>; the name follows OpenNMT's GlobalAttention). Initialised U(−1/√Dq, 1/√Dq).</para>
/// <para>Shapes (batch-first): query <c>[B, Tq, Dq]</c>, memory <c>[B, Tk, Dk]</c>, context <c>[B, Tq, Dk]</c>,
/// weights <c>[B, Tq, Tk]</c>. A memory length of 0 gives a zero context.</para>
/// <para>Execution: the tiled kernel <see cref="IBackend{T}.AttentionForward"/> with one head and scale 1, so nothing
/// of size Tq×Tk is stored unless the weights are asked for; backward is <see cref="IBackend{T}.AttentionBackward"/>,
/// whose key and value gradients are summed into the memory gradient.</para>
/// </remarks>
public sealed class DotProductAttention<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly List<Tensor<T>> _arena = new();
    private (int B, int Tq, int Tk) _arenaKey = (-1, -1, -1);
    private Tensor<T> _qp = null!, _dqp = null!, _dk = null!, _dv = null!, _lse = null!, _lengths = null!;
    private T[] _lengthsHost = [];
    private bool _hasLengths;
    private AttentionSpec _spec;
    private Tensor<T>? _query, _memory, _context;

    /// <summary>Creates the layer.</summary>
    public DotProductAttention(IBackend<T> backend, LuongScore score, int querySize, int keySize, RandomStream init)
    {
        if (querySize <= 0 || keySize <= 0)
            throw new ArgumentException($"DotProductAttention needs positive sizes, got query {querySize}, key {keySize}.");
        if (score == LuongScore.Dot && querySize != keySize)
            throw new ArgumentException($"DotProductAttention: the dot score needs equal query and key widths, got {querySize} and {keySize}; use LuongScore.General.");
        _backend = backend;
        Score = score; QuerySize = querySize; KeySize = keySize;
        if (score == LuongScore.General)
        {
            Weight = Parameter<T>.Create(backend, "linear_in.weight", keySize, querySize);
            T bound = T.One / T.Sqrt(T.CreateTruncating(querySize));
            backend.FillUniform(init, -bound, bound, Weight.Value);
            Parameters = [Weight];
        }
        else Parameters = [];
    }

    /// <summary>The score function.</summary>
    public LuongScore Score { get; }
    /// <summary>Dq.</summary>
    public int QuerySize { get; }
    /// <summary>Dk.</summary>
    public int KeySize { get; }
    /// <summary><c>linear_in.weight [Dk, Dq]</c> for the general score, else null.</summary>
    public Parameter<T>? Weight { get; }
    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>Runs the layer.</summary>
    /// <param name="query"><c>[B, Tq, Dq]</c>.</param>
    /// <param name="memory"><c>[B, Tk, Dk]</c> encoder outputs (keys and values).</param>
    /// <param name="memoryLengths">Empty for none, else B lengths in 0..Tk.</param>
    /// <param name="context">Out: <c>[B, Tq, Dk]</c>.</param>
    /// <param name="weights">Null, or out: <c>[B, Tq, Tk]</c>.</param>
    public void Forward(Tensor<T> query, Tensor<T> memory, ReadOnlySpan<int> memoryLengths, Tensor<T> context, Tensor<T>? weights = null)
    {
        var (b, tq, tk) = AttentionShapes.Check("DotProductAttention", query, QuerySize, memory, KeySize, context, weights);
        EnsureArena(b, tq, tk);
        _hasLengths = AttentionShapes.SetLengths(_backend, "DotProductAttention", memoryLengths, b, tk, minimum: 0, _lengthsHost, _lengths);
        _query = query; _memory = memory; _context = context;
        Tensor<T> q = query;
        if (Weight is not null)
        {
            _backend.Gemm(Transpose.No, Transpose.Yes, b * tq, KeySize, QuerySize, T.One, query, QuerySize, Weight.Value, QuerySize, T.Zero, _qp, KeySize);
            q = _qp;
        }
        _spec = new AttentionSpec { Batch = b, Heads = 1, QueryLength = tq, KeyLength = tk, HeadSize = KeySize, Scale = 1.0 };
        _backend.AttentionForward(q, memory, memory, _hasLengths ? _lengths : null, _spec, context, _lse);
        if (weights is not null) _backend.AttentionWeights(q, memory, _hasLengths ? _lengths : null, _spec, weights);
    }

    /// <summary>Backward of the last Forward: accumulates the parameter gradient, overwrites <paramref name="dQuery"/>
    /// and <paramref name="dMemory"/> (either may be null). The context tensor of Forward must be unchanged.</summary>
    /// <param name="dContext"><c>[B, Tq, Dk]</c>.</param>
    /// <param name="dQuery">Out: <c>[B, Tq, Dq]</c>, or null.</param>
    /// <param name="dMemory">Out: <c>[B, Tk, Dk]</c>, or null.</param>
    public void Backward(Tensor<T> dContext, Tensor<T>? dQuery, Tensor<T>? dMemory)
    {
        if (_query is null || _memory is null || _context is null) throw new InvalidOperationException("DotProductAttention.Backward: call Forward first.");
        var (b, tq, _) = _arenaKey;
        AttentionShapes.CheckGrad("DotProductAttention", dContext, "dContext", (long)b * tq * KeySize);
        if (dQuery is not null) AttentionShapes.CheckGrad("DotProductAttention", dQuery, "dQuery", _query.Length);
        if (dMemory is not null) AttentionShapes.CheckGrad("DotProductAttention", dMemory, "dMemory", _memory.Length);
        Tensor<T> q = Weight is null ? _query : _qp;
        Tensor<T> dq = Weight is null && dQuery is not null ? dQuery : _dqp;
        _backend.AttentionBackward(q, _memory, _memory, _context, _lse, dContext, _hasLengths ? _lengths : null, _spec, dq, _dk, _dv);
        if (dMemory is not null) _backend.Add(_dk, _dv, dMemory);
        if (Weight is null) return;
        _backend.Gemm(Transpose.Yes, Transpose.No, KeySize, QuerySize, b * tq, T.One, _dqp, KeySize, _query, QuerySize, T.One, Weight.Gradient, QuerySize);
        if (dQuery is not null)
            _backend.Gemm(Transpose.No, Transpose.No, b * tq, QuerySize, KeySize, T.One, _dqp, KeySize, Weight.Value, QuerySize, T.Zero, dQuery, QuerySize);
    }

    private void EnsureArena(int b, int tq, int tk)
    {
        if (_arenaKey == (b, tq, tk)) return;
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _arenaKey = (b, tq, tk);
        Tensor<T> A(params int[] shape) { var t = _backend.Allocate(shape); _arena.Add(t); return t; }
        (_qp, _dqp) = (A(b, tq, KeySize), A(b, tq, KeySize));
        (_dk, _dv) = (A(b, tk, KeySize), A(b, tk, KeySize));
        _lse = A(b, 1, tq);
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

/// <summary>Sizes of a <see cref="DotProductAttention{T}"/> known before it is built.</summary>
public static class DotProductAttention
{
    /// <summary>Elements of the parameters <see cref="DotProductAttention{T}"/> creates: none for the dot score,
    /// <c>linear_in.weight [Dk, Dq]</c> for the general one.</summary>
    public static long CountParameters(LuongScore score, int querySize, int keySize) =>
        score == LuongScore.General ? checked((long)keySize * querySize) : 0;
}
