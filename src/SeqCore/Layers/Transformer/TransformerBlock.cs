using System.Numerics;
using SeqCore.Layers.Attention;
using SeqCore.Random;

namespace SeqCore.Layers.Transformer;

/// <summary>Configuration of a <see cref="TransformerBlock{T}"/> (and of each block of a <see cref="TransformerStack{T}"/>).</summary>
public sealed record TransformerOptions
{
    /// <summary>Model width E (the embedding width).</summary>
    public int EmbeddingSize { get; init; }
    /// <summary>Attention heads (E must be divisible by it).</summary>
    public int Heads { get; init; } = 1;
    /// <summary>Hidden width of the feed-forward block; 0 means 4·E.</summary>
    public int FeedForwardSize { get; init; }
    /// <summary>Blocks in a <see cref="TransformerStack{T}"/>.</summary>
    public int Layers { get; init; } = 1;
    /// <summary>Causal self-attention (a decoder block, GPT-2 style); false for an encoder block.</summary>
    public bool Causal { get; init; } = true;
    /// <summary>Pre-LN (<c>x + f(LN(x))</c>, GPT-2, PyTorch's <c>norm_first=True</c>); false for post-LN (<c>LN(x + f(x))</c>).</summary>
    public bool NormFirst { get; init; } = true;
    /// <summary>Dropout after the attention and after the feed-forward block, and inside it after the activation.</summary>
    public double Dropout { get; init; }
    /// <summary>GELU of the feed-forward block (exact as PyTorch's <c>activation="gelu"</c>, or tanh as GPT-2).</summary>
    public GeluApproximation Activation { get; init; } = GeluApproximation.None;
    /// <summary>LayerNorm epsilon.</summary>
    public double LayerNormEpsilon { get; init; } = 1e-5;
    /// <summary>A final LayerNorm after the last block of a stack (GPT-2's <c>ln_f</c>); pre-LN stacks want it.</summary>
    public bool FinalNorm { get; init; } = true;
    /// <summary>Attention query tile (0 = backend default).</summary>
    public int QueryTile { get; init; }
    /// <summary>Attention key tile (0 = backend default).</summary>
    public int KeyTile { get; init; }

    /// <summary><see cref="FeedForwardSize"/> with the default applied.</summary>
    public int EffectiveFeedForwardSize => FeedForwardSize > 0 ? FeedForwardSize : checked(4 * EmbeddingSize);
}

