using System.Numerics;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Models;

public sealed partial class TransformerSeq2Seq<T>
{
    private TrainArena? _arena;
    private Seq2SeqBatch? _batch;
    private CrossEntropyLoss<T>? _lastLoss;
    /// <summary>The argmax of every logits row, for the token accuracy; grown, never shrunk, so that a new batch shape
    /// allocates nothing once the largest has been seen.</summary>
    private int[] _predicted = [];

    /// <summary>
    /// Forward and backward of one batch: adds every parameter's gradient of the label-smoothed mean cross-entropy per
    /// target token and returns that loss. Dropout draws from <paramref name="dropout"/> (null: none).
    /// </summary>
    public Seq2SeqLoss TrainStep(Seq2SeqBatch batch, RandomStream? dropout)
    {
        var loss = Forward(batch, dropout, _trainLoss);
        Backward();
        return loss;
    }

    /// <summary>The plain (unsmoothed) teacher-forced cross-entropy and token accuracy of a batch, without dropout or gradients.</summary>
    public Seq2SeqLoss Loss(Seq2SeqBatch batch) => Forward(batch, null, _evalLoss);

    /// <summary>The training loss (label-smoothed) of a batch, keeping what <see cref="Backward"/> needs (gradient checks).</summary>
    internal double TrainingForward(Seq2SeqBatch batch, RandomStream? dropout) => Forward(batch, dropout, _trainLoss).Loss;

    /// <summary>The logits <c>[T·B, V]</c> of the last forward (row <c>t·B + b</c>).</summary>
    internal Tensor<T> Logits => _arena?.Logits ?? throw new InvalidOperationException("TransformerSeq2Seq.Logits: run a forward first.");

    /// <summary>Runs the model over the batch (training loss when <paramref name="loss"/> is the smoothed one) and keeps
    /// what <see cref="Backward"/> needs.</summary>
    internal Seq2SeqLoss Forward(Seq2SeqBatch batch, RandomStream? dropout, CrossEntropyLoss<T> loss)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int b = batch.Batch, s = batch.SourceSteps, t = batch.TargetSteps;
        if (s > Config.MaxLength || t > Config.MaxLength)
            throw new ArgumentException($"TransformerSeq2Seq: a batch of {s} source and {t} target steps exceeds the model's maxLength {Config.MaxLength}.");
        var a = _arena = TrainArena.Ensure(_arena, _be, Config, b, s, t);
        _batch = batch;
        _lastLoss = loss;
        // Sources arrive batch-first; the stacks run time-major.
        for (int i = 0; i < b; i++)
            for (int j = 0; j < s; j++) a.SourceIds[j * b + i] = batch.SourceIds[i * s + j];
        var lengths = IsAllFull(batch.SourceLengths, s) ? [] : batch.SourceLengths;

        Embed(SourceEmbedding, _sourceLearned, a.SourceIds, 0, a.SourceEmbedded);
        _sourceDropout.Forward(a.SourceEmbedded, a.SourceDropped, dropout);
        _encoder.Forward(a.SourceDropped, lengths, a.Memory, dropout);
        Embed(_targetEmbedding, _targetLearned, batch.DecoderInputs, 0, a.TargetEmbedded);
        _targetDropout.Forward(a.TargetEmbedded, a.TargetDropped, dropout);
        _decoder.Forward(a.TargetDropped, a.Memory, lengths, a.Hidden, dropout);
        Project(a.Hidden, t * b, a.Logits);
        double value = loss.Forward(a.Logits, batch.Targets);
        int rows = t * b;
        if (_predicted.Length < rows) _predicted = new int[rows];
        var predicted = _predicted.AsSpan(0, rows);
        _be.ArgMaxRows(a.Logits, predicted);
        return new Seq2SeqLoss(value, batch.TargetTokens, Seq2Seq<T>.CountCorrect(predicted, batch.Targets));
    }

    /// <summary>Backward of the last forward: adds the gradient of its mean loss per target token to every parameter.</summary>
    internal void Backward()
    {
        var batch = _batch ?? throw new InvalidOperationException("TransformerSeq2Seq.Backward: call Forward first.");
        var a = _arena!;
        int rows = batch.TargetSteps * batch.Batch, e = Config.EmbeddingSize, v = Config.TargetVocabularySize;
        _lastLoss!.Backward(a.Logits, batch.Targets, a.DLogits);
        // logits = h·Wᵀ: dW += dLogitsᵀ·h (the tied target embedding), dh = dLogits·W.
        _be.Gemm(Transpose.Yes, Transpose.No, v, e, rows, T.One, a.DLogits, v, a.Hidden, e, T.One, _targetEmbedding.Weight.Gradient, e);
        _be.Gemm(Transpose.No, Transpose.No, rows, e, v, T.One, a.DLogits, v, _targetEmbedding.Weight.Value, e, T.Zero, a.DHidden, e);
        _decoder.Backward(a.DHidden, a.DTarget, a.DMemory);
        _targetDropout.Backward(a.DTarget, a.DTarget);
        EmbedBackward(_targetEmbedding, _targetLearned, batch.DecoderInputs, a.DTarget);
        _encoder.Backward(a.DMemory, a.DSource);
        _sourceDropout.Backward(a.DSource, a.DSource);
        EmbedBackward(SourceEmbedding, _sourceLearned, a.SourceIds, a.DSource);
    }

    /// <summary>Activations and gradients of one training batch shape (B, S, T), reused while the shape repeats.</summary>
    private sealed class TrainArena : IDisposable
    {
        private readonly List<Tensor<T>> _owned = new();
        private readonly (int B, int S, int T) _key;

        public static TrainArena Ensure(TrainArena? current, IBackend<T> be, TransformerSeq2SeqConfig c, int b, int s, int t)
        {
            if (current is not null && current._key == (b, s, t)) return current;
            current?.Dispose();
            return new TrainArena(be, c, b, s, t);
        }

        private TrainArena(IBackend<T> be, TransformerSeq2SeqConfig c, int b, int s, int t)
        {
            _key = (b, s, t);
            int e = c.EmbeddingSize, v = c.TargetVocabularySize;
            Tensor<T> A(params int[] shape) { var x = be.Allocate(shape); _owned.Add(x); return x; }
            SourceEmbedded = A(s, b, e); SourceDropped = A(s, b, e); Memory = A(s, b, e); DMemory = A(s, b, e); DSource = A(s, b, e);
            TargetEmbedded = A(t, b, e); TargetDropped = A(t, b, e); Hidden = A(t, b, e); DHidden = A(t, b, e); DTarget = A(t, b, e);
            Logits = A(t * b, v); DLogits = A(t * b, v);
            SourceIds = new int[s * b];
        }

        public Tensor<T> SourceEmbedded, SourceDropped, Memory, DMemory, DSource, TargetEmbedded, TargetDropped, Hidden, DHidden, DTarget, Logits, DLogits;
        /// <summary><c>[S, B]</c> time-major source ids.</summary>
        public int[] SourceIds;

        public void Dispose()
        {
            foreach (var x in _owned) x.Dispose();
            _owned.Clear();
        }
    }
}
