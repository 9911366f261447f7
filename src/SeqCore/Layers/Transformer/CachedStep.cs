using System.Numerics;
using SeqCore.Layers.Attention;

namespace SeqCore.Layers.Transformer;

/// <summary>
/// One block's forward for n new positions against a KV cache, for an encoder-style <see cref="TransformerBlock{T}"/>
/// and for a <see cref="TransformerDecoderBlock{T}"/> (whose cross-attention reads keys and values of the memory
/// projected once). Inference only: it reuses the block's LayerNorm and feed-forward buffers, so it must not run
/// between a Forward and its Backward.
/// </summary>
internal sealed class CachedStep<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly Tensor<T>?[] _scratch = new Tensor<T>?[2];
    private Tensor<T>? _qkv, _q, _ctx, _lse, _a, _h, _h2, _n, _f, _s;
    private (int N, int B, int E, int Heads) _shape = (-1, -1, -1, -1);

    public CachedStep(IBackend<T> backend) => _backend = backend;

    /// <summary>A reusable <c>[n, B, E]</c> buffer for the output of block i (two alternate).</summary>
    public Tensor<T> Scratch(int which, int n, int batch, int dim)
    {
        var t = _scratch[which];
        if (t is null || t.Dim(0) != n || t.Dim(1) != batch || t.Dim(2) != dim)
        {
            t?.Dispose();
            _scratch[which] = t = _backend.Allocate(n, batch, dim);
        }
        return t;
    }

    private void Ensure(int n, int batch, int dim, int heads)
    {
        if (_shape == (n, batch, dim, heads)) return;
        ReleaseBuffers();
        _shape = (n, batch, dim, heads);
        _qkv = _backend.Allocate(n * batch, 3 * dim);
        _q = _backend.Allocate(n * batch, dim);
        _ctx = _backend.Allocate(n, batch, dim);
        _lse = _backend.Allocate(batch, heads, n);
        _a = _backend.Allocate(n, batch, dim);
        _h = _backend.Allocate(n, batch, dim);
        _h2 = _backend.Allocate(n, batch, dim);
        _n = _backend.Allocate(n, batch, dim);
        _f = _backend.Allocate(n, batch, dim);
        _s = _backend.Allocate(n, batch, dim);
    }

    /// <summary>Runs <paramref name="block"/> on x <c>[n, B, E]</c> at positions <c>start ..</c>, appending to the cache.</summary>
    public void Block(TransformerBlock<T> block, Tensor<T> x, Tensor<T> keys, Tensor<T> values, int start, Tensor<T> y)
    {
        var o = block.Options;
        Ensure(x.Dim(0), x.Dim(1), o.EmbeddingSize, o.Heads);
        var be = _backend;
        if (o.NormFirst)
        {
            block.Norm1.Forward(x, _n!);
            SelfAttend(block.Attention, o, _n!, keys, values, start, _a!);
            be.Add(x, _a!, _h!);
            block.Norm2.Forward(_h!, _n!);
            block.FeedForward.Forward(_n!, _f!);
            be.Add(_h!, _f!, y);
        }
        else
        {
            SelfAttend(block.Attention, o, x, keys, values, start, _a!);
            be.Add(x, _a!, _s!);
            block.Norm1.Forward(_s!, _h!);
            block.FeedForward.Forward(_h!, _f!);
            be.Add(_h!, _f!, _s!);
            block.Norm2.Forward(_s!, y);
        }
    }

    /// <summary>
    /// Runs the decoder <paramref name="block"/> on x <c>[n, B, E]</c> at positions <c>start ..</c>: self-attention
    /// appends to (and reads) the self cache, cross-attention reads the memory's projected <paramref name="memoryKeys"/>,
    /// <paramref name="memoryValues"/> <c>[S, B, E]</c>. <paramref name="crossWeights"/>: null, or out
    /// <c>[B, heads, n, S]</c> the cross-attention probabilities.
    /// </summary>
    public void DecoderBlock(TransformerDecoderBlock<T> block, Tensor<T> x, Tensor<T> keys, Tensor<T> values, int start,
        Tensor<T> memoryKeys, Tensor<T> memoryValues, Tensor<T>? memoryLengths, Tensor<T> y, Tensor<T>? crossWeights)
    {
        var o = block.Options;
        Ensure(x.Dim(0), x.Dim(1), o.EmbeddingSize, o.Heads);
        var be = _backend;
        if (o.NormFirst)
        {
            block.Norm1.Forward(x, _n!);
            SelfAttend(block.SelfAttention, o, _n!, keys, values, start, _a!);
            be.Add(x, _a!, _h!);
            block.Norm2.Forward(_h!, _n!);
            CrossAttend(block.CrossAttention, o, _n!, memoryKeys, memoryValues, memoryLengths, _a!, crossWeights);
            be.Add(_h!, _a!, _h2!);
            block.Norm3.Forward(_h2!, _n!);
            block.FeedForward.Forward(_n!, _f!);
            be.Add(_h2!, _f!, y);
        }
        else
        {
            SelfAttend(block.SelfAttention, o, x, keys, values, start, _a!);
            be.Add(x, _a!, _s!);
            block.Norm1.Forward(_s!, _h!);
            CrossAttend(block.CrossAttention, o, _h!, memoryKeys, memoryValues, memoryLengths, _a!, crossWeights);
            be.Add(_h!, _a!, _s!);
            block.Norm2.Forward(_s!, _h2!);
            block.FeedForward.Forward(_h2!, _f!);
            be.Add(_h2!, _f!, _s!);
            block.Norm3.Forward(_s!, y);
        }
    }

    /// <summary>Self-attention of the new rows over every cached position (causal, diagonal shifted by start).</summary>
    private void SelfAttend(MultiHeadAttention<T> mha, TransformerOptions o, Tensor<T> x, Tensor<T> keys, Tensor<T> values, int start, Tensor<T> output)
    {
        var be = _backend;
        int n = x.Dim(0), batch = x.Dim(1), e = o.EmbeddingSize, d = e / o.Heads, rows = n * batch;
        var qkv = _qkv!;
        if (mha.InProjBias is { } bias) be.BroadcastRows(bias.Value, qkv);
        be.Gemm(Transpose.No, Transpose.Yes, rows, 3 * e, e, T.One, x, e, mha.InProjWeight.Value, e,
            mha.InProjBias is null ? T.Zero : T.One, qkv, 3 * e);
        // Append this step's keys and values after the cached ones: rows (start..start+n)·B of [MaxLength, B, E].
        long at = (long)start * batch * e;
        be.Copy2D(qkv.Slice(e, rows * 3 * e - e), rows, e, 3 * e, keys.Slice(at, rows * e), e);
        be.Copy2D(qkv.Slice(2 * e, rows * 3 * e - 2 * e), rows, e, 3 * e, values.Slice(at, rows * e), e);
        int total = start + n;
        var spec = new AttentionSpec
        {
            Batch = batch, Heads = o.Heads, QueryLength = n, KeyLength = total, HeadSize = d,
            Causal = true, CausalOffset = start, QueryTile = o.QueryTile, KeyTile = o.KeyTile,
            QueryStrides = new AttentionStrides(3L * e, d, (long)batch * 3 * e),
            KeyStrides = new AttentionStrides(e, d, (long)batch * e),
            ValueStrides = new AttentionStrides(e, d, (long)batch * e),
            OutputStrides = new AttentionStrides(e, d, (long)batch * e),
        };
        be.AttentionForward(qkv, keys.Slice(0, total * batch * e), values.Slice(0, total * batch * e), null, spec, _ctx!, _lse!);
        OutProject(mha, rows, e, output);
    }

    /// <summary>Cross-attention of the new rows over the memory's projected keys and values <c>[S, B, E]</c>.</summary>
    private void CrossAttend(MultiHeadAttention<T> mha, TransformerOptions o, Tensor<T> x, Tensor<T> memoryKeys, Tensor<T> memoryValues,
        Tensor<T>? memoryLengths, Tensor<T> output, Tensor<T>? weights)
    {
        var be = _backend;
        int n = x.Dim(0), batch = x.Dim(1), e = o.EmbeddingSize, d = e / o.Heads, rows = n * batch;
        MemoryProjection.Project(be, mha, 0, x, rows, _q!);
        var spec = new AttentionSpec
        {
            Batch = batch, Heads = o.Heads, QueryLength = n, KeyLength = memoryKeys.Dim(0), HeadSize = d,
            QueryTile = o.QueryTile, KeyTile = o.KeyTile,
            QueryStrides = new AttentionStrides(e, d, (long)batch * e),
            KeyStrides = new AttentionStrides(e, d, (long)batch * e),
            ValueStrides = new AttentionStrides(e, d, (long)batch * e),
            OutputStrides = new AttentionStrides(e, d, (long)batch * e),
        };
        be.AttentionForward(_q!, memoryKeys, memoryValues, memoryLengths, spec, _ctx!, _lse!);
        if (weights is not null) be.AttentionWeights(_q!, memoryKeys, memoryLengths, spec, weights);
        OutProject(mha, rows, e, output);
    }

    private void OutProject(MultiHeadAttention<T> mha, int rows, int e, Tensor<T> output)
    {
        var be = _backend;
        if (mha.OutProjBias is { } ob) be.BroadcastRows(ob.Value, output);
        be.Gemm(Transpose.No, Transpose.Yes, rows, e, e, T.One, _ctx!, e, mha.OutProjWeight.Value, e,
            mha.OutProjBias is null ? T.Zero : T.One, output, e);
    }

    private void ReleaseBuffers()
    {
        foreach (var t in new[] { _qkv, _q, _ctx, _lse, _a, _h, _h2, _n, _f, _s }) t?.Dispose();
    }

    public void Dispose()
    {
        ReleaseBuffers();
        foreach (var t in _scratch) t?.Dispose();
    }
}

/// <summary>One third of an attention's input projection applied to rows: <c>y [rows, E] = x·W_iᵀ + b_i</c>
/// (i = 0 queries, 1 keys, 2 values), as <see cref="MultiHeadAttention{T}"/> computes it.</summary>
internal static class MemoryProjection
{
    public static void Project<T>(IBackend<T> be, MultiHeadAttention<T> mha, int third, Tensor<T> x, int rows, Tensor<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int e = mha.Options.EmbeddingSize;
        var w = mha.InProjWeight.Value.Slice((long)third * e * e, e, e);
        var bias = mha.InProjBias?.Value.Slice((long)third * e, e);
        if (bias is not null) be.BroadcastRows(bias, y);
        be.Gemm(Transpose.No, Transpose.Yes, rows, e, e, T.One, x, e, w, e, bias is null ? T.Zero : T.One, y, e);
    }
}
