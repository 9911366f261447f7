using System.Numerics;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    /// <inheritdoc />
    public void SumRows(Tensor<T> x, bool accumulate, Tensor<T> y)
    {
        T* px = Ptr(x, "SumRows", "x"), py = Ptr(y, "SumRows", "y");
        var (rows, cols) = x.AsMatrix();
        Check.Length("SumRows", y, "y", cols, "the sum over the rows of 'x'", x);
        if (!accumulate) new Span<T>(py, cols).Clear();
        // Row by row, each row added to y with SIMD (y stays in L1); large inputs split into column blocks, one per chunk.
        const int block = 256;
        int blocks = (cols + block - 1) / block;
        if ((long)rows * cols < Pointwise.ParallelThreshold || blocks == 1 || _pool.Threads == 1)
        {
            for (int r = 0; r < rows; r++) Pointwise.Binary(new AddOp(), px + (long)r * cols, py, py, cols);
            return;
        }
        var job = JobCache<SumRowsJob>.Get();
        job.X = px; job.Y = py; job.Rows = rows; job.Cols = cols; job.Block = block;
        _pool.Run(job, blocks);
    }

    private sealed class SumRowsJob : IParallelJob
    {
        public T* X, Y;
        public int Rows, Cols, Block;

        public void Execute(int chunk)
        {
            int c0 = chunk * Block, width = Math.Min(Block, Cols - c0);
            for (int r = 0; r < Rows; r++) Pointwise.Binary(new AddOp(), X + (long)r * Cols + c0, Y + c0, Y + c0, width);
        }
    }

    /// <inheritdoc />
    public void SumCols(Tensor<T> x, bool accumulate, Tensor<T> y)
    {
        T* px = Ptr(x, "SumCols", "x"), py = Ptr(y, "SumCols", "y");
        var (rows, cols) = x.AsMatrix();
        Check.Length("SumCols", y, "y", rows, "the sum over the columns of 'x'", x);
        for (int r = 0; r < rows; r++)
        {
            T s = Sum(px + (long)r * cols, cols);
            py[r] = accumulate ? py[r] + s : s;
        }
    }

    /// <inheritdoc />
    public double SumOfSquares(Tensor<T> x)
    {
        T* px = Ptr(x, "SumOfSquares", "x");
        long n = x.Length, i = 0;
        double total = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<double>.Zero;
            if (typeof(T) == typeof(float))
            {
                float* pf = (float*)px;
                for (; i <= n - 8; i += 8)
                {
                    var (lo, hi) = Vector256.Widen(Vector256.Load(pf + i));
                    acc = VectorMath.MultiplyAdd(lo, lo, acc);
                    acc = VectorMath.MultiplyAdd(hi, hi, acc);
                }
            }
            else
            {
                double* pd = (double*)px;
                for (; i <= n - 4; i += 4)
                {
                    var v = Vector256.Load(pd + i);
                    acc = VectorMath.MultiplyAdd(v, v, acc);
                }
            }
            total = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            double v = double.CreateTruncating(px[i]);
            total += v * v;
        }
        return total;
    }

    /// <inheritdoc />
    public void ArgMaxRows(Tensor<T> x, Span<int> indices)
    {
        T* px = Ptr(x, "ArgMaxRows", "x");
        var (rows, cols) = Check.ArgMaxRows("ArgMaxRows", x, indices.Length);
        if (rows == 0) return;
        fixed (int* pi = indices)
        {
            int perChunk = Math.Max(1, (int)Math.Min(rows, (1 << 15) / cols));
            int chunks = (rows + perChunk - 1) / perChunk;
            var job = JobCache<ArgMaxRowsJob>.Get();
            job.X = px; job.Indices = pi; job.Rows = rows; job.Cols = cols; job.PerChunk = perChunk;
            if ((long)rows * cols < Pointwise.ParallelThreshold || _pool.Threads == 1 || chunks == 1)
                for (int c = 0; c < chunks; c++) job.Execute(c);
            else _pool.Run(job, chunks);
        }
    }

    private sealed class ArgMaxRowsJob : IParallelJob
    {
        public T* X;
        public int* Indices;
        public int Rows, Cols, PerChunk;

        public void Execute(int chunk)
        {
            int r1 = Math.Min(Rows, (chunk + 1) * PerChunk);
            for (int r = chunk * PerChunk; r < r1; r++) Indices[r] = ArgMax(X + (long)r * Cols, Cols);
        }
    }

    /// <summary>
    /// The first index of the largest of <paramref name="n"/> ≥ 1 elements (a NaN is larger than any number; −0 = +0).
    /// With SIMD: one pass for the maximum and whether there is a NaN, a second for the first element equal to it
    /// (the row is in cache by then).
    /// </summary>
    internal static int ArgMax(T* row, int n)
    {
        int w = Vector256<T>.Count;
        if (!Vector256.IsHardwareAccelerated || n < 2 * w) return ArgMaxScalar(row, n);
        var max = Vector256.Load(row);
        var nan = ~Vector256.Equals(max, max);
        int i = w;
        for (; i <= n - w; i += w)
        {
            var v = Vector256.Load(row + i);
            max = Vector256.Max(max, v);
            nan |= ~Vector256.Equals(v, v);
        }
        if (nan.ExtractMostSignificantBits() != 0) return ArgMaxScalar(row, n);
        T m = max.GetElement(0);
        for (int k = 1; k < w; k++) if (max.GetElement(k) > m) m = max.GetElement(k);
        for (; i < n; i++)
        {
            if (T.IsNaN(row[i])) return i;
            if (row[i] > m) m = row[i];
        }
        var target = Vector256.Create(m);
        for (i = 0; i <= n - w; i += w)
        {
            uint bits = Vector256.Equals(Vector256.Load(row + i), target).ExtractMostSignificantBits();
            if (bits != 0) return i + BitOperations.TrailingZeroCount(bits);
        }
        for (; i < n; i++) if (row[i] == m) return i;
        return ArgMaxScalar(row, n); // not reached: m is one of the elements
    }

    /// <summary>The reference of <see cref="ArgMax"/>: one comparison an element.</summary>
    internal static int ArgMaxScalar(T* row, int n)
    {
        int best = 0;
        for (int i = 1; i < n && !T.IsNaN(row[best]); i++)
            if (T.IsNaN(row[i]) || row[i] > row[best]) best = i;
        return best;
    }
}
