using System.Numerics;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    /// <summary>Columns per chunk of the parameter-gradient pass (a multiple of both vector widths).</summary>
    private const int NormColumnBlock = 64;

    /// <inheritdoc />
    public void LayerNormForward(Tensor<T> x, Tensor<T>? weight, Tensor<T>? bias, T epsilon, Tensor<T> y, Tensor<T> mean, Tensor<T> rstd)
    {
        const string op = "LayerNormForward";
        T* px = Ptr(x, op, "x"), py = Ptr(y, op, "y"), pm = Ptr(mean, op, "mean"), pr = Ptr(rstd, op, "rstd");
        T* pw = weight is null ? null : Ptr(weight, op, "weight");
        T* pb = bias is null ? null : Ptr(bias, op, "bias");
        var (rows, cols) = x.AsMatrix();
        Check.LayerNormForward(op, x, weight, bias, epsilon, y, mean, rstd);
        if (rows == 0 || cols == 0) return;
        var job = JobCache<LayerNormJob>.Get();
        job.Backward = false; job.X = px; job.W = pw; job.B = pb; job.Y = py; job.Mean = pm; job.Rstd = pr; job.Eps = epsilon;
        job.Rows = rows; job.Cols = cols;
        RunRowJob(job, rows, cols);
    }

    /// <inheritdoc />
    public void LayerNormBackward(Tensor<T> x, Tensor<T>? weight, Tensor<T> mean, Tensor<T> rstd, Tensor<T> dy,
        Tensor<T>? dx, Tensor<T>? dWeight, Tensor<T>? dBias)
    {
        const string op = "LayerNormBackward";
        T* px = Ptr(x, op, "x"), pm = Ptr(mean, op, "mean"), pr = Ptr(rstd, op, "rstd"), pdy = Ptr(dy, op, "dy");
        T* pw = weight is null ? null : Ptr(weight, op, "weight");
        T* pdx = dx is null ? null : Ptr(dx, op, "dx");
        T* pdw = dWeight is null ? null : Ptr(dWeight, op, "dWeight");
        T* pdb = dBias is null ? null : Ptr(dBias, op, "dBias");
        var (rows, cols) = x.AsMatrix();
        Check.LayerNormBackward(op, x, weight, mean, rstd, dy, dx, dWeight, dBias);
        if (rows == 0 || cols == 0) return;
        // Parameter gradients first: they read dy, which dx may overwrite when the caller aliases them.
        if (pdw != null || pdb != null)
        {
            var cj = JobCache<LayerNormParamJob>.Get();
            cj.X = px; cj.Dy = pdy; cj.Mean = pm; cj.Rstd = pr; cj.DW = pdw; cj.DB = pdb; cj.Rows = rows; cj.Cols = cols;
            int chunks = (cols + NormColumnBlock - 1) / NormColumnBlock;
            if ((long)rows * cols < Pointwise.ParallelThreshold || chunks == 1) for (int c = 0; c < chunks; c++) cj.Execute(c);
            else _pool.Run(cj, chunks);
        }
        if (pdx == null) return;
        var job = JobCache<LayerNormJob>.Get();
        job.Backward = true; job.X = px; job.W = pw; job.Dy = pdy; job.Y = pdx; job.Mean = pm; job.Rstd = pr;
        job.Rows = rows; job.Cols = cols;
        RunRowJob(job, rows, cols);
    }

    private void RunRowJob(LayerNormJob job, int rows, int cols)
    {
        job.RowsPerChunk = Math.Max(1, (int)Math.Min(rows, (1 << 14) / Math.Max(1, cols)));
        int chunks = (rows + job.RowsPerChunk - 1) / job.RowsPerChunk;
        if ((long)rows * cols < Pointwise.ParallelThreshold) for (int c = 0; c < chunks; c++) job.Execute(c);
        else _pool.Run(job, chunks);
    }

    /// <summary>Row-parallel pass: forward normalisation or the dx of backward.</summary>
    private sealed class LayerNormJob : IParallelJob
    {
        public bool Backward;
        public T* X, W, B, Y, Dy, Mean, Rstd;
        public T Eps;
        public int Rows, Cols, RowsPerChunk;

        public void Execute(int chunk)
        {
            int end = Math.Min(Rows, (chunk + 1) * RowsPerChunk);
            for (int r = chunk * RowsPerChunk; r < end; r++)
            {
                long o = (long)r * Cols;
                if (Backward) LayerNormBackwardRow(X + o, W, Dy + o, Mean[r], Rstd[r], Y + o, Cols);
                else LayerNormRow(X + o, W, B, Eps, Y + o, Cols, out Mean[r], out Rstd[r]);
            }
        }
    }

    /// <summary>
    /// One row: <c>s = Σ (x − x₀)</c>, <c>δ = s/n</c> (so μ = x₀ + δ), <c>σ² = Σ ((x − x₀) − δ)²/n</c>,
    /// <c>y = ((x − x₀) − δ)·rstd·w + b</c>. Shifting by the first element keeps every difference small when the
    /// mean is large next to the spread, where <c>x − μ</c> with a rounded μ would lose digits.
    /// </summary>
    private static void LayerNormRow(T* x, T* w, T* b, T eps, T* y, int n, out T mean, out T rstd)
    {
        T x0 = x[0];
        int i = 0, lanes = Vector256<T>.Count;
        T s = T.Zero;
        bool simd = Vector256.IsHardwareAccelerated;
        var vx0 = Vector256.Create(x0);
        if (simd)
        {
            var vs = Vector256<T>.Zero;
            for (; i <= n - lanes; i += lanes) vs += Vector256.Load(x + i) - vx0;
            s = Vector256.Sum(vs);
        }
        for (; i < n; i++) s += x[i] - x0;
        T nT = T.CreateTruncating(n);
        T delta = s / nT;

        i = 0;
        T q = T.Zero;
        var vd = Vector256.Create(delta);
        if (simd)
        {
            var vq = Vector256<T>.Zero;
            for (; i <= n - lanes; i += lanes)
            {
                var d = (Vector256.Load(x + i) - vx0) - vd;
                vq = VectorMath.MultiplyAdd(d, d, vq);
            }
            q = Vector256.Sum(vq);
        }
        for (; i < n; i++) { T d = (x[i] - x0) - delta; q += d * d; }
        T rs = T.One / T.Sqrt(q / nT + eps);

        i = 0;
        var vr = Vector256.Create(rs);
        if (simd)
            for (; i <= n - lanes; i += lanes)
            {
                var v = ((Vector256.Load(x + i) - vx0) - vd) * vr;
                if (w != null) v = b != null ? VectorMath.MultiplyAdd(v, Vector256.Load(w + i), Vector256.Load(b + i)) : v * Vector256.Load(w + i);
                Vector256.Store(v, y + i);
            }
        for (; i < n; i++)
        {
            T v = ((x[i] - x0) - delta) * rs;
            if (w != null) v = b != null ? v * w[i] + b[i] : v * w[i];
            y[i] = v;
        }
        mean = x0 + delta;
        rstd = rs;
    }

    /// <summary>One row of dx: <c>g = dy·w</c>, <c>a = Σ g</c>, <c>c = Σ g·x̂</c>, <c>dx = rstd·(g − a/n − x̂·c/n)</c>.</summary>
    private static void LayerNormBackwardRow(T* x, T* w, T* dy, T mean, T rstd, T* dx, int n)
    {
        int i = 0, lanes = Vector256<T>.Count;
        bool simd = Vector256.IsHardwareAccelerated;
        var vm = Vector256.Create(mean);
        var vr = Vector256.Create(rstd);
        T a = T.Zero, c = T.Zero;
        if (simd)
        {
            Vector256<T> va = Vector256<T>.Zero, vc = Vector256<T>.Zero;
            for (; i <= n - lanes; i += lanes)
            {
                var g = Vector256.Load(dy + i);
                if (w != null) g *= Vector256.Load(w + i);
                var xh = (Vector256.Load(x + i) - vm) * vr;
                va += g;
                vc = VectorMath.MultiplyAdd(g, xh, vc);
            }
            a = Vector256.Sum(va);
            c = Vector256.Sum(vc);
        }
        for (; i < n; i++)
        {
            T g = w != null ? dy[i] * w[i] : dy[i];
            a += g;
            c += g * ((x[i] - mean) * rstd);
        }
        T nT = T.CreateTruncating(n);
        T ma = a / nT, mc = c / nT;
        var vma = Vector256.Create(ma);
        var vmc = Vector256.Create(mc);
        i = 0;
        if (simd)
            for (; i <= n - lanes; i += lanes)
            {
                var g = Vector256.Load(dy + i);
                if (w != null) g *= Vector256.Load(w + i);
                var xh = (Vector256.Load(x + i) - vm) * vr;
                Vector256.Store((g - vma - xh * vmc) * vr, dx + i);
            }
        for (; i < n; i++)
        {
            T g = w != null ? dy[i] * w[i] : dy[i];
            T xh = (x[i] - mean) * rstd;
            dx[i] = (g - ma - xh * mc) * rstd;
        }
    }

    /// <summary>
    /// Column-block pass for <c>dWeight += Σ_r dy ⊙ x̂</c> and <c>dBias += Σ_r dy</c>: each chunk owns
    /// <see cref="NormColumnBlock"/> columns and walks every row, so no two threads write the same element and the
    /// summation order is fixed.
    /// </summary>
    private sealed class LayerNormParamJob : IParallelJob
    {
        public T* X, Dy, Mean, Rstd, DW, DB;
        public int Rows, Cols;

        public void Execute(int chunk)
        {
            int c0 = chunk * NormColumnBlock, c1 = Math.Min(Cols, c0 + NormColumnBlock);
            int lanes = Vector256<T>.Count;
            for (int r = 0; r < Rows; r++)
            {
                T* x = X + (long)r * Cols, dy = Dy + (long)r * Cols;
                T m = Mean[r], s = Rstd[r];
                int i = c0;
                if (Vector256.IsHardwareAccelerated)
                {
                    var vm = Vector256.Create(m);
                    var vs = Vector256.Create(s);
                    for (; i <= c1 - lanes; i += lanes)
                    {
                        var g = Vector256.Load(dy + i);
                        if (DW != null) Vector256.Store(VectorMath.MultiplyAdd(g, (Vector256.Load(x + i) - vm) * vs, Vector256.Load(DW + i)), DW + i);
                        if (DB != null) Vector256.Store(Vector256.Load(DB + i) + g, DB + i);
                    }
                }
                for (; i < c1; i++)
                {
                    if (DW != null) DW[i] += dy[i] * ((x[i] - m) * s);
                    if (DB != null) DB[i] += dy[i];
                }
            }
        }
    }
}
