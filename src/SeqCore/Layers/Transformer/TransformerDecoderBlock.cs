using System.Numerics;
using SeqCore.Layers.Attention;
using SeqCore.Random;

namespace SeqCore.Layers.Transformer;

/// <summary>
/// One decoder block of an encoder–decoder transformer with explicit Forward and Backward: causal self-attention,
/// cross-attention over the encoder memory (source padding hidden through key lengths) and a GELU feed-forward block,
/// each with a residual connection and a LayerNorm, pre-LN or post-LN. Parameter names follow PyTorch's
/// <c>nn.TransformerDecoderLayer</c> (<c>self_attn.*</c>, <c>multihead_attn.*</c>, <c>linear1.*</c>, <c>linear2.*</c>,
/// <c>norm1.*</c>, <c>norm2.*</c>, <c>norm3.*</c>), with a prefix such as <c>layers.0.</c>, so a state dict loads as is.
/// </summary>
/// <remarks>
/// <para>Pre-LN: <c>h1 = x + Drop(SA(LN1(x)))</c>, <c>h2 = h1 + Drop(CA(LN2(h1), m))</c>, <c>y = h2 + Drop(FF(LN3(h2)))</c>.
/// Post-LN: <c>h1 = LN1(x + Drop(SA(x)))</c>, <c>h2 = LN2(h1 + Drop(CA(h1, m)))</c>, <c>y = LN3(h2 + Drop(FF(h2)))</c>.
/// SA is causal (PyTorch's <c>tgt_mask</c> from <c>generate_square_subsequent_mask</c>); CA takes the memory's key
/// lengths (<c>memory_key_padding_mask</c>). Target padding needs no mask: with right padding and a causal mask a real
/// position never sees a padded one.</para>
/// <para>Shapes: <c>x, y [T, B, E]</c>, memory <c>[S, B, E]</c>, time-major. <see cref="Options"/>' <c>Causal</c> and
/// <c>Layers</c> are not read. Buffers are reused while (T, S, B) stays the same.</para>
/// </remarks>
public sealed class TransformerDecoderBlock<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly Dropout<T>? _drop1, _drop2, _drop3;
    private readonly List<Tensor<T>> _arena = new();
    private (int T, int B) _shape = (-1, -1);
    // Pre-LN: n_i = LN_i(input of sublayer i), s unused. Post-LN: s_i = residual sums, n unused.
    private Tensor<T> _n1 = null!, _n2 = null!, _n3 = null!, _s1 = null!, _s2 = null!, _s3 = null!, _h1 = null!, _h2 = null!;
    private Tensor<T> _a = null!, _ad = null!, _c = null!, _cd = null!, _f = null!, _fd = null!;
    private Tensor<T> _g1 = null!, _g2 = null!, _g3 = null!, _g4 = null!;
    private Tensor<T>? _dMemory;
    private Tensor<T>? _x, _memory;

    /// <summary>Creates the block; parameter names get <paramref name="prefix"/> (e.g. <c>layers.0.</c>).</summary>
    public TransformerDecoderBlock(IBackend<T> backend, TransformerOptions options, RandomStream init, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.EmbeddingSize <= 0 || options.Heads <= 0 || options.EmbeddingSize % options.Heads != 0)
            throw new ArgumentException($"TransformerDecoderBlock: width {options.EmbeddingSize} must be positive and divisible by {options.Heads} heads.");
        if (options.Dropout is < 0 or >= 1) throw new ArgumentException($"TransformerDecoderBlock: dropout must be in [0, 1), got {options.Dropout}.");
        _backend = backend;
        Options = options;
        var attention = new MultiHeadAttentionOptions
        {
            EmbeddingSize = options.EmbeddingSize, Heads = options.Heads, QueryTile = options.QueryTile, KeyTile = options.KeyTile,
        };
        SelfAttention = new MultiHeadAttention<T>(backend, attention, init, prefix + "self_attn.");
        CrossAttention = new MultiHeadAttention<T>(backend, attention, init, prefix + "multihead_attn.");
        FeedForward = new FeedForward<T>(backend, options.EmbeddingSize, options.EffectiveFeedForwardSize, init, options.Activation, options.Dropout, prefix: prefix);
        Norm1 = new LayerNorm<T>(backend, options.EmbeddingSize, options.LayerNormEpsilon, prefix: prefix + "norm1.");
        Norm2 = new LayerNorm<T>(backend, options.EmbeddingSize, options.LayerNormEpsilon, prefix: prefix + "norm2.");
        Norm3 = new LayerNorm<T>(backend, options.EmbeddingSize, options.LayerNormEpsilon, prefix: prefix + "norm3.");
        if (options.Dropout > 0)
        {
            _drop1 = new Dropout<T>(backend, options.Dropout);
            _drop2 = new Dropout<T>(backend, options.Dropout);
            _drop3 = new Dropout<T>(backend, options.Dropout);
        }
        Parameters = [.. SelfAttention.Parameters, .. CrossAttention.Parameters, .. FeedForward.Parameters,
            .. Norm1.Parameters, .. Norm2.Parameters, .. Norm3.Parameters];
    }

    /// <summary>The configuration.</summary>
    public TransformerOptions Options { get; }
    /// <summary>The causal self-attention.</summary>
    public MultiHeadAttention<T> SelfAttention { get; }
    /// <summary>The cross-attention over the encoder memory.</summary>
    public MultiHeadAttention<T> CrossAttention { get; }
    /// <summary>The feed-forward block.</summary>
    public FeedForward<T> FeedForward { get; }
    /// <summary>The LayerNorm of the self-attention sublayer.</summary>
    public LayerNorm<T> Norm1 { get; }
    /// <summary>The LayerNorm of the cross-attention sublayer.</summary>
    public LayerNorm<T> Norm2 { get; }
    /// <summary>The LayerNorm of the feed-forward sublayer.</summary>
    public LayerNorm<T> Norm3 { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    private void Ensure(int steps, int batch, Tensor<T> memory)
    {
        if (_dMemory is null || !_dMemory.Shape.SequenceEqual(memory.Shape))
        {
            _dMemory?.Dispose();
            _dMemory = _backend.Allocate(memory.Shape.ToArray());
        }
        if (_shape == (steps, batch)) return;
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _shape = (steps, batch);
        Tensor<T> Buf() { var t = _backend.Allocate(steps, batch, Options.EmbeddingSize); _arena.Add(t); return t; }
        _n1 = Buf(); _n2 = Buf(); _n3 = Buf(); _s1 = Buf(); _s2 = Buf(); _s3 = Buf(); _h1 = Buf(); _h2 = Buf();
        _a = Buf(); _c = Buf(); _f = Buf();
        _ad = _drop1 is null ? _a : Buf();
        _cd = _drop2 is null ? _c : Buf();
        _fd = _drop3 is null ? _f : Buf();
        _g1 = Buf(); _g2 = Buf(); _g3 = Buf(); _g4 = Buf();
    }

    /// <summary>
    /// <paramref name="x"/> <c>[T, B, E]</c> → <paramref name="y"/> <c>[T, B, E]</c> (must not be x), attending over
    /// <paramref name="memory"/> <c>[S, B, E]</c>. <paramref name="memoryLengths"/>: empty, or B valid source lengths
    /// (right padding). Dropout only when <paramref name="dropout"/> is given (training). x and memory must not change
    /// before <see cref="Backward"/>.
    /// </summary>
    public void Forward(Tensor<T> x, Tensor<T> memory, ReadOnlySpan<int> memoryLengths, Tensor<T> y, RandomStream? dropout = null)
    {
        int e = Options.EmbeddingSize;
        if (x.Rank != 3 || x.Dim(2) != e || !y.Shape.SequenceEqual(x.Shape))
            throw new ArgumentException($"TransformerDecoderBlock.Forward: 'x' {x.ShapeText} and 'y' {y.ShapeText} must both be [T, B, {e}].");
        if (memory.Rank != 3 || memory.Dim(1) != x.Dim(1) || memory.Dim(2) != e)
            throw new ArgumentException($"TransformerDecoderBlock.Forward: 'memory' {memory.ShapeText} must be [S, {x.Dim(1)}, {e}].");
        Ensure(x.Dim(0), x.Dim(1), memory);
        _x = x;
        _memory = memory;
        var be = _backend;
        if (Options.NormFirst)
        {
            Norm1.Forward(x, _n1);
            SelfAttention.Forward(_n1, _n1, _n1, [], causal: true, _a);
            _drop1?.Forward(_a, _ad, dropout);
            be.Add(x, _ad, _h1);
            Norm2.Forward(_h1, _n2);
            CrossAttention.Forward(_n2, memory, memory, memoryLengths, causal: false, _c);
            _drop2?.Forward(_c, _cd, dropout);
            be.Add(_h1, _cd, _h2);
            Norm3.Forward(_h2, _n3);
            FeedForward.Forward(_n3, _f, dropout);
            _drop3?.Forward(_f, _fd, dropout);
            be.Add(_h2, _fd, y);
        }
        else
        {
            SelfAttention.Forward(x, x, x, [], causal: true, _a);
            _drop1?.Forward(_a, _ad, dropout);
            be.Add(x, _ad, _s1);
            Norm1.Forward(_s1, _h1);
            CrossAttention.Forward(_h1, memory, memory, memoryLengths, causal: false, _c);
            _drop2?.Forward(_c, _cd, dropout);
            be.Add(_h1, _cd, _s2);
            Norm2.Forward(_s2, _h2);
            FeedForward.Forward(_h2, _f, dropout);
            _drop3?.Forward(_f, _fd, dropout);
            be.Add(_h2, _fd, _s3);
            Norm3.Forward(_s3, y);
        }
    }

    /// <summary>
    /// Backward of the last Forward: accumulates every parameter gradient, writes <paramref name="dx"/> <c>[T, B, E]</c>
    /// and adds the memory's gradient to <paramref name="dMemory"/> <c>[S, B, E]</c> (the memory feeds every block of a
    /// stack, so its gradients sum).
    /// </summary>
    public void Backward(Tensor<T> dy, Tensor<T> dx, Tensor<T> dMemory)
    {
        var x = _x ?? throw new InvalidOperationException("TransformerDecoderBlock.Backward called before Forward.");
        if (!dy.Shape.SequenceEqual(x.Shape) || !dx.Shape.SequenceEqual(x.Shape))
            throw new ArgumentException($"TransformerDecoderBlock.Backward: 'dy' {dy.ShapeText} and 'dx' {dx.ShapeText} must have the input's shape {x.ShapeText}.");
        if (!dMemory.Shape.SequenceEqual(_memory!.Shape))
            throw new ArgumentException($"TransformerDecoderBlock.Backward: 'dMemory' {dMemory.ShapeText} must have the memory's shape {_memory.ShapeText}.");
        var be = _backend;
        var dMem = _dMemory!;
        if (Options.NormFirst)
        {
            // y = h2 + Drop(FF(LN3(h2))): dh2 = dy + LN3ᵀ(FFᵀ(Dropᵀ(dy))).
            FeedForward.Backward(_n3, Dropped(_drop3, dy), _g2);
            Norm3.Backward(_h2, _g2, _g3);
            be.Add(dy, _g3, _g3);
            // h2 = h1 + Drop(CA(LN2(h1), m)): dh1 = dh2 + LN2ᵀ(CAᵀ_q(·)), dm += CAᵀ_k,v(·).
            CrossAttention.Backward(Dropped(_drop2, _g3), _g2, dMem, dMem);
            be.Add(dMemory, dMem, dMemory);
            Norm2.Backward(_h1, _g2, _g4);
            be.Add(_g3, _g4, _g4);
            // h1 = x + Drop(SA(LN1(x))): dx = dh1 + LN1ᵀ(SAᵀ(·)).
            SelfAttention.Backward(Dropped(_drop1, _g4), _g2);
            Norm1.Backward(x, _g2, dx);
            be.Add(dx, _g4, dx);
        }
        else
        {
            // y = LN3(s3), s3 = h2 + Drop(FF(h2)): dh2 = ds3 + FFᵀ(Dropᵀ(ds3)).
            Norm3.Backward(_s3, dy, _g3);
            FeedForward.Backward(_h2, Dropped(_drop3, _g3), _g2);
            be.Add(_g3, _g2, _g2);
            // h2 = LN2(s2), s2 = h1 + Drop(CA(h1, m)).
            Norm2.Backward(_s2, _g2, _g3);
            CrossAttention.Backward(Dropped(_drop2, _g3), _g2, dMem, dMem);
            be.Add(dMemory, dMem, dMemory);
            be.Add(_g3, _g2, _g2);
            // h1 = LN1(s1), s1 = x + Drop(SA(x)).
            Norm1.Backward(_s1, _g2, _g3);
            SelfAttention.Backward(Dropped(_drop1, _g3), dx);
            be.Add(dx, _g3, dx);
        }
    }

    /// <summary>The gradient through a dropout (into the scratch <c>_g1</c>), or <paramref name="dy"/> itself without one.</summary>
    private Tensor<T> Dropped(Dropout<T>? drop, Tensor<T> dy)
    {
        if (drop is null) return dy;
        drop.Backward(dy, _g1);
        return _g1;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _dMemory?.Dispose();
        SelfAttention.Dispose(); CrossAttention.Dispose(); FeedForward.Dispose();
        Norm1.Dispose(); Norm2.Dispose(); Norm3.Dispose();
        _drop1?.Dispose(); _drop2?.Dispose(); _drop3?.Dispose();
    }
}

/// <summary>Sizes of a <see cref="TransformerDecoderBlock{T}"/> known before it is built.</summary>
public static class TransformerDecoderBlock
{
    /// <summary>Elements of the parameters one <see cref="TransformerDecoderBlock{T}"/> creates: two attentions (with
    /// biases), the feed-forward block and three LayerNorms; <see cref="OverflowException"/> instead of wrapping.</summary>
    public static long CountParameters(TransformerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return checked(2 * MultiHeadAttention.CountParameters(new MultiHeadAttentionOptions { EmbeddingSize = options.EmbeddingSize })
            + FeedForward.CountParameters(options.EmbeddingSize, options.EffectiveFeedForwardSize)
            + 3 * LayerNorm.CountParameters(options.EmbeddingSize));
    }
}
