using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>The teacher-forced loss of one batch and how well the model predicts each next token.</summary>
/// <param name="Loss">Mean cross-entropy per target token (nats).</param>
/// <param name="Tokens">Target tokens counted (each target's characters and its <c>&lt;eos&gt;</c>).</param>
/// <param name="CorrectTokens">Tokens whose argmax prediction equals the target.</param>
public readonly record struct Seq2SeqLoss(double Loss, int Tokens, int CorrectTokens);

public sealed partial class Seq2Seq<T>
{
    private TrainArena? _arena;
    private Seq2SeqBatch? _batch;
    private int[] _decoderInputs = [];
    /// <summary>The argmax of one decoder step's logits, per row (token accuracy; the inputs when not teacher-forced).</summary>
    private int[] _predicted = [];

    /// <summary>
    /// Forward and backward of one batch: adds every parameter's gradient (scaled for the mean loss per target token)
    /// and returns the loss. With <paramref name="teacherForcing"/> &lt; 1, each decoder input after the first is, with
    /// probability 1 − ratio (drawn per sequence and step from <paramref name="random"/>), the model's own previous
    /// argmax prediction instead of the reference token (scheduled sampling's mix, Bengio et al. 2015).
    /// <paramref name="dropout"/> draws the dropout masks (<see cref="Seq2SeqConfig.Dropout"/>); null trains without dropout.
    /// </summary>
    public Seq2SeqLoss TrainStep(Seq2SeqBatch batch, double teacherForcing = 1.0, RandomStream? random = null, RandomStream? dropout = null)
    {
        var loss = Forward(batch, teacherForcing, random, dropout);
        Backward();
        return loss;
    }

    /// <summary>The teacher-forced loss and token accuracy of a batch (no gradients, no dropout).</summary>
    public Seq2SeqLoss Loss(Seq2SeqBatch batch) => Forward(batch, 1.0, null);

    private RandomStream? _dropout;
    private ulong[] _stepDropoutPositions = [];
    private ulong _endDropoutPosition;

    /// <summary>Runs the model over the batch and keeps what <see cref="Backward"/> needs.</summary>
    internal Seq2SeqLoss Forward(Seq2SeqBatch batch, double teacherForcing, RandomStream? random, RandomStream? dropout = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (teacherForcing is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(teacherForcing), $"Seq2Seq: the teacher-forcing ratio must be in [0, 1], got {teacherForcing}.");
        if (teacherForcing < 1 && random is null) throw new ArgumentException("Seq2Seq: a teacher-forcing ratio below 1 needs a random stream.");
        int bsz = batch.Batch, s = batch.SourceSteps, steps = batch.TargetSteps;
        var a = _arena = TrainArena.Ensure(_arena, _be, Config, bsz, s, steps);
        _batch = batch;
        if (_decoderInputs.Length != batch.DecoderInputs.Length) _decoderInputs = new int[batch.DecoderInputs.Length];
        batch.DecoderInputs.CopyTo(_decoderInputs, 0);
        _dropout = dropout is not null && Config.Dropout > 0 ? dropout : null;
        if (_stepDropoutPositions.Length < steps) _stepDropoutPositions = new ulong[steps];

        Encode(batch.SourceIds, batch.SourceLengths, bsz, s, a.SourceEmbedded, a.Memory, a.FinalH, a.FinalC, a.H[0], a.C?[0],
            _dropout, a.SourceMask, a.SourceMaskTimeMajor);
        if (_dropout is not null)
        {
            T keep = T.CreateTruncating(1 - Config.Dropout);
            RowWindowFill.FillBernoulliMask(_be, _dropout, keep, T.One / keep, a.AllTargetMask!);
        }
        if (!Config.Attends) ConcatenateDirections(a.FinalH, Config.EncoderLayers - 1, a.FixedContext!, bsz);
        int dk = Config.DecoderSize;
        var lengths = IsAllFull(batch.SourceLengths, s) ? [] : batch.SourceLengths;
        if (_predicted.Length < bsz) _predicted = new int[bsz];
        var predicted = _predicted.AsSpan(0, bsz); // the argmax of the last step's logits
        int correct = 0;
        for (int t = 0; t < steps; t++)
        {
            var inputs = _decoderInputs.AsSpan(t * bsz, bsz);
            if (t > 0 && teacherForcing < 1) SampleInputs(batch, t, teacherForcing, random!, predicted, inputs);
            _targetEmbedding.Forward(inputs, a.TargetEmbedded[t]);
            if (_dropout is not null) _be.Mul(a.TargetEmbedded[t], a.TargetMask![t], a.TargetEmbedded[t]);
            WriteDecoderInput(a.X[t], a.TargetEmbedded[t], a.FixedContext, t == 0 ? a.Zeros : a.HTilde[t - 1], bsz);
            if (_dropout is not null) _stepDropoutPositions[t] = _dropout.Position;
            _decoder.Forward(a.X3[t], [], a.H[t], a.C?[t], a.Y3[t], a.H[t + 1], a.C?[t + 1], _dropout);
            if (Config.Attends)
            {
                AttentionForward(a.Query[t], a.Memory, lengths, a.Context[t]);
                _be.Copy2D(a.Context[t], bsz, dk, dk, a.Combined[t], 2 * dk);
            }
            else _be.Copy2D(a.FixedContext!, bsz, dk, dk, a.Combined[t], 2 * dk);
            _be.Copy2D(a.Y3[t], bsz, dk, dk, Columns(a.Combined[t], dk), 2 * dk);
            _combine.Forward(a.Combined[t], a.HTilde[t]);
            _be.Tanh(a.HTilde[t], a.HTilde[t]);
            _generator.Forward(a.HTilde[t], a.Logits[t]);
            _be.ArgMaxRows(a.Logits[t], predicted);
            correct += CountCorrect(predicted, batch.Targets.AsSpan(t * bsz, bsz));
        }
        if (_dropout is not null) _endDropoutPosition = _dropout.Position;
        double loss = _loss.Forward(a.AllLogits, batch.Targets);
        return new Seq2SeqLoss(loss, batch.TargetTokens, correct);
    }

