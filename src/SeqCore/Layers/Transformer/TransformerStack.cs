using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers.Transformer;

/// <summary>
/// Keys and values of every block of a <see cref="TransformerStack{T}"/> for incremental decoding: per block
/// <c>K, V [MaxLength, B, E]</c>, time-major, filled up to <see cref="Length"/>.
/// </summary>
public sealed class KvCache<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    internal KvCache(IBackend<T> backend, int layers, int batch, int maxLength, int dim)
    {
        Batch = batch;
        MaxLength = maxLength;
        Keys = new Tensor<T>[layers];
        Values = new Tensor<T>[layers];
        for (int l = 0; l < layers; l++)
        {
            Keys[l] = backend.Allocate(maxLength, batch, dim);
            Values[l] = backend.Allocate(maxLength, batch, dim);
        }
    }

    /// <summary>Batch entries B.</summary>
    public int Batch { get; }
    /// <summary>Positions the cache can hold.</summary>
    public int MaxLength { get; }
    /// <summary>Positions cached so far (the position of the next token).</summary>
    public int Length { get; internal set; }
    internal Tensor<T>[] Keys { get; }
    internal Tensor<T>[] Values { get; }

    /// <summary>Forgets every cached position (the buffers are kept).</summary>
    public void Reset() => Length = 0;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in Keys) t.Dispose();
        foreach (var t in Values) t.Dispose();
    }
}