/// <summary>
/// One transformer block with explicit Forward and Backward: self-attention and a GELU feed-forward block, each with
/// a residual connection and a LayerNorm, pre-LN or post-LN. Parameter names follow PyTorch's
/// <c>nn.TransformerEncoderLayer</c> (<c>self_attn.in_proj_weight</c>, <c>self_attn.out_proj.weight</c>,
/// <c>linear1.weight</c>, <c>linear2.weight</c>, <c>norm1.weight</c>, <c>norm2.weight</c> and biases), with a prefix
/// such as <c>layers.0.</c> inside a stack, so a PyTorch state dict loads as is.
/// </summary>
/// <remarks>
/// <para>Pre-LN: <c>h = x + Drop(SA(LN1(x)))</c>, <c>y = h + Drop(FF(LN2(h)))</c>. Post-LN: <c>h = LN1(x + Drop(SA(x)))</c>,
/// <c>y = LN2(h + Drop(FF(h)))</c>. SA is <see cref="MultiHeadAttention{T}"/> (causal for a decoder block; key lengths
/// for padded batches), FF is <see cref="FeedForward{T}"/> (dropout after its activation as PyTorch).</para>
/// <para>Shapes: <c>x, y [T, B, E]</c> time-major. Buffers are reused while (T, B) stays the same.</para>
/// </remarks>
public sealed class TransformerBlock<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly Dropout<T>? _drop1, _drop2;
    private readonly List<Tensor<T>> _arena = new();
    private (int T, int B) _shape = (-1, -1);
    // Pre-LN: n1 = LN1(x), a = SA(n1), h = x + Drop(a), n2 = LN2(h), f = FF(n2).
    // Post-LN: a = SA(x), s1 = x + Drop(a), h = LN1(s1), f = FF(h), s2 = h + Drop(f), y = LN2(s2).
    private Tensor<T> _n1 = null!, _a = null!, _ad = null!, _h = null!, _n2 = null!, _f = null!, _fd = null!, _s = null!;
    private Tensor<T> _g1 = null!, _g2 = null!, _g3 = null!;
    private Tensor<T>? _x;

    /// <summary>Creates the block; parameter names get <paramref name="prefix"/> (e.g. <c>layers.0.</c>).</summary>
    public TransformerBlock(IBackend<T> backend, TransformerOptions options, RandomStream init, string prefix = "")
    {
        if (options.EmbeddingSize <= 0 || options.Heads <= 0 || options.EmbeddingSize % options.Heads != 0)
            throw new ArgumentException($"TransformerBlock: width {options.EmbeddingSize} must be positive and divisible by {options.Heads} heads.");
        if (options.Dropout is < 0 or >= 1) throw new ArgumentException($"TransformerBlock: dropout must be in [0, 1), got {options.Dropout}.");
        _backend = backend;
        Options = options;
        Attention = new MultiHeadAttention<T>(backend, new MultiHeadAttentionOptions
        {
            EmbeddingSize = options.EmbeddingSize, Heads = options.Heads, QueryTile = options.QueryTile, KeyTile = options.KeyTile,
        }, init, prefix + "self_attn.");
        FeedForward = new FeedForward<T>(backend, options.EmbeddingSize, options.EffectiveFeedForwardSize, init, options.Activation, options.Dropout, prefix: prefix);
        Norm1 = new LayerNorm<T>(backend, options.EmbeddingSize, options.LayerNormEpsilon, prefix: prefix + "norm1.");
        Norm2 = new LayerNorm<T>(backend, options.EmbeddingSize, options.LayerNormEpsilon, prefix: prefix + "norm2.");
        if (options.Dropout > 0)
        {
            _drop1 = new Dropout<T>(backend, options.Dropout);
            _drop2 = new Dropout<T>(backend, options.Dropout);
        }
        Parameters = [.. Attention.Parameters, .. FeedForward.Parameters, .. Norm1.Parameters, .. Norm2.Parameters];
    }

    /// <summary>The configuration.</summary>
    public TransformerOptions Options { get; }
    /// <summary>The self-attention.</summary>
    public MultiHeadAttention<T> Attention { get; }
    /// <summary>The feed-forward block.</summary>
    public FeedForward<T> FeedForward { get; }
    /// <summary>The LayerNorm before (pre-LN) or after (post-LN) the attention.</summary>
    public LayerNorm<T> Norm1 { get; }
    /// <summary>The LayerNorm before (pre-LN) or after (post-LN) the feed-forward block.</summary>
    public LayerNorm<T> Norm2 { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    private void Ensure(int steps, int batch)
    {
        if (_shape == (steps, batch)) return;
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _shape = (steps, batch);
        Tensor<T> Buf() { var t = _backend.Allocate(steps, batch, Options.EmbeddingSize); _arena.Add(t); return t; }
        _n1 = Buf(); _a = Buf(); _h = Buf(); _n2 = Buf(); _f = Buf(); _s = Buf();
        _ad = _drop1 is null ? _a : Buf();
        _fd = _drop2 is null ? _f : Buf();
        _g1 = Buf(); _g2 = Buf(); _g3 = Buf();
    }

    /// <summary>
    /// <paramref name="x"/> <c>[T, B, E]</c> → <paramref name="y"/> <c>[T, B, E]</c> (must not be x).
    /// <paramref name="keyLengths"/>: empty, or B valid lengths (right padding). Dropout only when
    /// <paramref name="dropout"/> is given (training).
    /// </summary>
    public void Forward(Tensor<T> x, ReadOnlySpan<int> keyLengths, Tensor<T> y, RandomStream? dropout = null)
    {
        if (x.Rank != 3 || x.Dim(2) != Options.EmbeddingSize || !y.Shape.SequenceEqual(x.Shape))
            throw new ArgumentException($"TransformerBlock.Forward: 'x' {x.ShapeText} and 'y' {y.ShapeText} must both be [T, B, {Options.EmbeddingSize}].");
        Ensure(x.Dim(0), x.Dim(1));
        _x = x;
        var be = _backend;
        if (Options.NormFirst)
        {
            Norm1.Forward(x, _n1);
            Attention.Forward(_n1, _n1, _n1, keyLengths, Options.Causal, _a);
            _drop1?.Forward(_a, _ad, dropout);
            be.Add(x, _ad, _h);
            Norm2.Forward(_h, _n2);
            FeedForward.Forward(_n2, _f, dropout);
            _drop2?.Forward(_f, _fd, dropout);
            be.Add(_h, _fd, y);
        }
        else
        {
            Attention.Forward(x, x, x, keyLengths, Options.Causal, _a);
            _drop1?.Forward(_a, _ad, dropout);
            be.Add(x, _ad, _n1);           // s1
            Norm1.Forward(_n1, _h);
            FeedForward.Forward(_h, _f, dropout);
            _drop2?.Forward(_f, _fd, dropout);
            be.Add(_h, _fd, _s);           // s2
            Norm2.Forward(_s, y);
        }
    }

    /// <summary>Backward of the last Forward: accumulates every parameter gradient and writes <paramref name="dx"/> <c>[T, B, E]</c>.</summary>
    public void Backward(Tensor<T> dy, Tensor<T> dx)
    {
        var x = _x ?? throw new InvalidOperationException("TransformerBlock.Backward called before Forward.");
        if (!dy.Shape.SequenceEqual(x.Shape) || !dx.Shape.SequenceEqual(x.Shape))
            throw new ArgumentException($"TransformerBlock.Backward: 'dy' {dy.ShapeText} and 'dx' {dx.ShapeText} must have the input's shape {x.ShapeText}.");
        var be = _backend;
        if (Options.NormFirst)
        {
            // y = h + Drop(FF(LN2(h))): dh = dy + LN2ᵀ(FFᵀ(Dropᵀ(dy))).
            Tensor<T> df = dy;
            if (_drop2 is not null) { _drop2.Backward(dy, _g1); df = _g1; }
            FeedForward.Backward(_n2, df, _g2);
            Norm2.Backward(_h, _g2, _g3);
            be.Add(dy, _g3, _g3);          // dh
            // h = x + Drop(SA(LN1(x))): dx = dh + LN1ᵀ(SAᵀ(Dropᵀ(dh))).
            Tensor<T> da = _g3;
            if (_drop1 is not null) { _drop1.Backward(_g3, _g1); da = _g1; }
            Attention.Backward(da, _g2);
            Norm1.Backward(x, _g2, dx);
            be.Add(dx, _g3, dx);
        }
        else
        {
            Norm2.Backward(_s, dy, _g3);   // ds2
            Tensor<T> df = _g3;
            if (_drop2 is not null) { _drop2.Backward(_g3, _g1); df = _g1; }
            FeedForward.Backward(_h, df, _g2);
            be.Add(_g3, _g2, _g2);         // dh = ds2 + FFᵀ
            Norm1.Backward(_n1, _g2, _g3); // ds1
            Tensor<T> da = _g3;
            if (_drop1 is not null) { _drop1.Backward(_g3, _g1); da = _g1; }
            Attention.Backward(da, dx);
            be.Add(dx, _g3, dx);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        Attention.Dispose(); FeedForward.Dispose(); Norm1.Dispose(); Norm2.Dispose();
        _drop1?.Dispose(); _drop2?.Dispose();
    }
}

/// <summary>Sizes of a <see cref="TransformerBlock{T}"/> known before it is built.</summary>
public static class TransformerBlock
{
    /// <summary>Elements of the parameters one <see cref="TransformerBlock{T}"/> creates: self-attention (with biases),
    /// the feed-forward block and two LayerNorms; <see cref="OverflowException"/> instead of wrapping.</summary>
    public static long CountParameters(TransformerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return checked(MultiHeadAttention.CountParameters(new MultiHeadAttentionOptions { EmbeddingSize = options.EmbeddingSize })
            + FeedForward.CountParameters(options.EmbeddingSize, options.EffectiveFeedForwardSize)
            + 2 * LayerNorm.CountParameters(options.EmbeddingSize));
    }
}
