using System.Numerics;
using SeqCore.Layers.Transformer;

namespace SeqCore.Models;

/// <summary>
/// Feeds a <see cref="LanguageModel{T}"/> one token per stream at a time and returns the next token's logits
/// (inference; one stream, or several decoded side by side as one batch). Recurrent models step their layers with the
/// carried state (<c>RecurrentLayer.Step</c>); a transformer keeps a KV cache, so each token costs O(context), not
/// O(context²), and a prompt is encoded in one pass (<see cref="FeedPrompt"/>). When a transformer's cache is full, the
/// last half of the context is re-encoded into a fresh cache (positions restart at 0) and decoding goes on.
/// </summary>
public sealed class LanguageModelDecoder<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LanguageModel<T> _model;
    private readonly IBackend<T> _backend;
    private readonly LanguageModelState<T>? _state;
    private readonly KvCache<T>? _cache;
    private readonly List<int[]> _context = new(); // a transformer's tokens since the cache was filled, one array per position
    private readonly Tensor<T> _logits;
    private readonly T[] _host;
    private readonly double[] _result;
    private readonly int[] _one = new int[1];
    private readonly Dictionary<int, (Tensor<T> X, Tensor<T> Y)> _buffers = new();
    private readonly Tensor<T>? _stepX, _stepY; // [B, E] and [B, H]: one recurrent step

    /// <summary>Creates a decoder of one stream with an empty context.</summary>
    public LanguageModelDecoder(LanguageModel<T> model) : this(model, 1) { }

    /// <summary>Creates a decoder of <paramref name="streams"/> streams, decoded together as one batch, with an empty context.</summary>
    public LanguageModelDecoder(LanguageModel<T> model, int streams)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (streams <= 0) throw new ArgumentOutOfRangeException(nameof(streams), $"LanguageModelDecoder: streams must be positive, got {streams}.");
        _model = model;
        _backend = model.Backend;
        Streams = streams;
        int v = model.Config.VocabularySize;
        if (model.IsRecurrent)
        {
            _state = model.CreateState(streams);
            _state.Reset();
            _stepX = _backend.Allocate(streams, model.Config.EmbeddingSize);
            _stepY = _backend.Allocate(streams, model.OutputWidth);
        }
        else _cache = model.Stack!.CreateCache(streams, model.Config.ContextLength);
        _logits = _backend.Allocate(streams, v);
        _host = new T[checked(streams * v)];
        _result = new double[_host.Length];
    }

    /// <summary>The streams decoded side by side.</summary>
    public int Streams { get; }

    /// <summary>Tokens fed to each stream since the last <see cref="Reset"/>.</summary>
    public int Position { get; private set; }

    /// <summary>Forgets the context.</summary>
    public void Reset()
    {
        _state?.Reset();
        _cache?.Reset();
        _context.Clear();
        Position = 0;
    }

    /// <summary>Feeds <paramref name="token"/> to the one stream and returns the logits <c>[V]</c> of the token after it
    /// (the array is reused by the next call).</summary>
    public ReadOnlySpan<double> Feed(int token)
    {
        if (Streams != 1) throw new InvalidOperationException($"LanguageModelDecoder.Feed(int): the decoder has {Streams} streams; feed one token per stream.");
        _one[0] = token;
        return Feed(_one);
    }

    /// <summary>Feeds one token to each stream (<paramref name="tokens"/> <c>[B]</c>) and returns the logits of the next
    /// token of every stream, <c>[B, V]</c> row-major (the array is reused by the next call).</summary>
    public ReadOnlySpan<double> Feed(ReadOnlySpan<int> tokens)
    {
        CheckTokens(tokens, Streams, "Feed");
        Position++;
        if (_state is not null)
        {
            _model.Embedding.Forward(tokens, _stepX!);
            _model.Recurrent!.Step(_stepX!, _state.H, _state.C, _stepY!);
            return Project(_stepY!, 1);
        }
        var cache = _cache!;
        if (cache.Length == cache.MaxLength)
        {
            // Slide: keep the newest half of the context and encode it again from position 0.
            int keep = Math.Max(1, cache.MaxLength / 2);
            _context.RemoveRange(0, _context.Count - keep);
            cache.Reset();
            Encode(TimeMajor(_context), _context.Count, cache);
        }
        _context.Add(tokens.ToArray());
        return Project(Encode(tokens.ToArray(), 1, cache), 1);
    }

    /// <summary>Feeds the same <paramref name="prompt"/> to every stream and returns the logits <c>[B, V]</c> after its
    /// last token. A transformer encodes the prompt in one pass (at most its context length at once); a recurrent model
    /// steps through it.</summary>
    public ReadOnlySpan<double> FeedPrompt(ReadOnlySpan<int> prompt)
    {
        if (prompt.IsEmpty) throw new ArgumentException("LanguageModelDecoder.FeedPrompt: the prompt is empty.", nameof(prompt));
        var row = new int[Streams];
        if (_state is not null)
        {
            ReadOnlySpan<double> logits = default;
            foreach (int token in prompt) { Array.Fill(row, token); logits = Feed(row); }
            return logits;
        }
        var cache = _cache!;
        int at = 0;
        Tensor<T> y = null!;
        int n = 0;
        while (at < prompt.Length)
        {
            if (cache.Length == cache.MaxLength) { Array.Fill(row, prompt[at]); Feed(row); at++; y = null!; continue; }
            n = Math.Min(prompt.Length - at, cache.MaxLength - cache.Length);
            var positions = new List<int[]>(n);
            for (int t = 0; t < n; t++)
            {
                CheckTokens([prompt[at + t]], 1, "FeedPrompt");
                positions.Add(Enumerable.Repeat(prompt[at + t], Streams).ToArray());
            }
            y = Encode(TimeMajor(positions), n, cache);
            _context.AddRange(positions);
            Position += n;
            at += n;
        }
        return y is null ? _result : Project(y, n);
    }

    private void CheckTokens(ReadOnlySpan<int> tokens, int count, string method)
    {
        if (tokens.Length != count)
            throw new ArgumentException($"LanguageModelDecoder.{method}: {tokens.Length} tokens for {count} streams.");
        foreach (int token in tokens)
            if ((uint)token >= (uint)_model.Config.VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"LanguageModelDecoder.{method}: token {token} is outside the vocabulary of {_model.Config.VocabularySize}.");
    }

    /// <summary>Positions of B tokens each, flattened time-major (<c>[n, B]</c>) as the stack's input wants.</summary>
    private static int[] TimeMajor(List<int[]> positions) => [.. positions.SelectMany(p => p)];

    /// <summary>Encodes n positions of B tokens (<paramref name="tokens"/> <c>[n·B]</c>, time-major) into the cache.</summary>
    private Tensor<T> Encode(int[] tokens, int n, KvCache<T> cache)
    {
        var (x, y) = Buffers(n);
        _model.Embedding.Forward(tokens, x);
        if (_model.LearnedPositions is { } learned) learned.Forward(x, x, cache.Length);
        else _model.SinusoidalPositions!.Forward(x, x, cache.Length);
        _model.Stack!.Step(x, cache, y);
        return y;
    }

    /// <summary>Logits of the last of the n positions in <paramref name="y"/> <c>[n, B, H]</c>.</summary>
    private ReadOnlySpan<double> Project(Tensor<T> y, int n)
    {
        int width = _model.OutputWidth;
        var last = y.Slice((long)(n - 1) * Streams * width, Streams, width);
        _model.Head.Forward(last, Streams, _logits);
        _backend.CopyToHost(_logits, _host);
        for (int i = 0; i < _host.Length; i++) _result[i] = double.CreateTruncating(_host[i]);
        return _result;
    }

    private (Tensor<T> X, Tensor<T> Y) Buffers(int n)
    {
        if (!_buffers.TryGetValue(n, out var b))
            _buffers[n] = b = (_backend.Allocate(n, Streams, _model.Config.EmbeddingSize), _backend.Allocate(n, Streams, _model.OutputWidth));
        return b;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _state?.Dispose();
        _cache?.Dispose();
        _logits.Dispose();
        _stepX?.Dispose();
        _stepY?.Dispose();
        foreach (var (x, y) in _buffers.Values) { x.Dispose(); y.Dispose(); }
    }
}