/// <summary>
/// A stack of <see cref="TransformerBlock{T}"/>s with an optional final LayerNorm: the decoder-only stack of a GPT-style
/// language model (causal, pre-LN) or an encoder (non-causal, with padding). Names follow PyTorch's
/// <c>nn.TransformerEncoder</c>: <c>layers.{i}.…</c> and <c>norm.weight</c>, <c>norm.bias</c>.
/// </summary>
/// <remarks>
/// <para><see cref="Step"/> decodes incrementally with a <see cref="KvCache{T}"/>: the n new positions are projected,
/// their keys and values appended to the cache, and their queries attend over all cached positions with the causal
/// diagonal shifted by the cached length, so one new token costs O(T·E) per block instead of O(T²·E), and the
/// outputs equal those of <see cref="Forward"/> over the whole sequence (a test checks it).</para>
/// <para>Shapes: <c>[T, B, E]</c> time-major.</para>
/// </remarks>
public sealed class TransformerStack<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly List<Tensor<T>> _arena = new();
    private (int T, int B) _shape = (-1, -1);
    private Tensor<T>[] _between = [];
    private Tensor<T>? _beforeNorm, _dBetween, _dBetween2;
    private readonly CachedStep<T> _step;

    /// <summary>Creates <see cref="TransformerOptions.Layers"/> blocks (and the final norm).</summary>
    public TransformerStack(IBackend<T> backend, TransformerOptions options, RandomStream init, string prefix = "")
    {
        if (options.Layers <= 0) throw new ArgumentException($"TransformerStack: needs at least one layer, got {options.Layers}.");
        _backend = backend;
        Options = options;
        Blocks = Enumerable.Range(0, options.Layers).Select(i => new TransformerBlock<T>(backend, options, init, $"{prefix}layers.{i}.")).ToArray();
        if (options.FinalNorm) FinalNorm = new LayerNorm<T>(backend, options.EmbeddingSize, options.LayerNormEpsilon, prefix: prefix + "norm.");
        Parameters = [.. Blocks.SelectMany(b => b.Parameters), .. FinalNorm?.Parameters ?? []];
        _step = new CachedStep<T>(backend);
    }

    /// <summary>The configuration.</summary>
    public TransformerOptions Options { get; }
    /// <summary>The blocks, first to last.</summary>
    public IReadOnlyList<TransformerBlock<T>> Blocks { get; }
    /// <summary>The final LayerNorm, or null.</summary>
    public LayerNorm<T>? FinalNorm { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    private void Ensure(int steps, int batch)
    {
        if (_shape != (steps, batch)) Allocate(steps, batch);
    }

    /// <summary>The buffers of shape (T, B); apart from <see cref="Ensure"/> because its lambda's closure would be
    /// allocated on every call.</summary>
    private void Allocate(int steps, int batch)
    {
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        _shape = (steps, batch);
        Tensor<T> Buf() { var t = _backend.Allocate(steps, batch, Options.EmbeddingSize); _arena.Add(t); return t; }
        _between = Enumerable.Range(0, Blocks.Count - 1).Select(_ => Buf()).ToArray();
        _beforeNorm = FinalNorm is null ? null : Buf();
        _dBetween = Buf();
        _dBetween2 = Buf();
    }

    /// <summary>
    /// <paramref name="x"/> <c>[T, B, E]</c> → <paramref name="y"/> <c>[T, B, E]</c>, every block in turn, then the final
    /// norm. <paramref name="keyLengths"/>: empty or B lengths (padding). Dropout only with <paramref name="dropout"/>.
    /// </summary>
    public void Forward(Tensor<T> x, ReadOnlySpan<int> keyLengths, Tensor<T> y, RandomStream? dropout = null)
    {
        if (x.Rank != 3 || x.Dim(2) != Options.EmbeddingSize)
            throw new ArgumentException($"TransformerStack.Forward: 'x' has shape {x.ShapeText}; expected [T, B, {Options.EmbeddingSize}].");
        Ensure(x.Dim(0), x.Dim(1));
        Tensor<T> input = x;
        for (int i = 0; i < Blocks.Count; i++)
        {
            bool last = i == Blocks.Count - 1;
            Tensor<T> output = !last ? _between[i] : FinalNorm is null ? y : _beforeNorm!;
            Blocks[i].Forward(input, keyLengths, output, dropout);
            input = output;
        }
        FinalNorm?.Forward(_beforeNorm!, y);
    }

    /// <summary>Backward of the last Forward: accumulates every parameter gradient and writes <paramref name="dx"/>.</summary>
    public void Backward(Tensor<T> dy, Tensor<T> dx)
    {
        if (_dBetween is null) throw new InvalidOperationException("TransformerStack.Backward called before Forward.");
        Tensor<T> grad = dy;
        if (FinalNorm is not null)
        {
            FinalNorm.Backward(_beforeNorm!, dy, _dBetween);
            grad = _dBetween;
        }
        for (int i = Blocks.Count - 1; i >= 0; i--)
        {
            Tensor<T> target = i == 0 ? dx : ReferenceEquals(grad, _dBetween) ? _dBetween2! : _dBetween;
            Blocks[i].Backward(grad, target);
            grad = target;
        }
    }

    /// <summary>A cache for <paramref name="batch"/> sequences of up to <paramref name="maxLength"/> positions.</summary>
    public KvCache<T> CreateCache(int batch, int maxLength)
    {
        if (batch <= 0 || maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(batch), $"TransformerStack.CreateCache: batch and length must be positive, got {batch} and {maxLength}.");
        return new KvCache<T>(_backend, Blocks.Count, batch, maxLength, Options.EmbeddingSize);
    }

    /// <summary>
    /// Incremental decoding (inference, no dropout): <paramref name="x"/> <c>[n, B, E]</c> holds the inputs at positions
    /// <c>cache.Length .. cache.Length + n − 1</c>; <paramref name="y"/> <c>[n, B, E]</c> gets their outputs, the same as
    /// the corresponding rows of <see cref="Forward"/> over the whole sequence. The cache grows by n. Causal stacks only.
    /// </summary>
    public void Step(Tensor<T> x, KvCache<T> cache, Tensor<T> y)
    {
        if (!Options.Causal) throw new InvalidOperationException("TransformerStack.Step: incremental decoding needs a causal stack.");
        if (x.Rank != 3 || x.Dim(2) != Options.EmbeddingSize || x.Dim(1) != cache.Batch || !y.Shape.SequenceEqual(x.Shape))
            throw new ArgumentException($"TransformerStack.Step: 'x' {x.ShapeText} and 'y' {y.ShapeText} must be [n, {cache.Batch}, {Options.EmbeddingSize}].");
        int n = x.Dim(0);
        if (cache.Length + n > cache.MaxLength)
            throw new ArgumentException($"TransformerStack.Step: {n} new positions after {cache.Length} exceed the cache of {cache.MaxLength}.");
        Tensor<T> input = x;
        for (int i = 0; i < Blocks.Count; i++)
        {
            bool last = i == Blocks.Count - 1 && FinalNorm is null;
            Tensor<T> output = last ? y : _step.Scratch(i % 2, n, cache.Batch, Options.EmbeddingSize);
            _step.Block(Blocks[i], input, cache.Keys[i], cache.Values[i], cache.Length, output);
            input = output;
        }
        FinalNorm?.Forward(input, y);
        cache.Length += n;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _arena) t.Dispose();
        _arena.Clear();
        foreach (var b in Blocks) b.Dispose();
        FinalNorm?.Dispose();
        _step.Dispose();
    }
}

/// <summary>Sizes of a <see cref="TransformerStack{T}"/> known before it is built.</summary>
public static class TransformerStack
{
    /// <summary>Elements of the parameters a <see cref="TransformerStack{T}"/> creates: its blocks and the final norm;
    /// <see cref="OverflowException"/> instead of wrapping.</summary>
    public static long CountParameters(TransformerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return checked(options.Layers * TransformerBlock.CountParameters(options)
            + (options.FinalNorm ? LayerNorm.CountParameters(options.EmbeddingSize) : 0));
    }
}
