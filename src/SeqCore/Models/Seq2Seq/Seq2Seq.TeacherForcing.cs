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

    /// <summary>
    /// Forward and backward of one batch: adds every parameter's gradient (scaled for the mean loss per target token)
    /// and returns the loss. With <paramref name="teacherForcing"/> &lt; 1, each decoder input after the first is, with
    /// probability 1 − ratio (drawn per sequence and step from <paramref name="random"/>), the model's own previous
    /// argmax prediction instead of the reference token (scheduled sampling's mix, Bengio et al. 2015).
    /// </summary>
    public Seq2SeqLoss TrainStep(Seq2SeqBatch batch, double teacherForcing = 1.0, RandomStream? random = null)
    {
        var loss = Forward(batch, teacherForcing, random);
        Backward();
        return loss;
    }

    /// <summary>The teacher-forced loss and token accuracy of a batch (no gradients).</summary>
    public Seq2SeqLoss Loss(Seq2SeqBatch batch) => Forward(batch, 1.0, null);

    /// <summary>Runs the model over the batch and keeps what <see cref="Backward"/> needs.</summary>
    internal Seq2SeqLoss Forward(Seq2SeqBatch batch, double teacherForcing, RandomStream? random)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (teacherForcing is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(teacherForcing), $"Seq2Seq: the teacher-forcing ratio must be in [0, 1], got {teacherForcing}.");
        if (teacherForcing < 1 && random is null) throw new ArgumentException("Seq2Seq: a teacher-forcing ratio below 1 needs a random stream.");
        int bsz = batch.Batch, s = batch.SourceSteps, steps = batch.TargetSteps;
        var a = _arena = TrainArena.Ensure(_arena, _be, Config, bsz, s, steps);
        _batch = batch;
        if (_decoderInputs.Length != batch.DecoderInputs.Length) _decoderInputs = new int[batch.DecoderInputs.Length];
        batch.DecoderInputs.CopyTo(_decoderInputs, 0);

        Encode(batch.SourceIds, batch.SourceLengths, bsz, s, a.SourceEmbedded, a.Memory, a.FinalH, a.FinalC, a.H[0], a.C?[0]);
        int e = Config.EmbeddingSize, dk = Config.DecoderSize, din = Config.DecoderInputSize, v = Config.TargetVocabularySize;
        var lengths = IsAllFull(batch.SourceLengths, s) ? [] : batch.SourceLengths;
        var host = new T[bsz * v];
        int correct = 0;
        for (int t = 0; t < steps; t++)
        {
            var inputs = _decoderInputs.AsSpan(t * bsz, bsz);
            if (t > 0 && teacherForcing < 1) SampleInputs(batch, t, teacherForcing, random!, host, inputs);
            _targetEmbedding.Forward(inputs, a.TargetEmbedded[t]);
            _be.Copy2D(a.TargetEmbedded[t], bsz, e, e, a.X[t], din);
            if (Config.InputFeeding)
            {
                if (t == 0) _be.Copy2D(a.Zeros, bsz, dk, dk, Columns(a.X[t], e), din);
                else _be.Copy2D(a.HTilde[t - 1], bsz, dk, dk, Columns(a.X[t], e), din);
            }
            _decoder.Forward(a.X3[t], [], a.H[t], a.C?[t], a.H[t + 1], null, a.C?[t + 1]);
            AttentionForward(a.Query[t + 1], a.Memory, lengths, a.Context[t]);
            _be.Copy2D(a.Context[t], bsz, dk, dk, a.Combined[t], 2 * dk);
            _be.Copy2D(a.H[t + 1], bsz, dk, dk, Columns(a.Combined[t], dk), 2 * dk);
            _combine.Forward(a.Combined[t], a.HTilde[t]);
            _be.Tanh(a.HTilde[t], a.HTilde[t]);
            _generator.Forward(a.HTilde[t], a.Logits[t]);
            _be.CopyToHost(a.Logits[t], host);
            correct += CountCorrect(host, batch.Targets.AsSpan(t * bsz, bsz), v);
        }
        double loss = _loss.Forward(a.AllLogits, batch.Targets);
        return new Seq2SeqLoss(loss, batch.TargetTokens, correct);
    }

    /// <summary>Replaces some step-t inputs by the argmax of step t−1 (whose logits are in <paramref name="host"/>).</summary>
    private static void SampleInputs(Seq2SeqBatch batch, int t, double ratio, RandomStream random, T[] host, Span<int> inputs)
    {
        int bsz = batch.Batch, v = host.Length / bsz;
        Span<double> coins = bsz <= 256 ? stackalloc double[bsz] : new double[bsz];
        random.NextRowDoubles(coins);
        for (int b = 0; b < bsz; b++)
        {
            bool ownPrediction = coins[b] >= ratio;
            if (ownPrediction && batch.Targets[(t - 1) * bsz + b] != Seq2SeqBatch.IgnoreIndex && inputs[b] != Seq2SeqVocabulary.Pad)
                inputs[b] = ArgMax(host.AsSpan(b * v, v));
        }
    }

    private static int CountCorrect(T[] logits, ReadOnlySpan<int> targets, int v)
    {
        int correct = 0;
        for (int b = 0; b < targets.Length; b++)
            if (targets[b] != Seq2SeqBatch.IgnoreIndex && ArgMax(logits.AsSpan(b * v, v)) == targets[b]) correct++;
        return correct;
    }

    internal static int ArgMax(ReadOnlySpan<T> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
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
        for (int t = steps - 1; t >= 0; t--)
        {
            // h̃_t feeds the generator and, with input feeding, the next step's cell input.
            if (Config.InputFeeding && t < steps - 1) _be.Add(a.DHTilde[t], a.DFeed, a.DHTilde[t]);
            _be.TanhBackward(a.HTilde[t], a.DHTilde[t], a.DPre);
            _combine.Backward(a.Combined[t], a.DPre, a.DCombined);
            _be.Copy2D(a.DCombined, bsz, dk, 2 * dk, a.DContext, dk);
            _be.Copy2D(Columns(a.DCombined, dk), bsz, dk, 2 * dk, a.DhTotal, dk);

            AttentionForward(a.Query[t + 1], a.Memory, lengths, a.ContextScratch);
            AttentionBackward(a.DContext3, a.DQuery, a.DMemoryStep);
            _be.Add(a.DMemory, a.DMemoryStep, a.DMemory);
            _be.Add(a.DhTotal, a.DQuery, a.DhTotal);
            _be.Add(a.DhTotal, a.DhState, a.DhTotal);

            _decoder.Forward(a.X3[t], [], a.H[t], a.C?[t], a.CellOutScratch, null, a.CellStateScratch);
            _decoder.Backward(a.DhTotal, null, a.DcState, a.DX, a.DhState, a.DcState);
            _be.Copy2D(a.DX, bsz, e, din, a.DTargetEmbedded[t], e);
            if (Config.InputFeeding) _be.Copy2D(Columns(a.DX, e), bsz, dk, din, a.DFeed, dk);
        }
        _targetEmbedding.Backward(_decoderInputs, a.DAllTargetEmbedded);
        BridgeBackward(a.DhState, a.DFinalH, bsz);
        if (a.DcState is not null) BridgeBackward(a.DcState, a.DFinalC!, bsz);
        _encoder.Backward(a.DMemory, a.DFinalH, a.DFinalC, a.DSourceEmbedded, null, null);
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
            int e = c.EmbeddingSize, dk = c.DecoderSize, din = c.DecoderInputSize, v = c.TargetVocabularySize, d = c.Directions, h = c.HiddenSize;
            bool cellState = c.HasCellState;
            Tensor<T> A(params int[] shape) { var x = be.Allocate(shape); _owned.Add(x); return x; }

            SourceEmbedded = A(b, s, e); DSourceEmbedded = A(b, s, e);
            Memory = A(b, s, dk); DMemory = A(b, s, dk); DMemoryStep = A(b, s, dk);
            FinalH = A(d, b, h); DFinalH = A(d, b, h);
            if (cellState) { FinalC = A(d, b, h); DFinalC = A(d, b, h); }
            var hs = A(steps + 1, 1, b, dk);
            H = Views(hs, steps + 1, 1, b, dk);
            Query = Views(hs, steps + 1, b, 1, dk);
            if (cellState) C = Views(A(steps + 1, 1, b, dk), steps + 1, 1, b, dk);
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
            DhState = A(1, b, dk);
            if (cellState) DcState = A(1, b, dk);
            DX = A(1, b, din);
            ContextScratch = A(b, 1, dk);
            CellOutScratch = A(1, b, dk);
            if (cellState) CellStateScratch = A(1, b, dk);
        }

        private static Tensor<T>[] Views(Tensor<T> buffer, int count, params int[] shape)
        {
            long size = Tensor<T>.ShapeLength(shape);
            var views = new Tensor<T>[count];
            for (int i = 0; i < count; i++) views[i] = buffer.Slice(i * size, shape);
            return views;
        }

        public Tensor<T> SourceEmbedded, DSourceEmbedded, Memory, DMemory, DMemoryStep, FinalH, DFinalH;
        public Tensor<T>? FinalC, DFinalC, DcState, CellStateScratch;
        /// <summary>h_t as <c>[1, B, Dk]</c> (t = 0 is the initial state) and the same rows as attention queries <c>[B, 1, Dk]</c>.</summary>
        public Tensor<T>[] H, Query;
        public Tensor<T>[]? C;
        public Tensor<T> AllTargetEmbedded, DAllTargetEmbedded, AllHTilde, DAllHTilde, AllLogits, DLogits;
        public Tensor<T>[] TargetEmbedded, DTargetEmbedded, X, X3, Context, Combined, HTilde, DHTilde, Logits;
        public Tensor<T> Zeros, DFeed, DPre, DCombined, DContext, DContext3, DhTotal, DQuery, DhState, DX, ContextScratch, CellOutScratch;

        public void Dispose()
        {
            foreach (var t in _owned) t.Dispose();
            _owned.Clear();
        }
    }
}
