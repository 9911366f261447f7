using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers.Transformer;

/// <summary>
/// The state of incremental decoding with a <see cref="TransformerDecoderStack{T}"/> for B rows: per block the
/// self-attention keys and values <c>[MaxLength, B, E]</c> filled up to <see cref="Length"/>, and the cross-attention
/// keys and values of the encoder memory <c>[S, B, E]</c>, projected once when the cache is made, with the memory's
/// key lengths.
/// </summary>
public sealed class DecoderCache<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly Tensor<T> _scratch;
    private readonly T[] _hostLengths;
    private int[] _index = [];

    internal DecoderCache(IBackend<T> backend, int layers, int batch, int maxLength, int sourceLength, int dim, ReadOnlySpan<int> memoryLengths)
    {
        _backend = backend;
        Batch = batch;
        MaxLength = maxLength;
        SourceLength = sourceLength;
        Tensor<T>[] Make(int steps) => [.. Enumerable.Range(0, layers).Select(_ => backend.Allocate(steps, batch, dim))];
        Keys = Make(maxLength);
        Values = Make(maxLength);
        MemoryKeys = Make(sourceLength);
        MemoryValues = Make(sourceLength);
        _scratch = backend.Allocate(Math.Max(maxLength, sourceLength) * batch, dim);
        _hostLengths = new T[batch];
        bool padded = false;
        for (int b = 0; b < batch; b++)
        {
            _hostLengths[b] = T.CreateTruncating(memoryLengths.IsEmpty ? sourceLength : memoryLengths[b]);
            padded |= !memoryLengths.IsEmpty && memoryLengths[b] != sourceLength;
        }
        if (padded) MemoryLengths = backend.FromHost(_hostLengths, batch);
    }

    /// <summary>Rows B.</summary>
    public int Batch { get; }
    /// <summary>Target positions the cache can hold.</summary>
    public int MaxLength { get; }
    /// <summary>Source positions S of the memory.</summary>
    public int SourceLength { get; }
    /// <summary>Target positions cached so far (the position of the next token).</summary>
    public int Length { get; internal set; }
    internal Tensor<T>[] Keys { get; }
    internal Tensor<T>[] Values { get; }
    internal Tensor<T>[] MemoryKeys { get; }
    internal Tensor<T>[] MemoryValues { get; }
    /// <summary><c>[B]</c> source lengths as values of T, or null when no row is padded.</summary>
    internal Tensor<T>? MemoryLengths { get; }

    /// <summary>Forgets every cached target position (the memory's keys and values stay).</summary>
    public void Reset() => Length = 0;

    /// <summary>Row b of everything cached (target positions, memory keys and values, source length) becomes a copy
    /// of row <c>parents[b]</c> (beam search keeping some hypotheses and dropping others).</summary>
    public void Reorder(ReadOnlySpan<int> parents)
    {
        if (parents.Length != Batch) throw new ArgumentException($"DecoderCache.Reorder: {parents.Length} parents for {Batch} rows.");
        foreach (int p in parents)
            if ((uint)p >= (uint)Batch) throw new ArgumentOutOfRangeException(nameof(parents), $"DecoderCache.Reorder: parent {p} is outside the {Batch} rows.");
        for (int l = 0; l < Keys.Length; l++)
        {
            ReorderRows(Keys[l], Length, parents);
            ReorderRows(Values[l], Length, parents);
            ReorderRows(MemoryKeys[l], SourceLength, parents);
            ReorderRows(MemoryValues[l], SourceLength, parents);
        }
        if (MemoryLengths is not null)
        {
            var old = (T[])_hostLengths.Clone();
            for (int b = 0; b < Batch; b++) _hostLengths[b] = old[parents[b]];
            _backend.CopyFromHost(_hostLengths, MemoryLengths);
        }
    }

    /// <summary>In <c>[steps, B, E]</c>: <c>t[s, b] = t[s, parents[b]]</c> for s &lt; <paramref name="steps"/>, by one gather.</summary>
    private void ReorderRows(Tensor<T> t, int steps, ReadOnlySpan<int> parents)
    {
        if (steps == 0) return;
        int rows = steps * Batch, dim = t.Dim(2);
        if (_index.Length < rows) _index = new int[Math.Max(MaxLength, SourceLength) * Batch];
        for (int s = 0; s < steps; s++)
            for (int b = 0; b < Batch; b++) _index[s * Batch + b] = s * Batch + parents[b];
        var table = t.Slice(0, rows, dim);
        var gathered = _scratch.Slice(0, rows, dim);
        _backend.Gather(table, _index.AsSpan(0, rows), gathered);
        _backend.Copy(gathered, table);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in Keys.Concat(Values).Concat(MemoryKeys).Concat(MemoryValues)) t.Dispose();
        _scratch.Dispose();
        MemoryLengths?.Dispose();
    }
}

