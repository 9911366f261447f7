using System.Numerics;

namespace SeqCore.Layers.Transformer;

/// <summary>
/// One block's forward for n new positions against a KV cache (inference only: it reuses the block's LayerNorm and
/// feed-forward buffers, so it must not run between a Forward and its Backward).
/// </summary>
internal sealed class CachedStep<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly Tensor<T>?[] _scratch = new Tensor<T>?[2];
    private Tensor<T>? _qkv, _ctx, _lse, _a, _h, _n, _f, _s;
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
        _ctx = _backend.Allocate(n, batch, dim);
        _lse = _backend.Allocate(batch, heads, n);
        _a = _backend.Allocate(n, batch, dim);
        _h = _backend.Allocate(n, batch, dim);
        _n = _backend.Allocate(n, batch, dim);
        _f = _backend.Allocate(n, batch, dim);
        _s = _backend.Allocate(n, batch, dim);
    }

    /// <summary>Runs <paramref name="block"/> on x <c>[n, B, E]</c> at positions <c>start ..</c>, appending to the cache.</summary>
    public void Block(TransformerBlock<T> block, Tensor<T> x, Tensor<T> keys, Tensor<T> values, int start, Tensor<T> y)
    {
        var o = block.Options;
        int n = x.Dim(0), batch = x.Dim(1), e = o.EmbeddingSize;
        Ensure(n, batch, e, o.Heads);
        var be = _backend;
        if (o.NormFirst)
        {
            block.Norm1.Forward(x, _n!);
            Attend(block, _n!, keys, values, start, _a!);
            be.Add(x, _a!, _h!);
            block.Norm2.Forward(_h!, _n!);
            block.FeedForward.Forward(_n!, _f!);
            be.Add(_h!, _f!, y);
        }
        else
        {
            Attend(block, x, keys, values, start, _a!);
            be.Add(x, _a!, _s!);
            block.Norm1.Forward(_s!, _h!);
            block.FeedForward.Forward(_h!, _f!);
            be.Add(_h!, _f!, _s!);
            block.Norm2.Forward(_s!, y);
        }
    }

    /// <summary>Self-attention of the new rows over every cached position (causal, diagonal shifted by start).</summary>
    private void Attend(TransformerBlock<T> block, Tensor<T> x, Tensor<T> keys, Tensor<T> values, int start, Tensor<T> output)
    {
        var be = _backend;
        var mha = block.Attention;
        int n = x.Dim(0), batch = x.Dim(1), e = block.Options.EmbeddingSize, heads = block.Options.Heads, d = e / heads, rows = n * batch;
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
            Batch = batch, Heads = heads, QueryLength = n, KeyLength = total, HeadSize = d,
            Causal = true, CausalOffset = start, QueryTile = block.Options.QueryTile, KeyTile = block.Options.KeyTile,
            QueryStrides = new AttentionStrides(3L * e, d, (long)batch * 3 * e),
            KeyStrides = new AttentionStrides(e, d, (long)batch * e),
            ValueStrides = new AttentionStrides(e, d, (long)batch * e),
            OutputStrides = new AttentionStrides(e, d, (long)batch * e),
        };
        be.AttentionForward(qkv, keys.Slice(0, total * batch * e), values.Slice(0, total * batch * e), null, spec, _ctx!, _lse!);
        if (mha.OutProjBias is { } ob) be.BroadcastRows(ob.Value, output);
        be.Gemm(Transpose.No, Transpose.Yes, rows, e, e, T.One, _ctx!, e, mha.OutProjWeight.Value, e,
            mha.OutProjBias is null ? T.Zero : T.One, output, e);
    }

    private void ReleaseBuffers()
    {
        foreach (var t in new[] { _qkv, _ctx, _lse, _a, _h, _n, _f, _s }) t?.Dispose();
    }

    public void Dispose()
    {
        ReleaseBuffers();
        foreach (var t in _scratch) t?.Dispose();
    }
}
