using System.Numerics;

namespace SeqCore.Models;

public sealed partial class Seq2Seq<T>
{
    /// <summary>
    /// Greedy decoding of a batch of sources (each ending with the source <c>&lt;eos&gt;</c>): at every step each sequence
    /// takes its most likely next token, until <c>&lt;eos&gt;</c> or <paramref name="maxLength"/> tokens. A thin wrapper
    /// of <see cref="Seq2SeqDecoder"/> (k = 1, the sources as one batch, scores the plain log-probabilities). Each
    /// result's attention rows are trimmed to its own source length.
    /// </summary>
    public DecodedSequence[] Greedy(IReadOnlyList<int[]> sources, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), $"Seq2Seq.Greedy: the length limit must be positive, got {maxLength}.");
        if (sources.Count == 0) return [];
        return Seq2SeqDecoder.Decode(this, sources, Fixed(maxLength, 1, 0, sources.Count));
    }

    /// <summary>
    /// Beam search for one source (ending with the source <c>&lt;eos&gt;</c>) with beam width <paramref name="beamWidth"/> and
    /// GNMT length normalisation α (see <see cref="BeamSearch"/>). Returns the finished hypotheses, best first. A thin
    /// wrapper of <see cref="Seq2SeqDecoder"/>.
    /// </summary>
    public IReadOnlyList<DecodedSequence> Beam(int[] source, int beamWidth, int maxLength, double alpha = 0.6)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (beamWidth <= 0) throw new ArgumentOutOfRangeException(nameof(beamWidth), $"Seq2Seq.Beam: the beam width must be positive, got {beamWidth}.");
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), $"Seq2Seq.Beam: the length limit must be positive, got {maxLength}.");
        return Seq2SeqDecoder.DecodeAll(this, [source], Fixed(maxLength, beamWidth, alpha, 1))[0];
    }

    /// <summary>Decoding options with one length limit for every source.</summary>
    private static Seq2SeqDecodeOptions Fixed(int maxLength, int beamWidth, double alpha, int sentences) => new()
    {
        BeamWidth = beamWidth, Alpha = alpha, MaxLengthRatio = 0, MaxLengthExtra = maxLength, Sentences = sentences,
    };

    /// <summary>Encodes the sources and returns a decoder state holding the memory and the initial decoder state.</summary>
    private DecodeState Start(IReadOnlyList<int[]> sources)
    {
        int n = sources.Count, s = sources.Max(x => x.Length);
        if (sources.Any(x => x.Length == 0)) throw new ArgumentException("Seq2Seq: a source is empty (it must end with <eos>).");
        var ids = new int[n * s];
        var lengths = new int[n];
        for (int i = 0; i < n; i++) { sources[i].CopyTo(ids, i * s); lengths[i] = sources[i].Length; }
        var state = new DecodeState(_be, Config, n, s, IsAllFull(lengths, s) ? [] : lengths);
        Encode(ids, lengths, n, s, state.Embedded, state.Memory, state.FinalH, state.FinalC, state.H, state.C);
        if (!Config.Attends) ConcatenateDirections(state.FinalH, Config.EncoderLayers - 1, state.FixedContext!, n);
        _be.Fill(T.Zero, state.Feed);
        return state;
    }

    /// <summary>One decoder step for every row: writes the next-token log-probabilities and the attention weights to the host.</summary>
    private void DecodeStep(DecodeState st, ReadOnlySpan<int> tokens)
    {
        int n = st.Rows, dk = Config.DecoderSize;
        _targetEmbedding.Forward(tokens, st.TokenEmbedded);
        WriteDecoderInput(st.X, st.TokenEmbedded, st.FixedContext, st.Feed, n);
        _decoder.Step(st.X, st.H, st.C, st.Y);
        if (Config.Attends) AttentionForward(st.Query, st.Memory, st.Lengths, st.Context, st.Weights);
        _be.Copy2D(st.FixedContext ?? st.Context, n, dk, dk, st.Combined, 2 * dk);
        _be.Copy2D(st.Y, n, dk, dk, Columns(st.Combined, dk), 2 * dk);
        _combine.Forward(st.Combined, st.Feed);
        _be.Tanh(st.Feed, st.Feed);
        _generator.Forward(st.Feed, st.Logits);
        _be.LogSoftmax(st.Logits, st.Logits);
        _be.CopyToHost(st.Logits, st.HostLogProbs);
        if (Config.Attends) _be.CopyToHost(st.Weights, st.HostWeights);
    }

    /// <summary>The decoder's per-row state during decoding (n rows over a memory of S source steps).</summary>
    private sealed class DecodeState : IDisposable
    {
        private readonly IBackend<T> _be;
        private readonly List<Tensor<T>> _owned = new();
        private readonly int[] _lengths;

        public DecodeState(IBackend<T> be, Seq2SeqConfig c, int n, int s, int[] lengths)
        {
            _be = be;
            Rows = n; Steps = s; _lengths = lengths;
            int e = c.EmbeddingSize, dk = c.DecoderSize, states = c.EncoderLayers * c.Directions, h = c.HiddenSize;
            bool cellState = c.HasCellState;
            Attends = c.Attends;
            Tensor<T> A(params int[] shape) { var x = be.Allocate(shape); _owned.Add(x); return x; }
            Embedded = A(n, s, e); Memory = A(n, s, dk); FinalH = A(states, n, h); H = A(c.DecoderLayers, n, dk); Feed = A(n, dk);
            if (cellState) { FinalC = A(states, n, h); C = A(c.DecoderLayers, n, dk); }
            if (!c.Attends) FixedContext = A(n, dk);
            TokenEmbedded = A(n, e); X = A(n, c.DecoderInputSize); Y = A(n, dk); Query = Y.Reshape(n, 1, dk);
            Context = A(n, 1, dk); Weights = A(n, 1, s); Combined = A(n, 2 * dk); Logits = A(n, c.TargetVocabularySize);
            Scratch = A(n, dk);
            HostLogProbs = new T[n * c.TargetVocabularySize];
            HostWeights = new T[n * s];
        }

        public int Rows { get; }
        public int Steps { get; }
        public ReadOnlySpan<int> Lengths => _lengths;
        public Tensor<T> Embedded, Memory, FinalH, H, Feed, TokenEmbedded, X, Y, Query, Context, Weights, Combined, Logits, Scratch;
        public Tensor<T>? FinalC, C, FixedContext;
        public T[] HostLogProbs, HostWeights;
        public bool Attends { get; }

        /// <summary>Row i's attention weights of the last step over its first <paramref name="length"/> source positions
        /// (empty without attention).</summary>
        public double[] AttentionRow(int i, int length)
        {
            if (!Attends) return [];
            var row = new double[length];
            for (int j = 0; j < length; j++) row[j] = double.CreateTruncating(HostWeights[i * Steps + j]);
            return row;
        }

        /// <summary>Row i of every state tensor (each decoder layer's h and c, and h̃) becomes a copy of row parents[i].
        /// The fixed context needs no reordering: a parent always decodes the same source.</summary>
        public void Reorder(ReadOnlySpan<int> parents)
        {
            int dk = Feed.Dim(1);
            foreach (var t in C is null ? new[] { H, Feed } : [H, C, Feed])
                for (long offset = 0; offset < t.Length; offset += (long)Rows * dk)
                {
                    var table = t.Slice(offset, Rows, dk);
                    _be.Gather(table, parents, Scratch);
                    _be.Copy(Scratch, table);
                }
        }

        public void Dispose()
        {
            foreach (var t in _owned) t.Dispose();
            _owned.Clear();
        }
    }

    /// <inheritdoc />
    public IBeamScorer CreateScorer(IReadOnlyList<int[]> sources, int beamWidth)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0) throw new ArgumentException("Seq2Seq.CreateScorer: no sources.", nameof(sources));
        if (beamWidth <= 0) throw new ArgumentOutOfRangeException(nameof(beamWidth), $"Seq2Seq.CreateScorer: the beam width must be positive, got {beamWidth}.");
        return new Scorer(this, sources, beamWidth);
    }

    /// <summary>The model as an <see cref="IBeamScorer"/>: each source replicated over k consecutive rows.</summary>
    private sealed class Scorer : IBeamScorer
    {
        private readonly Seq2Seq<T> _model;
        private readonly DecodeState _state;
        private readonly int[] _sourceLengths;
        private readonly double[][] _attention;

        public Scorer(Seq2Seq<T> model, IReadOnlyList<int[]> sources, int k)
        {
            _model = model;
            var rows = sources.SelectMany(s => Enumerable.Repeat(s, k)).ToArray();
            _sourceLengths = [.. rows.Select(s => s.Length)];
            _state = model.Start(rows);
            _attention = new double[rows.Length][];
        }

        public int Rows => _state.Rows;
        public int VocabularySize => _model.Config.TargetVocabularySize;

        public void Next(ReadOnlySpan<int> tokens, Span<double> logProbs)
        {
            _model.DecodeStep(_state, tokens);
            for (int i = 0; i < logProbs.Length; i++) logProbs[i] = double.CreateTruncating(_state.HostLogProbs[i]);
            for (int i = 0; i < Rows; i++) _attention[i] = _state.AttentionRow(i, _sourceLengths[i]);
        }

        public void Reorder(ReadOnlySpan<int> parents) => _state.Reorder(parents);

        public ReadOnlySpan<double> Attention(int row) => _attention[row];

        public void Dispose() => _state.Dispose();
    }
}
