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
}
