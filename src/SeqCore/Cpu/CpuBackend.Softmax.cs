using System.Numerics;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    private enum RowOp { Softmax, LogSoftmax, SoftmaxBackward, LogSoftmaxBackward }

    /// <inheritdoc />
    public void Softmax(Tensor<T> x, Tensor<T> y) => RunRows("Softmax", RowOp.Softmax, x, "x", null, null, y, "y");

    /// <inheritdoc />
    public void LogSoftmax(Tensor<T> x, Tensor<T> y) => RunRows("LogSoftmax", RowOp.LogSoftmax, x, "x", null, null, y, "y");

    /// <inheritdoc />
    public void SoftmaxBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx) => RunRows("SoftmaxBackward", RowOp.SoftmaxBackward, y, "y", dy, "dy", dx, "dx");

    /// <inheritdoc />
    public void LogSoftmaxBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx) => RunRows("LogSoftmaxBackward", RowOp.LogSoftmaxBackward, y, "y", dy, "dy", dx, "dx");

    private void RunRows(string op, RowOp kind, Tensor<T> a, string aRole, Tensor<T>? b, string? bRole, Tensor<T> y, string yRole)
    {
        T* pa = Ptr(a, op, aRole), py = Ptr(y, op, yRole);
        T* pb = b is null ? null : Ptr(b, op, bRole!);
        if (b is not null) Check.SameLength(op, a, aRole, b, bRole!);
        Check.SameLength(op, a, aRole, y, yRole);
        var (rows, cols) = a.AsMatrix();
        if (rows == 0 || cols == 0) return;
        var job = JobCache<RowJob>.Get();
        job.Kind = kind; job.A = pa; job.B = pb; job.Y = py; job.Rows = rows; job.Cols = cols;
        job.RowsPerChunk = Math.Max(1, (int)Math.Min(rows, (1 << 14) / Math.Max(1, cols)));
        int chunks = (rows + job.RowsPerChunk - 1) / job.RowsPerChunk;
        if ((long)rows * cols < Pointwise.ParallelThreshold) for (int c = 0; c < chunks; c++) job.Execute(c);
        else _pool.Run(job, chunks);
    }

    private sealed class RowJob : IParallelJob
    {
        public RowOp Kind;
        public T* A, B, Y;
        public int Rows, Cols, RowsPerChunk;

        public void Execute(int chunk)
        {
            int end = Math.Min(Rows, (chunk + 1) * RowsPerChunk);
            for (int r = chunk * RowsPerChunk; r < end; r++)
            {
                long o = (long)r * Cols;
                switch (Kind)
                {
                    case RowOp.Softmax: SoftmaxRow(A + o, Y + o, Cols, log: false); break;
                    case RowOp.LogSoftmax: SoftmaxRow(A + o, Y + o, Cols, log: true); break;
                    case RowOp.SoftmaxBackward: SoftmaxBackwardRow(A + o, B + o, Y + o, Cols); break;
                    default: LogSoftmaxBackwardRow(A + o, B + o, Y + o, Cols); break;
                }
            }
        }
    }

    private static T RowMax(T* x, int n)
    {
        int i = 0;
        T max = T.NegativeInfinity;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var m = Vector256.Create(T.NegativeInfinity);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) m = Vector256.Max(m, Vector256.Load(x + i));
            max = VectorMath.HorizontalMax(m);
        }
        for (; i < n; i++) max = T.Max(max, x[i]);
        return max;
    }

    /// <summary>Writes exp(x − max) into y and returns the sum (or log-softmax: x − max − log Σ).</summary>
    private static void SoftmaxRow(T* x, T* y, int n, bool log)
    {
        T max = RowMax(x, n);
        if (T.IsNegativeInfinity(max)) max = T.Zero; // an all −∞ row gives NaN, as PyTorch does
        int i = 0;
        T sum = T.Zero;
        var vmax = Vector256.Create(max);
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var e = VectorMath.Exp(Vector256.Load(x + i) - vmax);
                if (!log) Vector256.Store(e, y + i);
                vs += e;
            }
            sum = Vector256.Sum(vs);
        }
        for (; i < n; i++)
        {
            T e = T.Exp(x[i] - max);
            if (!log) y[i] = e;
            sum += e;
        }
        if (log)
        {
            // (x − max) − log Σ, not x − (max + log Σ): with large logits the sum max + log Σ would be rounded
            // to the coarse spacing of floats near max before the subtraction.
            Pointwise.Unary(new LogSoftmaxOp(max, T.Log(sum)), x, y, n);
        }
        else Pointwise.Unary(new ScaleOp(T.One / sum), y, y, n);
    }

    private static T Dot(T* a, T* b, int n)
    {
        int i = 0;
        T s = T.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) vs = VectorMath.MultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), vs);
            s = Vector256.Sum(vs);
        }
        for (; i < n; i++) s += a[i] * b[i];
        return s;
    }

    private static T Sum(T* a, int n)
    {
        int i = 0;
        T s = T.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) vs += Vector256.Load(a + i);
            s = Vector256.Sum(vs);
        }
        for (; i < n; i++) s += a[i];
        return s;
    }

    private static void SoftmaxBackwardRow(T* y, T* dy, T* dx, int n)
    {
        T dot = Dot(y, dy, n);
        Pointwise.Binary(new SoftmaxGradOp(dot), y, dy, dx, n);
    }

    private static void LogSoftmaxBackwardRow(T* y, T* dy, T* dx, int n)
    {
        T total = Sum(dy, n);
        Pointwise.Binary(new LogSoftmaxGradOp(total), y, dy, dx, n);
    }

    private readonly struct LogSoftmaxOp(T max, T logSum) : IUnaryOp<T>
    {
        public T Invoke(T x) => (x - max) - logSum;
        public Vector256<T> Invoke(Vector256<T> x) => (x - Vector256.Create(max)) - Vector256.Create(logSum);
    }

    /// <summary>(y, dy) ↦ y·(dy − Σ dy·y).</summary>
    private readonly struct SoftmaxGradOp(T dot) : IBinaryOp<T>
    {
        public T Invoke(T y, T dy) => y * (dy - dot);
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> dy) => y * (dy - Vector256.Create(dot));
    }

    /// <summary>(y, dy) ↦ dy − exp(y)·Σ dy.</summary>
    private readonly struct LogSoftmaxGradOp(T total) : IBinaryOp<T>
    {
        public T Invoke(T y, T dy) => dy - T.Exp(y) * total;
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> dy) => dy - VectorMath.Exp(y) * Vector256.Create(total);
    }
}
