using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

/// <summary>An elementwise function of one tensor, with a scalar and a SIMD form that must agree.</summary>
internal interface IUnaryOp<T> where T : unmanaged
{
    T Invoke(T x);
    Vector256<T> Invoke(Vector256<T> x);
}

/// <summary>An elementwise function of two tensors, with a scalar and a SIMD form that must agree.</summary>
internal interface IBinaryOp<T> where T : unmanaged
{
    T Invoke(T a, T b);
    Vector256<T> Invoke(Vector256<T> a, Vector256<T> b);
}

/// <summary>
/// Drivers for elementwise operators: whole vectors first, then a scalar remainder (no overlapping last
/// vector, because in-place read-modify-write ops must not apply twice). Large tensors are split over the
/// backend's workers in cache-sized chunks.
/// </summary>
internal static unsafe class Pointwise
{
    /// <summary>Below this many elements the call stays on the calling thread.</summary>
    public const long ParallelThreshold = 1 << 16;
    private const long ChunkElements = 1 << 14;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unary<T, TOp>(TOp op, T* x, T* y, long n) where T : unmanaged where TOp : struct, IUnaryOp<T>
    {
        long i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Vector256.Store(op.Invoke(Vector256.Load(x + i)), y + i);
        for (; i < n; i++) y[i] = op.Invoke(x[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Binary<T, TOp>(TOp op, T* a, T* b, T* y, long n) where T : unmanaged where TOp : struct, IBinaryOp<T>
    {
        long i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Vector256.Store(op.Invoke(Vector256.Load(a + i), Vector256.Load(b + i)), y + i);
        for (; i < n; i++) y[i] = op.Invoke(a[i], b[i]);
    }

    public static void RunUnary<T, TOp>(WorkerPool pool, TOp op, T* x, T* y, long n) where T : unmanaged where TOp : struct, IUnaryOp<T>
    {
        if (n < ParallelThreshold || pool.Threads == 1) { Unary(op, x, y, n); return; }
        var job = JobCache<UnaryJob<T, TOp>>.Get();
        job.Op = op; job.X = x; job.Y = y; job.N = n;
        pool.Run(job, (int)((n + ChunkElements - 1) / ChunkElements));
    }

    public static void RunBinary<T, TOp>(WorkerPool pool, TOp op, T* a, T* b, T* y, long n) where T : unmanaged where TOp : struct, IBinaryOp<T>
    {
        if (n < ParallelThreshold || pool.Threads == 1) { Binary(op, a, b, y, n); return; }
        var job = JobCache<BinaryJob<T, TOp>>.Get();
        job.Op = op; job.A = a; job.B = b; job.Y = y; job.N = n;
        pool.Run(job, (int)((n + ChunkElements - 1) / ChunkElements));
    }

    private sealed class UnaryJob<T, TOp> : IParallelJob where T : unmanaged where TOp : struct, IUnaryOp<T>
    {
        public TOp Op;
        public T* X, Y;
        public long N;
        public void Execute(int chunk)
        {
            long start = chunk * ChunkElements;
            Unary(Op, X + start, Y + start, Math.Min(ChunkElements, N - start));
        }
    }

    private sealed class BinaryJob<T, TOp> : IParallelJob where T : unmanaged where TOp : struct, IBinaryOp<T>
    {
        public TOp Op;
        public T* A, B, Y;
        public long N;
        public void Execute(int chunk)
        {
            long start = chunk * ChunkElements;
            Binary(Op, A + start, B + start, Y + start, Math.Min(ChunkElements, N - start));
        }
    }
}

/// <summary>One reusable job object per calling thread and job type, so parallel dispatch allocates only once.</summary>
internal static class JobCache<TJob> where TJob : class, new()
{
    [ThreadStatic] private static TJob? _instance;
    public static TJob Get() => _instance ??= new TJob();
}