    /// <summary>The decoder cell input <c>x = [emb; c; h̃]</c>: the fixed context c only without attention, the previous
    /// attentional vector h̃ only with input feeding.</summary>
    private void WriteDecoderInput(Tensor<T> x, Tensor<T> embedded, Tensor<T>? fixedContext, Tensor<T> feed, int rows)
    {
        int e = Config.EmbeddingSize, dk = Config.DecoderSize, din = Config.DecoderInputSize;
        _be.Copy2D(embedded, rows, e, e, x, din);
        if (!Config.Attends) _be.Copy2D(fixedContext!, rows, dk, dk, Columns(x, e), din);
        if (Config.InputFeeding) _be.Copy2D(feed, rows, dk, dk, Columns(x, FeedColumn), din);
    }

    /// <summary>Where h̃ starts in the decoder cell input.</summary>
    private int FeedColumn => Config.EmbeddingSize + (Config.Attends ? 0 : Config.DecoderSize);

    /// <summary>Replaces some step-t inputs by the argmax of step t−1's logits (<paramref name="predicted"/>).</summary>
    private static void SampleInputs(Seq2SeqBatch batch, int t, double ratio, RandomStream random, ReadOnlySpan<int> predicted, Span<int> inputs)
    {
        int bsz = batch.Batch;
        Span<double> coins = bsz <= 256 ? stackalloc double[bsz] : new double[bsz];
        random.NextRowDoubles(coins);
        for (int b = 0; b < bsz; b++)
        {
            bool ownPrediction = coins[b] >= ratio;
            if (ownPrediction && batch.Targets[(t - 1) * bsz + b] != Seq2SeqBatch.IgnoreIndex && inputs[b] != Seq2SeqVocabulary.Pad)
                inputs[b] = predicted[b];
        }
    }

    /// <summary>Rows whose prediction is their target (ignored rows not counted).</summary>
    internal static int CountCorrect(ReadOnlySpan<int> predicted, ReadOnlySpan<int> targets)
    {
        int correct = 0;
        for (int b = 0; b < targets.Length; b++)
            if (targets[b] != Seq2SeqBatch.IgnoreIndex && predicted[b] == targets[b]) correct++;
        return correct;
    }

