using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SeqCore.Cpu.Gemm;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    /// <summary>Which GEMM implementation runs; tests pin one to cover each path on every shape. <c>Packed</c> takes the
    /// widest micro-tile the CPU accelerates; <c>PackedAvx2</c> and <c>PackedAvx512</c> pin a width.</summary>
    internal enum GemmPath { Auto, Reference, Direct, Packed, PackedAvx2, PackedAvx512 }

    /// <summary>Products of at most this many multiply-adds skip packing (the direct kernels win below it).</summary>
    internal const long GemmDirectWork = 10 * 10 * 10;

    /// <summary>Products of fewer multiply-adds than this run on one thread (a parallel step costs microseconds).</summary>
    internal const long GemmParallelWork = 96 * 96 * 96;

    private GemmWorkspacePool? _gemmWorkspaces;

    /// <summary>Forces one GEMM path (<see cref="GemmPath.Auto"/> by default); falls back to the reference kernel without AVX2+FMA.</summary>
    internal GemmPath GemmPathOverride { get; set; }

    private GemmWorkspacePool GemmWorkspaces => _gemmWorkspaces ?? CreateGemmWorkspaces();

    private GemmWorkspacePool CreateGemmWorkspaces()
    {
        var fresh = new GemmWorkspacePool(Threads + 1);
        return Interlocked.CompareExchange(ref _gemmWorkspaces, fresh, null) ?? fresh;
    }

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, Tensor<T> a, int lda, Tensor<T> b, int ldb, T beta, Tensor<T> c, int ldc)
        => GemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1, "Gemm");

    /// <inheritdoc />
    public void GemmStridedBatched(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, Tensor<T> a, int lda, long strideA, Tensor<T> b, int ldb, long strideB,
        T beta, Tensor<T> c, int ldc, long strideC, int batchCount)
        => GemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batchCount, "GemmStridedBatched");

    private void GemmStridedBatched(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, Tensor<T> a, int lda, long strideA, Tensor<T> b, int ldb, long strideB,
        T beta, Tensor<T> c, int ldc, long strideC, int batchCount, string op)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Check.GemmSizes(op, m, n, k, batchCount, strideA, strideB, strideC);
        T* pa = Ptr(a, op, "a"), pb = Ptr(b, op, "b"), pc = Ptr(c, op, "c");
        bool ta = transA == Transpose.Yes, tb = transB == Transpose.Yes;
        Check.Gemm(op, transA, transB, m, n, k, a, lda, strideA, b, ldb, strideB, c, ldc, strideC, batchCount);
        if (m == 0 || n == 0 || batchCount == 0) return;

        var g = new GemmProblem<T>
        {
            TransA = ta, TransB = tb, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
            A = pa, B = pb, C = pc, Lda = lda, Ldb = ldb, Ldc = ldc,
        };
        if (k == 0 || alpha == T.Zero)
        {
            for (int i = 0; i < batchCount; i++) GemmDirect<T>.ScaleC(Entry(g, i, strideA, strideB, strideC));
            return;
        }
        if (batchCount > 1 && Threads > 1 && g.Work < GemmParallelWork * 8 && g.Work * batchCount >= GemmParallelWork)
        {
            // Each product is too small to split well, but together they are worth the workers: whole products go
            // to the workers instead.
            var job = JobCache<GemmBatchJob>.Get();
            job.Backend = this; job.Problem = g; job.StrideA = strideA; job.StrideB = strideB; job.StrideC = strideC;
            job.Count = batchCount; job.Chunks = Math.Min(batchCount, 8 * Threads);
            try { _pool.Run(job, job.Chunks); }
            finally { job.Backend = null; }
            return;
        }
        for (int i = 0; i < batchCount; i++) GemmOne(Entry(g, i, strideA, strideB, strideC), _pool);
    }

    private static GemmProblem<T> Entry(GemmProblem<T> g, int i, long strideA, long strideB, long strideC)
    {
        g.A += i * strideA;
        g.B += i * strideB;
        g.C += i * strideC;
        return g;
    }

    /// <summary>One product with k ≥ 1 and alpha ≠ 0, on the path its size calls for.</summary>
    private void GemmOne(in GemmProblem<T> g, WorkerPool? pool)
    {
        switch (ChooseGemmPath(in g))
        {
            case GemmPath.Reference:
                GemmDirect<T>.Reference(in g);
                break;
            case GemmPath.Direct:
                GemmDirect<T>.Run(in g);
                break;
            case var path:
                var ws = GemmWorkspaces.Rent();
                var workers = g.Work >= GemmParallelWork ? pool : null;
                try
                {
                    if (path == GemmPath.PackedAvx512 || (path == GemmPath.Packed && Avx512Width.Available))
                        GemmPacked<T, Avx512Width>.Run(in g, ws, workers);
                    else GemmPacked<T, Avx2Width>.Run(in g, ws, workers);
                }
                finally { GemmWorkspaces.Return(ws); }
                break;
        }
    }

    private GemmPath ChooseGemmPath(in GemmProblem<T> g)
    {
        if (!Fma.IsSupported || !Vector256.IsHardwareAccelerated) return GemmPath.Reference;
        if (GemmPathOverride != GemmPath.Auto) return GemmPathOverride;
        if (g.Work <= GemmDirectWork) return GemmPath.Direct;
        // Thin products, where MR×NR tiles would be mostly padding, when a vector form exists for them.
        if (g.M <= 2 && GemmDirect<T>.IsVectorised(in g)) return GemmPath.Direct;
        if (g.N <= 2 && !g.TransA && (g.TransB || g.K <= GemmDirect<T>.MaxGather)) return GemmPath.Direct;
        return GemmPath.Packed;
    }

    /// <summary>Whole products of a strided batch, a contiguous range of them per chunk, each on one thread.</summary>
    private sealed class GemmBatchJob : IParallelJob
    {
        public CpuBackend<T>? Backend;
        public GemmProblem<T> Problem;
        public long StrideA, StrideB, StrideC;
        public int Count, Chunks;

        public void Execute(int chunk)
        {
            int i0 = (int)((long)Count * chunk / Chunks), i1 = (int)((long)Count * (chunk + 1) / Chunks);
            for (int i = i0; i < i1; i++) Backend!.GemmOne(Entry(Problem, i, StrideA, StrideB, StrideC), null);
        }
    }
}
