using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SeqCore.Cpu.Gemm;

/// <summary>
/// AVX-512 micro-kernels for float: one 12×16 tile of C (12 Vector512 accumulators, one per row) from a packed A
/// sliver of 12 values per depth and a packed B sliver of 16. Per depth: one B load, 12 broadcasts, 12 FMAs. Same
/// contract as <see cref="GemmMicroKernels"/>: <c>C = alpha·acc + beta·C</c>, C not read when beta = 0,
/// <c>scale</c> holding alpha and beta by address.
/// </summary>
internal static unsafe class GemmWideKernels
{
    /// <summary>One full 12×16 tile from packed slivers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, float* a, float* b, float* c, long ldc, float* scale)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        Prefetch(c, ldc);
        for (int p = 0; p < kc; p++)
        {
            var y = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), y, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), y, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), y, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), y, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), y, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), y, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), y, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), y, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[8]), y, c8);
            c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[9]), y, c9);
            c10 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[10]), y, c10);
            c11 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[11]), y, c11);
            a += 12;
            b += 16;
        }
        Write(c, ldc, scale, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11);
    }

    /// <summary>
    /// A full tile whose B sliver is read straight from B as stored (row p at <c>b + p·ldb</c>) and copied to
    /// <paramref name="packed"/> on the way, for the sliver's other tiles (as <see cref="GemmMicroKernels.PackingTile{TE}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackingTile(int kc, float* a, float* b, long ldb, float* packed, float* c, long ldc, float* scale)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        Prefetch(c, ldc);
        for (int p = 0; p < kc; p++)
        {
            var y = Vector512.Load(b);
            Vector512.Store(y, packed);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), y, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), y, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), y, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), y, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), y, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), y, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), y, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), y, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[8]), y, c8);
            c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[9]), y, c9);
            c10 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[10]), y, c10);
            c11 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[11]), y, c11);
            a += 12;
            b += ldb;
            packed += 16;
        }
        Write(c, ldc, scale, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11);
    }

    /// <summary>Starts loading the tile's 12 rows of C (one cache line each) while the k loop runs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(float* c, long ldc)
    {
        for (int r = 0; r < 12; r++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + 15);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write(float* c, long ldc, float* scale,
        Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3, Vector512<float> c4, Vector512<float> c5,
        Vector512<float> c6, Vector512<float> c7, Vector512<float> c8, Vector512<float> c9, Vector512<float> c10, Vector512<float> c11)
    {
        var va = Vector512.Create(scale[0]);
        if (scale[1] == 0f)
        {
            Vector512.Store(c0 * va, c); Vector512.Store(c1 * va, c + ldc); Vector512.Store(c2 * va, c + 2 * ldc);
            Vector512.Store(c3 * va, c + 3 * ldc); Vector512.Store(c4 * va, c + 4 * ldc); Vector512.Store(c5 * va, c + 5 * ldc);
            c += 6 * ldc;
            Vector512.Store(c6 * va, c); Vector512.Store(c7 * va, c + ldc); Vector512.Store(c8 * va, c + 2 * ldc);
            Vector512.Store(c9 * va, c + 3 * ldc); Vector512.Store(c10 * va, c + 4 * ldc); Vector512.Store(c11 * va, c + 5 * ldc);
        }
        else
        {
            var vb = Vector512.Create(scale[1]);
            Update(c, c0, va, vb); Update(c + ldc, c1, va, vb); Update(c + 2 * ldc, c2, va, vb);
            Update(c + 3 * ldc, c3, va, vb); Update(c + 4 * ldc, c4, va, vb); Update(c + 5 * ldc, c5, va, vb);
            c += 6 * ldc;
            Update(c, c6, va, vb); Update(c + ldc, c7, va, vb); Update(c + 2 * ldc, c8, va, vb);
            Update(c + 3 * ldc, c9, va, vb); Update(c + 4 * ldc, c10, va, vb); Update(c + 5 * ldc, c11, va, vb);
        }
    }

    /// <summary>Row of one vector: <c>C = alpha·acc + beta·C</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* c, Vector512<float> x, Vector512<float> alpha, Vector512<float> beta)
        => Vector512.Store(Avx512F.FusedMultiplyAdd(x, alpha, Vector512.Load(c) * beta), c);
}
