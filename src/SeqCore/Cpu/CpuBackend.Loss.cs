using System.Numerics;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    // ----- softmax cross-entropy ------------------------------------------------------------

    /// <inheritdoc />
    public double CrossEntropyForward(Tensor<T> logits, ReadOnlySpan<int> targets, int ignoreIndex, double labelSmoothing,
        LossReduction reduction, Tensor<T>? rowLosses)
    {
        const string op = "CrossEntropyForward";
        T* px = Ptr(logits, op, "logits");
        T* pl = rowLosses is null ? null : Ptr(rowLosses, op, "rowLosses");
        if (rowLosses is not null) Check.Length(op, rowLosses, "rowLosses", logits.AsMatrix().Rows, "one loss per row of 'logits'", logits);
        var (rows, cols) = Check.CrossEntropy(op, logits, targets, ignoreIndex, labelSmoothing, out int counted);
        if (rows == 0) return 0.0;
        fixed (int* pt = targets)
        {
            var job = JobCache<CrossEntropyJob>.Get();
            job.Set(px, pt, null, pl, rows, cols, ignoreIndex, labelSmoothing, 0.0);
            RunRowJob(job, rows, cols);
            double total = job.Total();
            return reduction == LossReduction.Sum ? total : counted == 0 ? 0.0 : total / counted;
        }
    }

    /// <inheritdoc />
    public void CrossEntropyBackward(Tensor<T> logits, ReadOnlySpan<int> targets, int ignoreIndex, double labelSmoothing,
        LossReduction reduction, double scale, Tensor<T> dLogits)
    {
        const string op = "CrossEntropyBackward";
        T* px = Ptr(logits, op, "logits"), pd = Ptr(dLogits, op, "dLogits");
        Check.SameLength(op, logits, "logits", dLogits, "dLogits");
        var (rows, cols) = Check.CrossEntropy(op, logits, targets, ignoreIndex, labelSmoothing, out int counted);
        if (rows == 0) return;
        double k = reduction == LossReduction.Sum ? scale : counted == 0 ? 0.0 : scale / counted;
        fixed (int* pt = targets)
        {
            var job = JobCache<CrossEntropyJob>.Get();
            job.Set(px, pt, pd, null, rows, cols, ignoreIndex, labelSmoothing, k);
            RunRowJob(job, rows, cols);
        }
    }

    private void RunRowJob(CrossEntropyJob job, int rows, int cols)
    {
        int perChunk = Math.Max(1, (int)Math.Min(rows, (1 << 14) / Math.Max(1, cols)));
        int chunks = (rows + perChunk - 1) / perChunk;
        job.Prepare(perChunk, chunks);
        if ((long)rows * cols < Pointwise.ParallelThreshold || _pool.Threads == 1 || chunks == 1)
            for (int c = 0; c < chunks; c++) job.Execute(c);
        else _pool.Run(job, chunks);
    }

    /// <summary>Forward (partial loss sums per chunk, optional row losses) or backward (dLogits) of the fused cross-entropy.</summary>
    private sealed class CrossEntropyJob : IParallelJob
    {
        private T* _x, _dx, _rowLoss;
        private int* _targets;
        private int _rows, _cols, _ignore, _perChunk, _chunks;
        private double _smoothing, _k;
        private double[] _partials = new double[16];

        public void Set(T* x, int* targets, T* dx, T* rowLoss, int rows, int cols, int ignore, double smoothing, double k)
        {
            _x = x; _targets = targets; _dx = dx; _rowLoss = rowLoss; _rows = rows; _cols = cols;
            _ignore = ignore; _smoothing = smoothing; _k = k;
        }

        public void Prepare(int perChunk, int chunks)
        {
            _perChunk = perChunk; _chunks = chunks;
            if (_dx == null && _partials.Length < chunks) _partials = new double[Math.Max(chunks, 2 * _partials.Length)];
        }

        public double Total()
        {
            double s = 0;
            for (int c = 0; c < _chunks; c++) s += _partials[c];
            return s;
        }

        public void Execute(int chunk)
        {
            int end = Math.Min(_rows, (chunk + 1) * _perChunk), n = _cols;
            double partial = 0, eps = _smoothing;
            for (int r = chunk * _perChunk; r < end; r++)
            {
                T* x = _x + (long)r * n;
                int t = _targets[r];
                if (t == _ignore)
                {
                    if (_dx != null) new Span<T>(_dx + (long)r * n, n).Clear();
                    else if (_rowLoss != null) _rowLoss[r] = T.Zero;
                    continue;
                }
                T max = RowMax(x, n);
                double sumExp = double.CreateTruncating(SumExp(x, n, max));
                if (_dx == null)
                {
                    double lse = double.CreateTruncating(max) + Math.Log(sumExp);
                    double loss = lse - (1.0 - eps) * double.CreateTruncating(x[t]);
                    if (eps != 0.0) loss -= eps / n * double.CreateTruncating(Sum(x, n));
                    partial += loss;
                    if (_rowLoss != null) _rowLoss[r] = T.CreateTruncating(loss);
                }
                else
                {
                    // dx_c = e^(x_c − m)·k/s − k·ε/C, then dx_t −= k·(1 − ε); dx_t is read from x_t before the correction.
                    T* dx = _dx + (long)r * n;
                    Pointwise.Unary(new CrossEntropyGradOp(max, T.CreateTruncating(_k / sumExp), T.CreateTruncating(_k * eps / n)), x, dx, n);
                    dx[t] -= T.CreateTruncating(_k * (1.0 - eps));
                }
            }
            if (_dx == null) _partials[chunk] = partial;
        }
    }

    /// <summary>Σ e^(x − max) over a row.</summary>
    private static T SumExp(T* x, int n, T max)
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            var vmax = Vector256.Create(max);
            var vs = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) vs += VectorMath.Exp(Vector256.Load(x + i) - vmax);
            sum = Vector256.Sum(vs);
        }
        for (; i < n; i++) sum += T.Exp(x[i] - max);
        return sum;
    }

    /// <summary>x ↦ e^(x − max)·a − b.</summary>
    private readonly struct CrossEntropyGradOp(T max, T a, T b) : IUnaryOp<T>
    {
        public T Invoke(T x) => T.Exp(x - max) * a - b;
        public Vector256<T> Invoke(Vector256<T> x) => VectorMath.Exp(x - Vector256.Create(max)) * Vector256.Create(a) - Vector256.Create(b);
    }

    // ----- binary cross-entropy with logits -------------------------------------------------

    private (int Rows, int Cols) BceArgs(string op, Tensor<T> logits, Tensor<T> targets, Tensor<T>? posWeight, out T* px, out T* py, out T* pw)
    {
        px = Ptr(logits, op, "logits");
        py = Ptr(targets, op, "targets");
        pw = posWeight is null ? null : Ptr(posWeight, op, "posWeight");
        Check.SameLength(op, logits, "logits", targets, "targets");
        var (rows, cols) = logits.AsMatrix();
        if (posWeight is not null) Check.Length(op, posWeight, "posWeight", cols, "one weight per class (the last dimension) of 'logits'", logits);
        return (rows, cols);
    }

    /// <inheritdoc />
    public double BceWithLogitsForward(Tensor<T> logits, Tensor<T> targets, Tensor<T>? posWeight, LossReduction reduction)
    {
        var (rows, cols) = BceArgs("BceWithLogitsForward", logits, targets, posWeight, out T* px, out T* py, out T* pw);
        double total = 0;
        // Row by row (pos_weight runs along the row), SIMD within a row, each row's sum added in double.
        for (int r = 0; r < rows; r++)
        {
            long o = (long)r * cols;
            T* x = px + o, y = py + o;
            int i = 0;
            T rowSum = T.Zero;
            if (Vector256.IsHardwareAccelerated)
            {
                var acc = Vector256<T>.Zero;
                for (; i <= cols - Vector256<T>.Count; i += Vector256<T>.Count)
                {
                    var vx = Vector256.Load(x + i);
                    var vy = Vector256.Load(y + i);
                    var w = pw == null ? Vector256<T>.One : Vector256<T>.One + (Vector256.Load(pw + i) - Vector256<T>.One) * vy;
                    var softplus = VectorMath.Log(Vector256<T>.One + VectorMath.Exp(-Vector256.Abs(vx))) + Vector256.Max(-vx, Vector256<T>.Zero);
                    acc += (Vector256<T>.One - vy) * vx + w * softplus;
                }
                rowSum = Vector256.Sum(acc);
            }
            for (; i < cols; i++)
            {
                T w = pw == null ? T.One : T.One + (pw[i] - T.One) * y[i];
                rowSum += (T.One - y[i]) * x[i] + w * (T.Log(T.One + T.Exp(-T.Abs(x[i]))) + T.Max(-x[i], T.Zero));
            }
            total += double.CreateTruncating(rowSum);
        }
        long count = (long)rows * cols;
        return reduction == LossReduction.Sum ? total : count == 0 ? 0.0 : total / count;
    }

    /// <inheritdoc />
    public void BceWithLogitsBackward(Tensor<T> logits, Tensor<T> targets, Tensor<T>? posWeight, LossReduction reduction, double scale, Tensor<T> dLogits)
    {
        const string op = "BceWithLogitsBackward";
        var (rows, cols) = BceArgs(op, logits, targets, posWeight, out T* px, out T* py, out T* pw);
        T* pd = Ptr(dLogits, op, "dLogits");
        Check.SameLength(op, logits, "logits", dLogits, "dLogits");
        long count = (long)rows * cols;
        T k = T.CreateTruncating(reduction == LossReduction.Sum ? scale : count == 0 ? 0.0 : scale / count);
        var vk = Vector256.Create(k);
        for (int r = 0; r < rows; r++)
        {
            long o = (long)r * cols;
            T* x = px + o, y = py + o, d = pd + o;
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i <= cols - Vector256<T>.Count; i += Vector256<T>.Count)
                {
                    var vx = Vector256.Load(x + i);
                    var vy = Vector256.Load(y + i);
                    var w = pw == null ? Vector256<T>.One : Vector256<T>.One + (Vector256.Load(pw + i) - Vector256<T>.One) * vy;
                    Vector256.Store(((Vector256<T>.One - vy) - w * VectorMath.Sigmoid(-vx)) * vk, d + i);
                }
            }
            for (; i < cols; i++)
            {
                T w = pw == null ? T.One : T.One + (pw[i] - T.One) * y[i];
                // σ(−x) = 1/(1 + e^x): e^x overflowing to ∞ gives 0, the right limit.
                d[i] = ((T.One - y[i]) - w * (T.One / (T.One + T.Exp(x[i])))) * k;
            }
        }
    }

    // ----- mean squared error ---------------------------------------------------------------

    /// <inheritdoc />
    public double MseForward(Tensor<T> prediction, Tensor<T> target, LossReduction reduction)
    {
        T* pp = Ptr(prediction, "MseForward", "prediction"), pt = Ptr(target, "MseForward", "target");
        Check.SameLength("MseForward", prediction, "prediction", target, "target");
        long n = prediction.Length;
        double total = 0;
        // SIMD over blocks of 1024 elements, each block's sum added in double.
        for (long b = 0; b < n; b += 1024)
        {
            long i = b, end = Math.Min(n, b + 1024);
            T block = T.Zero;
            if (Vector256.IsHardwareAccelerated)
            {
                var acc = Vector256<T>.Zero;
                for (; i <= end - Vector256<T>.Count; i += Vector256<T>.Count)
                {
                    var d = Vector256.Load(pp + i) - Vector256.Load(pt + i);
                    acc = VectorMath.MultiplyAdd(d, d, acc);
                }
                block = Vector256.Sum(acc);
            }
            for (; i < end; i++)
            {
                T d = pp[i] - pt[i];
                block += d * d;
            }
            total += double.CreateTruncating(block);
        }
        return reduction == LossReduction.Sum ? total : n == 0 ? 0.0 : total / n;
    }

    /// <inheritdoc />
    public void MseBackward(Tensor<T> prediction, Tensor<T> target, LossReduction reduction, double scale, Tensor<T> dPrediction)
    {
        const string op = "MseBackward";
        T* pp = Ptr(prediction, op, "prediction"), pt = Ptr(target, op, "target"), pd = Ptr(dPrediction, op, "dPrediction");
        Check.SameLength(op, prediction, "prediction", target, "target");
        Check.SameLength(op, prediction, "prediction", dPrediction, "dPrediction");
        long n = prediction.Length;
        T k = T.CreateTruncating(2.0 * (reduction == LossReduction.Sum ? scale : n == 0 ? 0.0 : scale / n));
        Pointwise.RunBinary(_pool, new ScaledDifferenceOp(k), pp, pt, pd, n);
    }

    /// <summary>(p, y) ↦ k·(p − y).</summary>
    private readonly struct ScaledDifferenceOp(T k) : IBinaryOp<T>
    {
        public T Invoke(T p, T y) => k * (p - y);
        public Vector256<T> Invoke(Vector256<T> p, Vector256<T> y) => Vector256.Create(k) * (p - y);
    }
}