/// <summary>
/// A stack of <see cref="TransformerDecoderBlock{T}"/>s with an optional final LayerNorm, named as PyTorch's
/// <c>nn.TransformerDecoder</c>: <c>layers.{i}.…</c> and <c>norm.weight</c>, <c>norm.bias</c>. Every block attends over
/// the same encoder memory.
/// </summary>
/// <remarks>
/// <para><see cref="Step"/> decodes incrementally with a <see cref="DecoderCache{T}"/> (<see cref="CreateCache"/>): the n
/// new positions' keys and values are appended to each block's self-attention cache and their queries attend over all
/// cached positions; the cross-attention reads the memory's keys and values projected once per source batch. The
/// outputs equal those of <see cref="Forward"/> over the whole sequence (a test checks it).</para>
/// <para>Shapes: <c>[T, B, E]</c> and memory <c>[S, B, E]</c>, time-major.</para>
/// </remarks>
public sealed class TransformerDecoderStack<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly List<Tensor<T>> _arena = new();
    private (int T, int B) _shape = (-1, -1);
    private Tensor<T>[] _between = [];
    private Tensor<T>? _beforeNorm, _dBetween, _dBetween2;
    private readonly CachedStep<T> _step;

    /// <summary>Creates <see cref="TransformerOptions.Layers"/> decoder blocks (and the final norm).</summary>
    public TransformerDecoderStack(IBackend<T> backend, TransformerOptions options, RandomStream init, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Layers <= 0) throw new ArgumentException($"TransformerDecoderStack: needs at least one layer, got {options.Layers}.");
        _backend = backend;
        Options = options;
        Blocks = [.. Enumerable.Range(0, options.Layers).Select(i => new TransformerDecoderBlock<T>(backend, options, init, $"{prefix}layers.{i}."))];
        if (options.FinalNorm) FinalNorm = new LayerNorm<T>(backend, options.EmbeddingSize, options.LayerNormEpsilon, prefix: prefix + "norm.");
        Parameters = [.. Blocks.SelectMany(b => b.Parameters), .. FinalNorm?.Parameters ?? []];
        _step = new CachedStep<T>(backend);
    }

    /// <summary>The configuration.</summary>
    public TransformerOptions Options { get; }
    /// <summary>The blocks, first to last.</summary>
    public IReadOnlyList<TransformerDecoderBlock<T>> Blocks { get; }
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
        _between = [.. Enumerable.Range(0, Blocks.Count - 1).Select(_ => Buf())];
        _beforeNorm = FinalNorm is null ? null : Buf();
        _dBetween = Buf();
        _dBetween2 = Buf();
    }

    /// <summary>
    /// <paramref name="x"/> <c>[T, B, E]</c> → <paramref name="y"/> <c>[T, B, E]</c> over <paramref name="memory"/>
    /// <c>[S, B, E]</c>: every block in turn, then the final norm. <paramref name="memoryLengths"/>: empty or B source
    /// lengths (padding). Dropout only with <paramref name="dropout"/>.
    /// </summary>
    public void Forward(Tensor<T> x, Tensor<T> memory, ReadOnlySpan<int> memoryLengths, Tensor<T> y, RandomStream? dropout = null)
    {
        if (x.Rank != 3 || x.Dim(2) != Options.EmbeddingSize)
            throw new ArgumentException($"TransformerDecoderStack.Forward: 'x' has shape {x.ShapeText}; expected [T, B, {Options.EmbeddingSize}].");
        Ensure(x.Dim(0), x.Dim(1));
        Tensor<T> input = x;
        for (int i = 0; i < Blocks.Count; i++)
        {
            bool last = i == Blocks.Count - 1;
            Tensor<T> output = !last ? _between[i] : FinalNorm is null ? y : _beforeNorm!;
            Blocks[i].Forward(input, memory, memoryLengths, output, dropout);
            input = output;
        }
        FinalNorm?.Forward(_beforeNorm!, y);
    }

    /// <summary>Backward of the last Forward: accumulates every parameter gradient, writes <paramref name="dx"/> and
    /// writes <paramref name="dMemory"/> (overwritten: the sum over the blocks of the memory's gradient).</summary>
    public void Backward(Tensor<T> dy, Tensor<T> dx, Tensor<T> dMemory)
    {
        if (_dBetween is null) throw new InvalidOperationException("TransformerDecoderStack.Backward called before Forward.");
        _backend.Fill(T.Zero, dMemory);
        Tensor<T> grad = dy;
        if (FinalNorm is not null)
        {
            FinalNorm.Backward(_beforeNorm!, dy, _dBetween);
            grad = _dBetween;
        }
        for (int i = Blocks.Count - 1; i >= 0; i--)
        {
            Tensor<T> target = i == 0 ? dx : ReferenceEquals(grad, _dBetween) ? _dBetween2! : _dBetween;
            Blocks[i].Backward(grad, target, dMemory);
            grad = target;
        }
    }

    /// <summary>
    /// A cache for decoding <c>B</c> rows over <paramref name="memory"/> <c>[S, B, E]</c> (the encoder's output; its
    /// keys and values are projected here, once, for every block) with <paramref name="memoryLengths"/> (empty or B
    /// source lengths), holding up to <paramref name="maxLength"/> target positions.
    /// </summary>
    public DecoderCache<T> CreateCache(Tensor<T> memory, ReadOnlySpan<int> memoryLengths, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(memory);
        int e = Options.EmbeddingSize;
        if (memory.Rank != 3 || memory.Dim(2) != e)
            throw new ArgumentException($"TransformerDecoderStack.CreateCache: 'memory' has shape {memory.ShapeText}; expected [S, B, {e}].");
        int s = memory.Dim(0), batch = memory.Dim(1);
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), $"TransformerDecoderStack.CreateCache: the length must be positive, got {maxLength}.");
        if (!memoryLengths.IsEmpty && memoryLengths.Length != batch)
            throw new ArgumentException($"TransformerDecoderStack.CreateCache: {memoryLengths.Length} memory lengths for a batch of {batch}.");
        foreach (int l in memoryLengths)
            if ((uint)l > (uint)s) throw new ArgumentOutOfRangeException(nameof(memoryLengths), $"TransformerDecoderStack.CreateCache: a memory length {l} is outside 0..{s}.");
        var cache = new DecoderCache<T>(_backend, Blocks.Count, batch, maxLength, s, e, memoryLengths);
        for (int i = 0; i < Blocks.Count; i++)
        {
            MemoryProjection.Project(_backend, Blocks[i].CrossAttention, 1, memory, s * batch, cache.MemoryKeys[i]);
            MemoryProjection.Project(_backend, Blocks[i].CrossAttention, 2, memory, s * batch, cache.MemoryValues[i]);
        }
        return cache;
    }

    /// <summary>
    /// Incremental decoding (inference, no dropout): <paramref name="x"/> <c>[n, B, E]</c> holds the inputs at positions
    /// <c>cache.Length .. cache.Length + n − 1</c>; <paramref name="y"/> <c>[n, B, E]</c> gets their outputs, the same as
    /// the corresponding rows of <see cref="Forward"/> over the whole sequence. The cache grows by n.
    /// <paramref name="crossWeights"/>: null, or out <c>[B, heads, n, S]</c>, the last block's cross-attention probabilities.
    /// </summary>
    public void Step(Tensor<T> x, DecoderCache<T> cache, Tensor<T> y, Tensor<T>? crossWeights = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        int e = Options.EmbeddingSize;
        if (x.Rank != 3 || x.Dim(2) != e || x.Dim(1) != cache.Batch || !y.Shape.SequenceEqual(x.Shape))
            throw new ArgumentException($"TransformerDecoderStack.Step: 'x' {x.ShapeText} and 'y' {y.ShapeText} must be [n, {cache.Batch}, {e}].");
        int n = x.Dim(0);
        if (cache.Length + n > cache.MaxLength)
            throw new ArgumentException($"TransformerDecoderStack.Step: {n} new positions after {cache.Length} exceed the cache of {cache.MaxLength}.");
        if (crossWeights is not null && crossWeights.Length != (long)cache.Batch * Options.Heads * n * cache.SourceLength)
            throw new ArgumentException($"TransformerDecoderStack.Step: 'crossWeights' {crossWeights.ShapeText} must be [{cache.Batch}, {Options.Heads}, {n}, {cache.SourceLength}].");
        Tensor<T> input = x;
        for (int i = 0; i < Blocks.Count; i++)
        {
            bool lastBlock = i == Blocks.Count - 1;
            Tensor<T> output = lastBlock && FinalNorm is null ? y : _step.Scratch(i % 2, n, cache.Batch, e);
            _step.DecoderBlock(Blocks[i], input, cache.Keys[i], cache.Values[i], cache.Length, cache.MemoryKeys[i], cache.MemoryValues[i],
                cache.MemoryLengths, output, lastBlock ? crossWeights : null);
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

/// <summary>Sizes of a <see cref="TransformerDecoderStack{T}"/> known before it is built.</summary>
public static class TransformerDecoderStack
{
    /// <summary>Elements of the parameters a <see cref="TransformerDecoderStack{T}"/> creates: its blocks and the final
    /// norm; <see cref="OverflowException"/> instead of wrapping.</summary>
    public static long CountParameters(TransformerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return checked(options.Layers * TransformerDecoderBlock.CountParameters(options)
            + (options.FinalNorm ? LayerNorm.CountParameters(options.EmbeddingSize) : 0));
    }
}
