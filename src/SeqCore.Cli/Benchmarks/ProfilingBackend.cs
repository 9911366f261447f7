using System.Diagnostics;
using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Cli.Benchmarks;

/// <summary>Time, calls and work booked to one <see cref="OpFamily"/>.</summary>
internal readonly record struct FamilyTotal(OpFamily Family, long Calls, double Seconds, double Flops, double Bytes);

/// <summary>Time and calls booked to one backend method (e.g. <c>Gemm</c>, <c>DropoutMask</c>) in one family.</summary>
internal readonly record struct OperationTotal(string Operation, OpFamily Family, long Calls, double Seconds);

/// <summary>
/// A decorator of an <see cref="IBackend{T}"/> that times every call and books it to an <see cref="OpFamily"/> with its
/// work: GEMMs and attention kernels in floating-point operations (<c>2·m·n·k</c>; attention <c>2·(d + d_v)</c> per
/// visible query–key pair forward, 2.5 times that backward, key lengths ignored), every other call in bytes (each tensor
/// argument counted once, whole: a lower bound on the traffic of an in-place update). A GEMM is a weight-gradient GEMM
/// when its first operand is transposed, a per-step GEMM when it has <c>stepRows</c> rows (one time step of the batch),
/// else a projection GEMM.
/// </summary>
/// <remarks>The calls run on the inner backend unchanged; the tensors are the inner backend's. Meant for a synchronous
/// backend (the CPU): a call's time is from its start to its return. Not thread-safe (one caller at a time).</remarks>
internal sealed class ProfilingBackend<T> : IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int ElementSize = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
    private readonly IBackend<T> _inner;
    private readonly int _stepRows;
    private readonly long[] _calls = new long[OpFamilies.All.Count];
    private readonly long[] _ticks = new long[OpFamilies.All.Count];
    private readonly double[] _flops = new double[OpFamilies.All.Count];
    private readonly double[] _bytes = new double[OpFamilies.All.Count];
    private readonly Dictionary<(string Operation, OpFamily Family), (long Calls, long Ticks)> _operations = new();

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="stepRows"/> is the row count of a per-step GEMM (the
    /// batch of a recurrent layer; 0 when the model has no recurrence).</summary>
    public ProfilingBackend(IBackend<T> inner, int stepRows)
    {
        _inner = inner;
        _stepRows = stepRows;
    }

    /// <summary>The wrapped backend.</summary>
    public IBackend<T> Inner => _inner;

    /// <summary>What every family has booked since the last <see cref="Reset"/>.</summary>
    public IReadOnlyList<FamilyTotal> Totals =>
        [.. OpFamilies.All.Select(f => new FamilyTotal(f, _calls[(int)f], _ticks[(int)f] / (double)Stopwatch.Frequency, _flops[(int)f], _bytes[(int)f]))];

    /// <summary>What every backend method has booked since the last <see cref="Reset"/>.</summary>
    public IReadOnlyList<OperationTotal> Operations =>
        [.. _operations.Select(o => new OperationTotal(o.Key.Operation, o.Key.Family, o.Value.Calls, o.Value.Ticks / (double)Stopwatch.Frequency))];

    /// <summary>Forgets what was booked.</summary>
    public void Reset()
    {
        _operations.Clear();
        Array.Clear(_calls);
        Array.Clear(_ticks);
        Array.Clear(_flops);
        Array.Clear(_bytes);
    }

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <inheritdoc />
    public void Dispose() => _inner.Dispose();

    private OpFamily GemmFamily(Transpose transA, int m) =>
        transA == Transpose.Yes ? OpFamily.WeightGradientGemm : m == _stepRows ? OpFamily.StepGemm : OpFamily.ProjectionGemm;

    private void Record(OpFamily family, long began, double flops = 0, double bytes = 0,
        [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        int f = (int)family;
        long ticks = Stopwatch.GetTimestamp() - began;
        var key = (operation, family);
        _operations[key] = _operations.TryGetValue(key, out var o) ? (o.Calls + 1, o.Ticks + ticks) : (1, ticks);
        _ticks[f] += ticks;
        _calls[f]++;
        _flops[f] += flops;
        _bytes[f] += bytes;
    }

    private static double Bytes(Tensor<T>? t) => t is null ? 0 : (double)t.Length * ElementSize;

    /// <summary>Query–key pairs the kernel computes, over batch and heads: every key, or under the causal mask the keys
    /// up to the query's position (shifted by the offset).</summary>
    private static double AttentionPairs(in AttentionSpec spec)
    {
        double pairs = 0;
        for (int i = 0; i < spec.QueryLength; i++)
            pairs += spec.Causal ? Math.Clamp(spec.CausalOffset + i + 1, 0, spec.KeyLength) : spec.KeyLength;
        return pairs * spec.Batch * spec.Heads;
    }

    /// <inheritdoc />
    public void Sigmoid(Tensor<T> x, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Sigmoid(x, y);
        Record(OpFamily.CellKernels, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void SigmoidBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.SigmoidBackward(y, dy, dx);
        Record(OpFamily.CellKernels, began, bytes: Bytes(y) + Bytes(dy) + Bytes(dx));
    }

    /// <inheritdoc />
    public void Tanh(Tensor<T> x, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Tanh(x, y);
        Record(OpFamily.CellKernels, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void TanhBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.TanhBackward(y, dy, dx);
        Record(OpFamily.CellKernels, began, bytes: Bytes(y) + Bytes(dy) + Bytes(dx));
    }

    /// <inheritdoc />
    public void Relu(Tensor<T> x, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Relu(x, y);
        Record(OpFamily.CellKernels, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void ReluBackward(Tensor<T> x, Tensor<T> dy, Tensor<T> dx)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.ReluBackward(x, dy, dx);
        Record(OpFamily.CellKernels, began, bytes: Bytes(x) + Bytes(dy) + Bytes(dx));
    }

    /// <inheritdoc />
    public void Gelu(Tensor<T> x, GeluApproximation approximation, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Gelu(x, approximation, y);
        Record(OpFamily.CellKernels, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void GeluBackward(Tensor<T> x, Tensor<T> dy, GeluApproximation approximation, Tensor<T> dx)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GeluBackward(x, dy, approximation, dx);
        Record(OpFamily.CellKernels, began, bytes: Bytes(x) + Bytes(dy) + Bytes(dx));
    }

    /// <inheritdoc />
    public void AttentionForward(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> output, Tensor<T> logSumExp)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.AttentionForward(q, k, v, keyLengths, in spec, output, logSumExp);
        Record(OpFamily.Attention, began, flops: 2.0 * AttentionPairs(spec) * (spec.HeadSize + spec.EffectiveValueSize));
    }

    /// <inheritdoc />
    public void AttentionBackward(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> output, Tensor<T> logSumExp, Tensor<T> dOutput, Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> dq, Tensor<T> dk, Tensor<T> dv)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.AttentionBackward(q, k, v, output, logSumExp, dOutput, keyLengths, in spec, dq, dk, dv);
        Record(OpFamily.Attention, began, flops: 2.5 * 2.0 * AttentionPairs(spec) * (spec.HeadSize + spec.EffectiveValueSize));
    }

    /// <inheritdoc />
    public void AttentionWeights(Tensor<T> q, Tensor<T> k, Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> weights)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.AttentionWeights(q, k, keyLengths, in spec, weights);
        Record(OpFamily.Attention, began, flops: 2.0 * AttentionPairs(spec) * spec.HeadSize);
    }

    /// <inheritdoc />
    public void AdditiveScores(Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T>? keyLengths, int batch, int queryLength, int keyLength, Tensor<T> scores)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.AdditiveScores(queryProj, keyProj, v, keyLengths, batch, queryLength, keyLength, scores);
        Record(OpFamily.Attention, began, bytes: Bytes(queryProj) + Bytes(keyProj) + Bytes(v) + Bytes(keyLengths) + Bytes(scores));
    }

    /// <inheritdoc />
    public void AdditiveScoresBackward(Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T> dScores, Tensor<T>? keyLengths, int batch, int queryLength, int keyLength, Tensor<T> dQueryProj, Tensor<T> dKeyProj, Tensor<T> dv)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.AdditiveScoresBackward(queryProj, keyProj, v, dScores, keyLengths, batch, queryLength, keyLength, dQueryProj, dKeyProj, dv);
        Record(OpFamily.Attention, began, bytes: Bytes(queryProj) + Bytes(keyProj) + Bytes(v) + Bytes(dScores) + Bytes(keyLengths) + Bytes(dQueryProj) + Bytes(dKeyProj) + Bytes(dv));
    }

    /// <inheritdoc />
    public void Im2Col(Tensor<T> x, int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength, Tensor<T> columns)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Im2Col(x, channels, length, kernel, stride, dilation, padLeft, outLength, columns);
        Record(OpFamily.Other, began, bytes: Bytes(x) + Bytes(columns));
    }

    /// <inheritdoc />
    public void Col2Im(Tensor<T> columns, int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength, Tensor<T> dx)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Col2Im(columns, channels, length, kernel, stride, dilation, padLeft, outLength, dx);
        Record(OpFamily.Other, began, bytes: Bytes(columns) + Bytes(dx));
    }

    /// <inheritdoc />
    public void GlobalAvgPoolForward(Tensor<T> x, Tensor<T>? lengths, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GlobalAvgPoolForward(x, lengths, y);
        Record(OpFamily.Other, began, bytes: Bytes(x) + Bytes(lengths) + Bytes(y));
    }

    /// <inheritdoc />
    public void GlobalAvgPoolBackward(Tensor<T>? lengths, Tensor<T> dy, Tensor<T> dx)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GlobalAvgPoolBackward(lengths, dy, dx);
        Record(OpFamily.Other, began, bytes: Bytes(lengths) + Bytes(dy) + Bytes(dx));
    }

    /// <inheritdoc />
    public void GlobalMaxPoolForward(Tensor<T> x, Tensor<T>? lengths, Tensor<T> y, Tensor<T> argmax)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GlobalMaxPoolForward(x, lengths, y, argmax);
        Record(OpFamily.Other, began, bytes: Bytes(x) + Bytes(lengths) + Bytes(y) + Bytes(argmax));
    }

    /// <inheritdoc />
    public void GlobalMaxPoolBackward(Tensor<T> argmax, Tensor<T> dy, Tensor<T> dx)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GlobalMaxPoolBackward(argmax, dy, dx);
        Record(OpFamily.Other, began, bytes: Bytes(argmax) + Bytes(dy) + Bytes(dx));
    }

    /// <inheritdoc />
    public void Add(Tensor<T> a, Tensor<T> b, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Add(a, b, y);
        Record(OpFamily.Other, began, bytes: Bytes(a) + Bytes(b) + Bytes(y));
    }

    /// <inheritdoc />
    public void Sub(Tensor<T> a, Tensor<T> b, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Sub(a, b, y);
        Record(OpFamily.Other, began, bytes: Bytes(a) + Bytes(b) + Bytes(y));
    }

    /// <inheritdoc />
    public void Mul(Tensor<T> a, Tensor<T> b, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Mul(a, b, y);
        Record(OpFamily.Other, began, bytes: Bytes(a) + Bytes(b) + Bytes(y));
    }

    /// <inheritdoc />
    public void Scale(Tensor<T> x, T alpha, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Scale(x, alpha, y);
        Record(OpFamily.Other, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void Axpy(Tensor<T> x, T alpha, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Axpy(x, alpha, y);
        Record(OpFamily.Other, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void Fill(T value, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Fill(value, y);
        Record(OpFamily.Other, began, bytes: Bytes(y));
    }

    /// <inheritdoc />
    public void Copy(Tensor<T> x, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Copy(x, y);
        Record(OpFamily.Other, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, Tensor<T> b, int ldb, T beta, Tensor<T> c, int ldc)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Record(GemmFamily(transA, m), began, flops: 2.0 * m * n * k);
    }

    /// <inheritdoc />
    public void GemmStridedBatched(Transpose transA, Transpose transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, long strideA, Tensor<T> b, int ldb, long strideB, T beta, Tensor<T> c, int ldc, long strideC, int batchCount)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batchCount);
        Record(OpFamily.Attention, began, flops: 2.0 * m * n * k * batchCount);
    }

    /// <inheritdoc />
    public void GruCellForward(Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> h)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GruCellForward(gates, hGates, hPrev, h);
        Record(OpFamily.CellKernels, began, bytes: Bytes(gates) + Bytes(hGates) + Bytes(hPrev) + Bytes(h));
    }

    /// <inheritdoc />
    public void GruCellBackward(Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> dh, Tensor<T> dGates, Tensor<T> dhGates, Tensor<T> dhPrev)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GruCellBackward(gates, hGates, hPrev, dh, dGates, dhGates, dhPrev);
        Record(OpFamily.CellKernels, began, bytes: Bytes(gates) + Bytes(hGates) + Bytes(hPrev) + Bytes(dh) + Bytes(dGates) + Bytes(dhGates) + Bytes(dhPrev));
    }

    /// <inheritdoc />
    public void GruOriginalGatesForward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> resetHidden)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GruOriginalGatesForward(gates, hPrev, resetHidden);
        Record(OpFamily.CellKernels, began, bytes: Bytes(gates) + Bytes(hPrev) + Bytes(resetHidden));
    }

    /// <inheritdoc />
    public void GruOriginalCellForward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> h)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GruOriginalCellForward(gates, hPrev, h);
        Record(OpFamily.CellKernels, began, bytes: Bytes(gates) + Bytes(hPrev) + Bytes(h));
    }

    /// <inheritdoc />
    public void GruOriginalCellBackward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dh, Tensor<T> dGates, Tensor<T> dhPrev)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GruOriginalCellBackward(gates, hPrev, dh, dGates, dhPrev);
        Record(OpFamily.CellKernels, began, bytes: Bytes(gates) + Bytes(hPrev) + Bytes(dh) + Bytes(dGates) + Bytes(dhPrev));
    }

    /// <inheritdoc />
    public void GruOriginalGatesBackward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dResetHidden, Tensor<T> dGates, Tensor<T> dhPrev)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.GruOriginalGatesBackward(gates, hPrev, dResetHidden, dGates, dhPrev);
        Record(OpFamily.CellKernels, began, bytes: Bytes(gates) + Bytes(hPrev) + Bytes(dResetHidden) + Bytes(dGates) + Bytes(dhPrev));
    }

    /// <inheritdoc />
    public double CrossEntropyForward(Tensor<T> logits, ReadOnlySpan<int> targets, int ignoreIndex, double labelSmoothing, LossReduction reduction, Tensor<T>? rowLosses)
    {
        long began = Stopwatch.GetTimestamp();
        var result = _inner.CrossEntropyForward(logits, targets, ignoreIndex, labelSmoothing, reduction, rowLosses);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(logits) + Bytes(rowLosses));
        return result;
    }

    /// <inheritdoc />
    public void CrossEntropyBackward(Tensor<T> logits, ReadOnlySpan<int> targets, int ignoreIndex, double labelSmoothing, LossReduction reduction, double scale, Tensor<T> dLogits)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.CrossEntropyBackward(logits, targets, ignoreIndex, labelSmoothing, reduction, scale, dLogits);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(logits) + Bytes(dLogits));
    }

    /// <inheritdoc />
    public double BceWithLogitsForward(Tensor<T> logits, Tensor<T> targets, Tensor<T>? posWeight, LossReduction reduction)
    {
        long began = Stopwatch.GetTimestamp();
        var result = _inner.BceWithLogitsForward(logits, targets, posWeight, reduction);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(logits) + Bytes(targets) + Bytes(posWeight));
        return result;
    }

    /// <inheritdoc />
    public void BceWithLogitsBackward(Tensor<T> logits, Tensor<T> targets, Tensor<T>? posWeight, LossReduction reduction, double scale, Tensor<T> dLogits)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.BceWithLogitsBackward(logits, targets, posWeight, reduction, scale, dLogits);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(logits) + Bytes(targets) + Bytes(posWeight) + Bytes(dLogits));
    }

    /// <inheritdoc />
    public double MseForward(Tensor<T> prediction, Tensor<T> target, LossReduction reduction)
    {
        long began = Stopwatch.GetTimestamp();
        var result = _inner.MseForward(prediction, target, reduction);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(prediction) + Bytes(target));
        return result;
    }

    /// <inheritdoc />
    public void MseBackward(Tensor<T> prediction, Tensor<T> target, LossReduction reduction, double scale, Tensor<T> dPrediction)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.MseBackward(prediction, target, reduction, scale, dPrediction);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(prediction) + Bytes(target) + Bytes(dPrediction));
    }

    /// <inheritdoc />
    public void LstmCellForward(Tensor<T> gates, Tensor<T> cPrev, Tensor<T>? peepholes, Tensor<T> c, Tensor<T> h)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.LstmCellForward(gates, cPrev, peepholes, c, h);
        Record(OpFamily.CellKernels, began, bytes: Bytes(gates) + Bytes(cPrev) + Bytes(peepholes) + Bytes(c) + Bytes(h));
    }

    /// <inheritdoc />
    public void LstmCellBackward(Tensor<T> gates, Tensor<T> cPrev, Tensor<T> c, Tensor<T>? peepholes, Tensor<T> dh, Tensor<T> dc, Tensor<T> dGates, Tensor<T> dcPrev, Tensor<T>? dPeepholes)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.LstmCellBackward(gates, cPrev, c, peepholes, dh, dc, dGates, dcPrev, dPeepholes);
        Record(OpFamily.CellKernels, began, bytes: Bytes(gates) + Bytes(cPrev) + Bytes(c) + Bytes(peepholes) + Bytes(dh) + Bytes(dc) + Bytes(dGates) + Bytes(dcPrev) + Bytes(dPeepholes));
    }

    /// <inheritdoc />
    public void LayerNormForward(Tensor<T> x, Tensor<T>? weight, Tensor<T>? bias, T epsilon, Tensor<T> y, Tensor<T> mean, Tensor<T> rstd)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.LayerNormForward(x, weight, bias, epsilon, y, mean, rstd);
        Record(OpFamily.LayerNorm, began, bytes: Bytes(x) + Bytes(weight) + Bytes(bias) + Bytes(y) + Bytes(mean) + Bytes(rstd));
    }

    /// <inheritdoc />
    public void LayerNormBackward(Tensor<T> x, Tensor<T>? weight, Tensor<T> mean, Tensor<T> rstd, Tensor<T> dy, Tensor<T>? dx, Tensor<T>? dWeight, Tensor<T>? dBias)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.LayerNormBackward(x, weight, mean, rstd, dy, dx, dWeight, dBias);
        Record(OpFamily.LayerNorm, began, bytes: Bytes(x) + Bytes(weight) + Bytes(mean) + Bytes(rstd) + Bytes(dy) + Bytes(dx) + Bytes(dWeight) + Bytes(dBias));
    }

    /// <inheritdoc />
    public void SgdUpdate(Tensor<T> parameter, Tensor<T> gradient, Tensor<T>? momentumBuffer, double learningRate, double momentum, double dampening, double weightDecay, bool nesterov, bool firstStep)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.SgdUpdate(parameter, gradient, momentumBuffer, learningRate, momentum, dampening, weightDecay, nesterov, firstStep);
        Record(OpFamily.Optimizer, began, bytes: Bytes(parameter) + Bytes(gradient) + Bytes(momentumBuffer));
    }

    /// <inheritdoc />
    public void AdamUpdate(Tensor<T> parameter, Tensor<T> gradient, Tensor<T> expAvg, Tensor<T> expAvgSq, double learningRate, double beta1, double beta2, double epsilon, double weightDecay, bool decoupledWeightDecay, int step)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.AdamUpdate(parameter, gradient, expAvg, expAvgSq, learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay, step);
        Record(OpFamily.Optimizer, began, bytes: Bytes(parameter) + Bytes(gradient) + Bytes(expAvg) + Bytes(expAvgSq));
    }

    /// <inheritdoc />
    public void FillUniform(RandomStream random, T low, T high, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.FillUniform(random, low, high, y);
        Record(OpFamily.Other, began, bytes: Bytes(y));
    }

    /// <inheritdoc />
    public void FillNormal(RandomStream random, T mean, T std, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.FillNormal(random, mean, std, y);
        Record(OpFamily.Other, began, bytes: Bytes(y));
    }

    /// <inheritdoc />
    public void FillBernoulliMask(RandomStream random, T keepProbability, T scale, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.FillBernoulliMask(random, keepProbability, scale, y);
        Record(OpFamily.Other, began, bytes: Bytes(y));
    }

    /// <inheritdoc />
    public void SumRows(Tensor<T> x, bool accumulate, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.SumRows(x, accumulate, y);
        Record(OpFamily.Other, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void SumCols(Tensor<T> x, bool accumulate, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.SumCols(x, accumulate, y);
        Record(OpFamily.Other, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public double SumOfSquares(Tensor<T> x)
    {
        long began = Stopwatch.GetTimestamp();
        var result = _inner.SumOfSquares(x);
        Record(OpFamily.Optimizer, began, bytes: Bytes(x));
        return result;
    }

    /// <inheritdoc />
    public void ArgMaxRows(Tensor<T> x, Span<int> indices)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.ArgMaxRows(x, indices);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(x) + (long)indices.Length * sizeof(int));
    }

    /// <inheritdoc />
    public void BroadcastRows(Tensor<T> row, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.BroadcastRows(row, y);
        Record(OpFamily.Other, began, bytes: Bytes(row) + Bytes(y));
    }

    /// <inheritdoc />
    public void Copy2D(Tensor<T> x, int rows, int cols, int ldx, Tensor<T> y, int ldy)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Copy2D(x, rows, cols, ldx, y, ldy);
        Record(OpFamily.Other, began, bytes: 2.0 * rows * cols * ElementSize);
    }

    /// <inheritdoc />
    public void SwapLeadingAxes(Tensor<T> x, int a, int b, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.SwapLeadingAxes(x, a, b, y);
        Record(OpFamily.Other, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void Gather(Tensor<T> table, ReadOnlySpan<int> indices, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Gather(table, indices, y);
        Record(OpFamily.Other, began, bytes: 2.0 * Bytes(y));
    }

    /// <inheritdoc />
    public void ScatterAddRows(Tensor<T> dy, ReadOnlySpan<int> indices, int skipIndex, Tensor<T> dTable)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.ScatterAddRows(dy, indices, skipIndex, dTable);
        Record(OpFamily.Other, began, bytes: 3.0 * Bytes(dy));
    }

    /// <inheritdoc />
    public void SelectRows(Tensor<T> lengths, int t, Tensor<T> whenActive, Tensor<T> whenInactive, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.SelectRows(lengths, t, whenActive, whenInactive, y);
        Record(OpFamily.Other, began, bytes: Bytes(lengths) + Bytes(whenActive) + Bytes(whenInactive) + Bytes(y));
    }

    /// <inheritdoc />
    public void MaskRows(Tensor<T> lengths, int t, bool keepActive, Tensor<T> x, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.MaskRows(lengths, t, keepActive, x, y);
        Record(OpFamily.Other, began, bytes: Bytes(lengths) + Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void AddPositionRows(Tensor<T> x, Tensor<T> table, int start, bool batchFirst, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.AddPositionRows(x, table, start, batchFirst, y);
        Record(OpFamily.Other, began, bytes: Bytes(x) + Bytes(table) + Bytes(y));
    }

    /// <inheritdoc />
    public void AccumulatePositionRows(Tensor<T> dy, int start, bool batchFirst, Tensor<T> dTable)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.AccumulatePositionRows(dy, start, batchFirst, dTable);
        Record(OpFamily.Other, began, bytes: Bytes(dy) + Bytes(dTable));
    }

    /// <inheritdoc />
    public void Softmax(Tensor<T> x, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.Softmax(x, y);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void SoftmaxBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.SoftmaxBackward(y, dy, dx);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(y) + Bytes(dy) + Bytes(dx));
    }

    /// <inheritdoc />
    public void LogSoftmax(Tensor<T> x, Tensor<T> y)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.LogSoftmax(x, y);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(x) + Bytes(y));
    }

    /// <inheritdoc />
    public void LogSoftmaxBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.LogSoftmaxBackward(y, dy, dx);
        Record(OpFamily.SoftmaxAndLoss, began, bytes: Bytes(y) + Bytes(dy) + Bytes(dx));
    }

    /// <inheritdoc />
    public Tensor<T> Allocate(params int[] shape) => _inner.Allocate(shape);

    /// <inheritdoc />
    public void Release(Tensor<T> tensor) => _inner.Release(tensor);

    /// <inheritdoc />
    public void CopyFromHost(ReadOnlySpan<T> source, Tensor<T> destination)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.CopyFromHost(source, destination);
        Record(OpFamily.Other, began, bytes: Bytes(destination));
    }

    /// <inheritdoc />
    public void CopyToHost(Tensor<T> source, Span<T> destination)
    {
        long began = Stopwatch.GetTimestamp();
        _inner.CopyToHost(source, destination);
        Record(OpFamily.Other, began, bytes: Bytes(source));
    }

    /// <inheritdoc />
    public void Synchronize() => _inner.Synchronize();
}
