using System.Numerics;
using SeqCore.Layers.Transformer;

namespace SeqCore.Models;

public sealed partial class TransformerSeq2Seq<T>
{
    /// <summary>
    /// Greedy decoding of a batch of sources (each ending with the source <c>&lt;eos&gt;</c>): every row takes its most
    /// likely next token until <c>&lt;eos&gt;</c> or <paramref name="maxLength"/> tokens (at most
    /// <see cref="TransformerSeq2SeqConfig.MaxLength"/>), through the shared <see cref="Seq2SeqDecoder"/>.
    /// </summary>
    public DecodedSequence[] Greedy(IReadOnlyList<int[]> sources, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), $"TransformerSeq2Seq.Greedy: the length limit must be positive, got {maxLength}.");
        if (sources.Count == 0) return [];
        return Seq2SeqDecoder.Decode(this, sources, Fixed(maxLength, 1, 0, sources.Count));
    }

    /// <summary>Beam search for one source (ending with the source <c>&lt;eos&gt;</c>) with beam width
    /// <paramref name="beamWidth"/> and GNMT length normalisation α (see <see cref="BeamSearch"/>); best first. Outputs
    /// stop at <see cref="TransformerSeq2SeqConfig.MaxLength"/> tokens whatever the limit.</summary>
    public IReadOnlyList<DecodedSequence> Beam(int[] source, int beamWidth, int maxLength, double alpha = 0.6)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (beamWidth <= 0) throw new ArgumentOutOfRangeException(nameof(beamWidth), $"TransformerSeq2Seq.Beam: the beam width must be positive, got {beamWidth}.");
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), $"TransformerSeq2Seq.Beam: the length limit must be positive, got {maxLength}.");
        return Seq2SeqDecoder.DecodeAll(this, [source], Fixed(maxLength, beamWidth, alpha, 1))[0];
    }

    /// <summary>Decoding options with one length limit for every source (no longer than the position tables).</summary>
    private Seq2SeqDecodeOptions Fixed(int maxLength, int beamWidth, double alpha, int sentences) => new()
    {
        BeamWidth = beamWidth, Alpha = alpha, MaxLengthRatio = 0, MaxLengthExtra = Math.Min(maxLength, Config.MaxLength), Sentences = sentences,
    };

    /// <inheritdoc />
    /// <remarks>The sources are encoded once; each row's decoder state is a <see cref="DecoderCache{T}"/> row (the
    /// memory's keys and values projected once), so a step costs one token per row. <see cref="IBeamScorer.Attention"/>
    /// is the last decoder block's cross-attention averaged over heads. After <see cref="TransformerSeq2SeqConfig.MaxLength"/> steps every row
    /// gets <c>&lt;eos&gt;</c> with probability 1.</remarks>
    public IBeamScorer CreateScorer(IReadOnlyList<int[]> sources, int beamWidth)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0) throw new ArgumentException("TransformerSeq2Seq.CreateScorer: no sources.", nameof(sources));
        if (beamWidth <= 0) throw new ArgumentOutOfRangeException(nameof(beamWidth), $"TransformerSeq2Seq.CreateScorer: the beam width must be positive, got {beamWidth}.");
        return new Scorer(this, sources, beamWidth);
    }

    /// <summary>The model as an <see cref="IBeamScorer"/>: source i on rows <c>i·k … i·k+k−1</c>.</summary>
    private sealed class Scorer : IBeamScorer
    {
        private readonly TransformerSeq2Seq<T> _model;
        private readonly IBackend<T> _be;
        private readonly DecoderCache<T> _cache;
        private readonly Tensor<T> _x, _y, _logits, _weights;
        private readonly int[] _sourceLengths;
        private readonly T[] _hostLogits, _hostWeights;
        private readonly double[][] _attention;
        private readonly int _steps, _heads;

        public Scorer(TransformerSeq2Seq<T> model, IReadOnlyList<int[]> sources, int k)
        {
            _model = model;
            _be = model._be;
            var c = model.Config;
            int n = sources.Count, rows = n * k, e = c.EmbeddingSize;
            if (sources.Any(x => x.Length == 0)) throw new ArgumentException("TransformerSeq2Seq: a source is empty (it must end with <eos>).");
            int s = sources.Max(x => x.Length);
            if (s > c.MaxLength) throw new ArgumentException($"TransformerSeq2Seq: a source of {s} tokens exceeds the model's maxLength {c.MaxLength}.");
            _steps = s;
            _heads = c.Heads;
            _sourceLengths = [.. sources.SelectMany(x => Enumerable.Repeat(x.Length, k))];
            var lengths = sources.Select(x => x.Length).ToArray();
            // Encode the n sources once (time-major), then give each of the k rows of source i its memory.
            var ids = new int[s * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < sources[i].Length; j++) ids[j * n + i] = sources[i][j];
            using var embedded = _be.Allocate(s, n, e);
            using var memory = _be.Allocate(s, n, e);
            model.Embed(model.SourceEmbedding, model._sourceLearned, ids, 0, embedded);
            model._encoder.Forward(embedded, IsAllFull(lengths, s) ? [] : lengths, memory);
            using var rowMemory = _be.Allocate(s, rows, e);
            var index = new int[s * rows];
            for (int j = 0; j < s; j++)
                for (int r = 0; r < rows; r++) index[j * rows + r] = j * n + r / k;
            _be.Gather(memory.Reshape(s * n, e), index, rowMemory.Reshape(s * rows, e));
            _cache = model._decoder.CreateCache(rowMemory, IsAllFull(_sourceLengths, s) ? [] : _sourceLengths, c.MaxLength);
            _x = _be.Allocate(1, rows, e);
            _y = _be.Allocate(1, rows, e);
            _logits = _be.Allocate(rows, c.TargetVocabularySize);
            _weights = _be.Allocate(rows, _heads, 1, s);
            _hostLogits = new T[rows * c.TargetVocabularySize];
            _hostWeights = new T[rows * _heads * s];
            _attention = new double[rows][];
        }

        public int Rows => _cache.Batch;
        public int VocabularySize => _model.Config.TargetVocabularySize;

        public void Next(ReadOnlySpan<int> tokens, Span<double> logProbs)
        {
            if (tokens.Length != Rows || logProbs.Length != Rows * VocabularySize)
                throw new ArgumentException($"TransformerSeq2Seq scorer: {tokens.Length} tokens and {logProbs.Length} log-probabilities for {Rows} rows of {VocabularySize}.");
            if (_cache.Length == _cache.MaxLength)
            {
                // Past the position tables: every row ends here, <eos> with probability 1.
                logProbs.Fill(double.NegativeInfinity);
                for (int r = 0; r < Rows; r++) logProbs[r * VocabularySize + Seq2SeqVocabulary.Eos] = 0;
                return;
            }
            _model.Embed(_model._targetEmbedding, _model._targetLearned, tokens, _cache.Length, _x);
            _model._decoder.Step(_x, _cache, _y, _weights);
            _model.Project(_y, Rows, _logits);
            _be.LogSoftmax(_logits, _logits);
            _be.CopyToHost(_logits, _hostLogits);
            for (int i = 0; i < logProbs.Length; i++) logProbs[i] = double.CreateTruncating(_hostLogits[i]);
            _be.CopyToHost(_weights, _hostWeights);
            for (int r = 0; r < Rows; r++)
            {
                var row = new double[_sourceLengths[r]];
                for (int h = 0; h < _heads; h++)
                    for (int j = 0; j < row.Length; j++) row[j] += double.CreateTruncating(_hostWeights[(r * _heads + h) * _steps + j]) / _heads;
                _attention[r] = row;
            }
        }

        public void Reorder(ReadOnlySpan<int> parents)
        {
            _cache.Reorder(parents);
            var lengths = (int[])_sourceLengths.Clone();
            for (int r = 0; r < Rows; r++) _sourceLengths[r] = lengths[parents[r]];
        }

        public ReadOnlySpan<double> Attention(int row) => _attention[row] ?? [];

        public void Dispose()
        {
            _cache.Dispose();
            _x.Dispose(); _y.Dispose(); _logits.Dispose(); _weights.Dispose();
        }
    }
}