    /// <summary>Backward of the last <see cref="Forward"/> (gradient of the mean loss per target token).</summary>
    internal void Backward()
    {
        var a = _arena;
        var batch = _batch ?? throw new InvalidOperationException("Seq2Seq.Backward: call Forward first.");
        int bsz = batch.Batch, s = batch.SourceSteps, steps = batch.TargetSteps;
        int e = Config.EmbeddingSize, dk = Config.DecoderSize, din = Config.DecoderInputSize;
        var lengths = IsAllFull(batch.SourceLengths, s) ? [] : batch.SourceLengths;

        _loss.Backward(a!.AllLogits, batch.Targets, a.DLogits);
        _generator.Backward(a.AllHTilde, a.DLogits, a.DAllHTilde);
        _be.Fill(T.Zero, a.DMemory);
        _be.Fill(T.Zero, a.DhState);
        if (a.DcState is not null) _be.Fill(T.Zero, a.DcState);
        if (a.DFixedContext is not null) _be.Fill(T.Zero, a.DFixedContext);
        for (int t = steps - 1; t >= 0; t--)
        {
            // h̃_t feeds the generator and, with input feeding, the next step's cell input.
            if (Config.InputFeeding && t < steps - 1) _be.Add(a.DHTilde[t], a.DFeed, a.DHTilde[t]);
            _be.TanhBackward(a.HTilde[t], a.DHTilde[t], a.DPre);
            _combine.Backward(a.Combined[t], a.DPre, a.DCombined);
            _be.Copy2D(a.DCombined, bsz, dk, 2 * dk, a.DContext, dk);
            _be.Copy2D(Columns(a.DCombined, dk), bsz, dk, 2 * dk, a.DhTotal, dk);

            if (Config.Attends)
            {
                AttentionForward(a.Query[t], a.Memory, lengths, a.ContextScratch);
                AttentionBackward(a.DContext3, a.DQuery, a.DMemoryStep);
                _be.Add(a.DMemory, a.DMemoryStep, a.DMemory);
                _be.Add(a.DhTotal, a.DQuery, a.DhTotal);
            }
            else _be.Add(a.DFixedContext!, a.DContext, a.DFixedContext!);

            if (_dropout is not null) _dropout.Position = _stepDropoutPositions[t]; // the same masks between layers
            _decoder.Forward(a.X3[t], [], a.H[t], a.C?[t], a.CellOutScratch, null, null, _dropout);
            _decoder.Backward(a.DhTotal, a.DhState, a.DcState, a.DX, a.DhState, a.DcState);
            _be.Copy2D(a.DX, bsz, e, din, a.DTargetEmbedded[t], e);
            if (!Config.Attends)
            {
                _be.Copy2D(Columns(a.DX, e), bsz, dk, din, a.DContext, dk);
                _be.Add(a.DFixedContext!, a.DContext, a.DFixedContext!);
            }
            if (Config.InputFeeding) _be.Copy2D(Columns(a.DX, FeedColumn), bsz, dk, din, a.DFeed, dk);
        }
        if (_dropout is not null)
        {
            _dropout.Position = _endDropoutPosition;
            _be.Mul(a.DAllTargetEmbedded, a.AllTargetMask!, a.DAllTargetEmbedded);
        }
        _targetEmbedding.Backward(_decoderInputs, a.DAllTargetEmbedded);
        BridgeBackward(a.DhState, a.DFinalH, bsz);
        if (a.DcState is not null) BridgeBackward(a.DcState, a.DFinalC!, bsz);
        if (!Config.Attends) SplitDirections(a.DFixedContext!, a.DFinalH, Config.EncoderLayers - 1, bsz, a.DirectionScratch);
        _encoder.Backward(a.DMemory, a.DFinalH, a.DFinalC, a.DSourceEmbedded, null, null);
        if (_dropout is not null) _be.Mul(a.DSourceEmbedded, a.SourceMask!, a.DSourceEmbedded);
        _sourceEmbedding.Backward(batch.SourceIds, a.DSourceEmbedded);
    }

    /// <summary>Activations and gradients of one training batch shape (B, S, T), reused while the shape repeats.</summary>
    private sealed class TrainArena : IDisposable
    {
        private readonly List<Tensor<T>> _owned = new();
        private (int B, int S, int T) _key;

        public static TrainArena Ensure(TrainArena? current, IBackend<T> be, Seq2SeqConfig c, int b, int s, int t)
        {
            if (current is not null && current._key == (b, s, t)) return current;
            current?.Dispose();
            return new TrainArena(be, c, b, s, t);
        }

