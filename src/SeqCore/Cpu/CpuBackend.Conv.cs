using System.Numerics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    /// <inheritdoc />
    public void Im2Col(Tensor<T> x, int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength, Tensor<T> columns)
    {
        const string op = "Im2Col";
        T* px = Ptr(x, op, "x"), pc = Ptr(columns, op, "columns");
        int batch = Check.Conv(op, x, "x", columns, "columns", channels, length, kernel, stride, dilation, padLeft, outLength);
        var job = JobCache<ConvJob>.Get();
        job.ToColumns = true; job.X = px; job.Cols = pc; job.Batch = batch; job.Channels = channels; job.Length = length;
        job.Kernel = kernel; job.Stride = stride; job.Dilation = dilation; job.PadLeft = padLeft; job.OutLength = outLength;
        int chunks = channels * kernel; // one row of columns per chunk
        if (columns.Length < Pointwise.ParallelThreshold) for (int c = 0; c < chunks; c++) job.Execute(c);
        else _pool.Run(job, chunks);
    }

    /// <inheritdoc />
    public void Col2Im(Tensor<T> columns, int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength, Tensor<T> dx)
    {
        const string op = "Col2Im";
        T* pc = Ptr(columns, op, "columns"), px = Ptr(dx, op, "dx");
        int batch = Check.Conv(op, dx, "dx", columns, "columns", channels, length, kernel, stride, dilation, padLeft, outLength);
        var job = JobCache<ConvJob>.Get();
        job.ToColumns = false; job.X = px; job.Cols = pc; job.Batch = batch; job.Channels = channels; job.Length = length;
        job.Kernel = kernel; job.Stride = stride; job.Dilation = dilation; job.PadLeft = padLeft; job.OutLength = outLength;
        int chunks = batch * channels; // one (b, c) row of dx per chunk
        if (columns.Length + dx.Length < Pointwise.ParallelThreshold) for (int c = 0; c < chunks; c++) job.Execute(c);
        else _pool.Run(job, chunks);
    }

    private sealed class ConvJob : IParallelJob
    {
        public bool ToColumns;
        public T* X, Cols;
        public int Batch, Channels, Length, Kernel, Stride, Dilation, PadLeft, OutLength;

        public void Execute(int chunk)
        {
            if (ToColumns) ColumnsRow(chunk);
            else InputRow(chunk);
        }

        /// <summary>Row <c>c·K + k</c> of the columns: every (b, t).</summary>
        private void ColumnsRow(int row)
        {
            int c = row / Kernel, k = row % Kernel;
            long width = (long)Batch * OutLength;
            T* dst = Cols + row * width;
            int offset = k * Dilation - PadLeft;
            for (int b = 0; b < Batch; b++)
            {
                T* src = X + ((long)b * Channels + c) * Length;
                T* d = dst + (long)b * OutLength;
                if (Stride == 1)
                {
                    // Contiguous: zeros, one block copy, zeros.
                    int t0 = Math.Clamp(-offset, 0, OutLength), t1 = Math.Clamp(Length - offset, t0, OutLength);
                    for (int t = 0; t < t0; t++) d[t] = T.Zero;
                    if (t1 > t0) Buffer.MemoryCopy(src + t0 + offset, d + t0, (long)(t1 - t0) * sizeof(T), (long)(t1 - t0) * sizeof(T));
                    for (int t = t1; t < OutLength; t++) d[t] = T.Zero;
                }
                else
                {
                    for (int t = 0; t < OutLength; t++)
                    {
                        long i = (long)t * Stride + offset;
                        d[t] = (ulong)i < (ulong)Length ? src[i] : T.Zero;
                    }
                }
            }
        }

        /// <summary>Row (b, c) of dx: the sum of every column entry that read it.</summary>
        private void InputRow(int row)
        {
            int b = row / Channels, c = row % Channels;
            T* dst = X + (long)row * Length;
            new Span<T>(dst, Length).Clear();
            long width = (long)Batch * OutLength;
            for (int k = 0; k < Kernel; k++)
            {
                T* src = Cols + ((long)c * Kernel + k) * width + (long)b * OutLength;
                int offset = k * Dilation - PadLeft;
                for (int t = 0; t < OutLength; t++)
                {
                    long i = (long)t * Stride + offset;
                    if ((ulong)i < (ulong)Length) dst[i] += src[t];
                }
            }
        }
    }

    /// <summary>Checks a rank-3 pooling input against its <c>[B, C]</c> output and the optional lengths.</summary>
    private T* PoolArgs(string op, Tensor<T> x, string xRole, Tensor<T>? lengths, Tensor<T> y, string yRole, out int batch, out int channels, out int steps)
    {
        (batch, channels, steps) = Check.PoolShape(op, x, xRole, y, yRole);
        if (lengths is null) return null;
        T* pl = Ptr(lengths, op, "lengths");
        Check.Length(op, lengths, "lengths", batch, "one length per sequence of", x);
        Check.PoolLengths(op, new ReadOnlySpan<T>(pl, batch), steps, x, xRole);
        return pl;
    }

    /// <inheritdoc />
    public void GlobalAvgPoolForward(Tensor<T> x, Tensor<T>? lengths, Tensor<T> y)
    {
        const string op = "GlobalAvgPoolForward";
        T* px = Ptr(x, op, "x"), py = Ptr(y, op, "y");
        T* pl = PoolArgs(op, x, "x", lengths, y, "y", out int batch, out int channels, out int steps);
        for (int b = 0; b < batch; b++)
        {
            int n = pl == null ? steps : int.CreateTruncating(pl[b]);
            T inv = n == 0 ? T.Zero : T.One / T.CreateTruncating(n);
            for (int c = 0; c < channels; c++)
            {
                long r = (long)b * channels + c;
                py[r] = n == 0 ? T.Zero : Sum(px + r * steps, n) * inv;
            }
        }
    }

    /// <inheritdoc />
    public void GlobalAvgPoolBackward(Tensor<T>? lengths, Tensor<T> dy, Tensor<T> dx)
    {
        const string op = "GlobalAvgPoolBackward";
        T* pd = Ptr(dy, op, "dy"), px = Ptr(dx, op, "dx");
        T* pl = PoolArgs(op, dx, "dx", lengths, dy, "dy", out int batch, out int channels, out int steps);
        for (int b = 0; b < batch; b++)
        {
            int n = pl == null ? steps : int.CreateTruncating(pl[b]);
            T inv = n == 0 ? T.Zero : T.One / T.CreateTruncating(n);
            for (int c = 0; c < channels; c++)
            {
                long r = (long)b * channels + c;
                var row = new Span<T>(px + r * steps, steps);
                row[..n].Fill(pd[r] * inv);
                row[n..].Clear();
            }
        }
    }

    /// <inheritdoc />
    public void GlobalMaxPoolForward(Tensor<T> x, Tensor<T>? lengths, Tensor<T> y, Tensor<T> argmax)
    {
        const string op = "GlobalMaxPoolForward";
        T* px = Ptr(x, op, "x"), py = Ptr(y, op, "y"), pa = Ptr(argmax, op, "argmax");
        T* pl = PoolArgs(op, x, "x", lengths, y, "y", out int batch, out int channels, out int steps);
        Check.SameLength(op, y, "y", argmax, "argmax");
        for (int b = 0; b < batch; b++)
        {
            int n = pl == null ? steps : int.CreateTruncating(pl[b]);
            for (int c = 0; c < channels; c++)
            {
                long r = (long)b * channels + c;
                T* row = px + r * steps;
                int best = -1;
                T max = T.Zero;
                for (int t = 0; t < n; t++)
                    if (!T.IsNaN(row[t]) && (best < 0 || row[t] > max)) { max = row[t]; best = t; }
                py[r] = max;
                pa[r] = T.CreateTruncating(best);
            }
        }
    }

    /// <inheritdoc />
    public void GlobalMaxPoolBackward(Tensor<T> argmax, Tensor<T> dy, Tensor<T> dx)
    {
        const string op = "GlobalMaxPoolBackward";
        T* pa = Ptr(argmax, op, "argmax"), pd = Ptr(dy, op, "dy"), px = Ptr(dx, op, "dx");
        PoolArgs(op, dx, "dx", null, dy, "dy", out int batch, out int channels, out int steps);
        Check.SameLength(op, dy, "dy", argmax, "argmax");
        Check.PoolPositions(op, new ReadOnlySpan<T>(pa, checked((int)argmax.Length)), steps, dx);
        new Span<T>(px, checked((int)dx.Length)).Clear();
        for (long r = 0; r < (long)batch * channels; r++)
        {
            T a = pa[r];
            if (a < T.Zero) continue;
            px[r * steps + int.CreateTruncating(a)] = pd[r];
        }
    }
}
