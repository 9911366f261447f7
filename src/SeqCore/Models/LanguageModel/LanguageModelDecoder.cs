using System.Numerics;
using SeqCore.Layers.Transformer;

namespace SeqCore.Models;

/// <summary>
/// Feeds a <see cref="LanguageModel{T}"/> one token at a time and returns the next token's logits (inference, one
/// stream). Recurrent models step their layers with the carried state (<c>RecurrentLayer.Step</c>); a transformer
/// keeps a KV cache, so each token costs O(context), not O(context²). When a transformer's cache is full, the last
/// half of the context is re-encoded into a fresh cache (positions restart at 0) and decoding goes on.
/// </summary>
public sealed class LanguageModelDecoder<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LanguageModel<T> _model;
    private readonly IBackend<T> _backend;
    private readonly LanguageModelState<T>? _state;
    private readonly KvCache<T>? _cache;
    private readonly List<int> _context = new();
    private readonly Tensor<T> _logits;
    private readonly T[] _host;
    private readonly double[] _result;
    private readonly Dictionary<int, (Tensor<T> X, Tensor<T> Y)> _buffers = new();
    private readonly Tensor<T>? _stepX, _stepY; // [1, E] and [1, H]: one recurrent step

    /// <summary>Creates a decoder with an empty context.</summary>
    public LanguageModelDecoder(LanguageModel<T> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _backend = model.Backend;
        if (model.IsRecurrent)
        {
            _state = model.CreateState(1);
            _state.Reset();
            _stepX = _backend.Allocate(1, model.Config.EmbeddingSize);
            _stepY = _backend.Allocate(1, model.OutputWidth);
        }
        else _cache = model.Stack!.CreateCache(1, model.Config.ContextLength);
        _logits = _backend.Allocate(1, model.Config.VocabularySize);
        _host = new T[model.Config.VocabularySize];
        _result = new double[model.Config.VocabularySize];
    }

    /// <summary>Tokens fed since the last <see cref="Reset"/>.</summary>
    public int Position { get; private set; }

    /// <summary>Forgets the context.</summary>
    public void Reset()
    {
        _state?.Reset();
        _cache?.Reset();
        _context.Clear();
        Position = 0;
    }

    /// <summary>Feeds <paramref name="token"/> and returns the logits <c>[V]</c> of the token after it (the array is
    /// reused by the next call).</summary>
    public ReadOnlySpan<double> Feed(int token)
    {
        if ((uint)token >= (uint)_model.Config.VocabularySize)
            throw new ArgumentOutOfRangeException(nameof(token), $"LanguageModelDecoder.Feed: token {token} is outside the vocabulary of {_model.Config.VocabularySize}.");
        Position++;
        if (_state is not null)
        {
            _model.Embedding.Forward([token], _stepX!);
            _model.Recurrent!.Step(_stepX!, _state.H, _state.C, _stepY!);
            return Project(_stepY!);
        }
        var cache = _cache!;
        if (cache.Length == cache.MaxLength)
        {
            // Slide: keep the newest half of the context and encode it again from position 0.
            int keep = Math.Max(1, cache.MaxLength / 2);
            _context.RemoveRange(0, _context.Count - keep);
            cache.Reset();
            Encode(_context.ToArray(), cache);
        }
        _context.Add(token);
        return Project(Encode([token], cache));
    }

    private Tensor<T> Encode(int[] tokens, KvCache<T> cache)
    {
        var (x, y) = Buffers(tokens.Length);
        _model.Embedding.Forward(tokens, x);
        if (_model.LearnedPositions is { } learned) learned.Forward(x, x, cache.Length);
        else _model.SinusoidalPositions!.Forward(x, x, cache.Length);
        _model.Stack!.Step(x, cache, y);
        return y;
    }

    private ReadOnlySpan<double> Project(Tensor<T> y)
    {
        int n = y.Dim(0), width = _model.OutputWidth;
        var last = y.Slice((long)(n - 1) * width, 1, width);
        _model.Head.Forward(last, 1, _logits);
        _backend.CopyToHost(_logits, _host);
        for (int i = 0; i < _host.Length; i++) _result[i] = double.CreateTruncating(_host[i]);
        return _result;
    }

    private (Tensor<T> X, Tensor<T> Y) Buffers(int n)
    {
        if (!_buffers.TryGetValue(n, out var b))
            _buffers[n] = b = (_backend.Allocate(n, 1, _model.Config.EmbeddingSize), _backend.Allocate(n, 1, _model.OutputWidth));
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