        private TrainArena(IBackend<T> be, Seq2SeqConfig c, int b, int s, int steps)
        {
            _key = (b, s, steps);
            int e = c.EmbeddingSize, dk = c.DecoderSize, din = c.DecoderInputSize, v = c.TargetVocabularySize, h = c.HiddenSize;
            int encoderStates = c.EncoderLayers * c.Directions, layers = c.DecoderLayers;
            bool cellState = c.HasCellState;
            Tensor<T> A(params int[] shape) { var x = be.Allocate(shape); _owned.Add(x); return x; }

            SourceEmbedded = A(b, s, e); DSourceEmbedded = A(b, s, e);
            Memory = A(b, s, dk); DMemory = A(b, s, dk); DMemoryStep = A(b, s, dk);
            FinalH = A(encoderStates, b, h); DFinalH = A(encoderStates, b, h);
            if (cellState) { FinalC = A(encoderStates, b, h); DFinalC = A(encoderStates, b, h); }
            H = Views(A(steps + 1, layers, b, dk), steps + 1, layers, b, dk);
            if (cellState) C = Views(A(steps + 1, layers, b, dk), steps + 1, layers, b, dk);
            var ys = A(steps, 1, b, dk);
            Y3 = Views(ys, steps, 1, b, dk);
            Query = Views(ys, steps, b, 1, dk);
            var emb = A(steps, b, e); AllTargetEmbedded = emb; TargetEmbedded = Views(emb, steps, b, e);
            var demb = A(steps, b, e); DAllTargetEmbedded = demb; DTargetEmbedded = Views(demb, steps, b, e);
            var x = A(steps, b, din); X = Views(x, steps, b, din); X3 = Views(x, steps, 1, b, din);
            Context = Views(A(steps, b, 1, dk), steps, b, 1, dk);
            Combined = Views(A(steps, b, 2 * dk), steps, b, 2 * dk);
            AllHTilde = A(steps, b, dk); HTilde = Views(AllHTilde, steps, b, dk);
            DAllHTilde = A(steps, b, dk); DHTilde = Views(DAllHTilde, steps, b, dk);
            AllLogits = A(steps * b, v); Logits = Views(AllLogits, steps, b, v);
            DLogits = A(steps * b, v);
            Zeros = A(b, dk);
            DFeed = A(b, dk); DPre = A(b, dk); DCombined = A(b, 2 * dk); DContext = A(b, dk); DContext3 = DContext.Reshape(b, 1, dk);
            DhTotal = A(1, b, dk);
            DQuery = A(b, 1, dk);
            DhState = A(layers, b, dk);
            if (cellState) DcState = A(layers, b, dk);
            DX = A(1, b, din);
            ContextScratch = A(b, 1, dk);
            CellOutScratch = A(1, b, dk);
            if (!c.Attends) { FixedContext = A(b, dk); DFixedContext = A(b, dk); DirectionScratch = A(b, h); }
            if (c.Dropout > 0)
            {
                SourceMask = A(b, s, e); SourceMaskTimeMajor = A(s, b, e);
                AllTargetMask = A(steps, b, e); TargetMask = Views(AllTargetMask, steps, b, e);
            }
        }

        private static Tensor<T>[] Views(Tensor<T> buffer, int count, params int[] shape)
        {
            long size = Tensor<T>.ShapeLength(shape);
            var views = new Tensor<T>[count];
            for (int i = 0; i < count; i++) views[i] = buffer.Slice(i * size, shape);
            return views;
        }

        public Tensor<T> SourceEmbedded, DSourceEmbedded, Memory, DMemory, DMemoryStep, FinalH, DFinalH;
        public Tensor<T>? FinalC, DFinalC, DcState;
        /// <summary>Every decoder layer's state after t steps <c>[L_dec, B, Dk]</c> (t = 0 is the bridged initial state).</summary>
        public Tensor<T>[] H;
        public Tensor<T>[]? C;
        /// <summary>Step t's top-layer output as <c>[1, B, Dk]</c> and the same rows as attention queries <c>[B, 1, Dk]</c>.</summary>
        public Tensor<T>[] Y3, Query;
        public Tensor<T> AllTargetEmbedded, DAllTargetEmbedded, AllHTilde, DAllHTilde, AllLogits, DLogits;
        public Tensor<T>[] TargetEmbedded, DTargetEmbedded, X, X3, Context, Combined, HTilde, DHTilde, Logits;
        public Tensor<T> Zeros, DFeed, DPre, DCombined, DContext, DContext3, DhTotal, DQuery, DhState, DX, ContextScratch, CellOutScratch;
        /// <summary>Without attention: the fixed context <c>[B, Dk]</c>, its gradient, and a <c>[B, H]</c> scratch.</summary>
        public Tensor<T>? FixedContext, DFixedContext, DirectionScratch;
        /// <summary>With dropout: the embedding masks (the source one also drawn time-major).</summary>
        public Tensor<T>? SourceMask, SourceMaskTimeMajor, AllTargetMask;
        public Tensor<T>[]? TargetMask;

        public void Dispose()
        {
            foreach (var t in _owned) t.Dispose();
            _owned.Clear();
        }
    }
}
