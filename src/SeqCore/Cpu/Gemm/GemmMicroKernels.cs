using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SeqCore.Cpu.Gemm;

/// <summary>
/// AVX2+FMA micro-kernels: one MR×NR tile of C from a packed A sliver (MR values per depth) and a packed B sliver
/// (NR values per depth). Per depth p, the tile gains the outer product <c>a[p]·b[p]ᵀ</c>: two B vectors are loaded,
/// each A value is broadcast, and 12 FMAs update 12 accumulators held in registers for the whole k loop.
/// The tile is then written as <c>C = alpha·acc + beta·C</c>, where beta = 0 does not read C.
/// </summary>
internal static unsafe class GemmMicroKernels
{
    /// <summary>6×16 float tile (12 × Vector256&lt;float&gt; accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Float6x16(int kc, float* a, float* b, float* c, long ldc, float* scale)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc, 15);
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            a += 6;
            b += 16;
        }
        float alpha = scale[0], beta = scale[1];
        var va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            Store(c, c00, c01, va); Store(c + ldc, c10, c11, va); Store(c + 2 * ldc, c20, c21, va);
            Store(c + 3 * ldc, c30, c31, va); Store(c + 4 * ldc, c40, c41, va); Store(c + 5 * ldc, c50, c51, va);
        }
        else
        {
            var vb = Vector256.Create(beta);
            Update(c, c00, c01, va, vb); Update(c + ldc, c10, c11, va, vb); Update(c + 2 * ldc, c20, c21, va, vb);
            Update(c + 3 * ldc, c30, c31, va, vb); Update(c + 4 * ldc, c40, c41, va, vb); Update(c + 5 * ldc, c50, c51, va, vb);
        }
    }

    /// <summary>6×8 double tile (12 × Vector256&lt;double&gt; accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Double6x8(int kc, double* a, double* b, double* c, long ldc, double* scale)
    {
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<double> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc, 7);
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 4);
            var x = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            a += 6;
            b += 8;
        }
        double alpha = scale[0], beta = scale[1];
        var va = Vector256.Create(alpha);
        if (beta == 0d)
        {
            Store(c, c00, c01, va); Store(c + ldc, c10, c11, va); Store(c + 2 * ldc, c20, c21, va);
            Store(c + 3 * ldc, c30, c31, va); Store(c + 4 * ldc, c40, c41, va); Store(c + 5 * ldc, c50, c51, va);
        }
        else
        {
            var vb = Vector256.Create(beta);
            Update(c, c00, c01, va, vb); Update(c + ldc, c10, c11, va, vb); Update(c + 2 * ldc, c20, c21, va, vb);
            Update(c + 3 * ldc, c30, c31, va, vb); Update(c + 4 * ldc, c40, c41, va, vb); Update(c + 5 * ldc, c50, c51, va, vb);
        }
    }

    /// <summary>
    /// A full 6-row tile whose B sliver is read straight from B as stored (row p of the sliver at <c>b + p·ldb</c>)
    /// and copied to the packed sliver <paramref name="packed"/> on the way, for the sliver's other tiles. The copy
    /// rides on the loads the tile needs anyway, and the FMAs overlap the misses of the strided rows, which a
    /// separate packing loop would wait for. Otherwise as <see cref="Float6x16"/> (TE float) or <see cref="Double6x8"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackingTile<TE>(int kc, TE* a, TE* b, long ldb, TE* packed, TE* c, long ldc, TE* scale) where TE : unmanaged
    {
        int v = Vector256<TE>.Count;
        // A plain compare: EqualityComparer here made the JIT spill the accumulators on every iteration.
        bool overwrite = typeof(TE) == typeof(float) ? *(float*)(scale + 1) == 0f : *(double*)(scale + 1) == 0d;
        Vector256<TE> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<TE> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc, 2 * v - 1);
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + v);
            Vector256.Store(b0, packed);
            Vector256.Store(b1, packed + v);
            var x = Vector256.Create(a[0]);
            c00 = VectorMath.MultiplyAdd(x, b0, c00); c01 = VectorMath.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = VectorMath.MultiplyAdd(x, b0, c10); c11 = VectorMath.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = VectorMath.MultiplyAdd(x, b0, c20); c21 = VectorMath.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = VectorMath.MultiplyAdd(x, b0, c30); c31 = VectorMath.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = VectorMath.MultiplyAdd(x, b0, c40); c41 = VectorMath.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = VectorMath.MultiplyAdd(x, b0, c50); c51 = VectorMath.MultiplyAdd(x, b1, c51);
            a += 6;
            b += ldb;
            packed += 2 * v;
        }
        var va = Vector256.Create(scale[0]);
        if (overwrite)
        {
            Store(c, c00, c01, va); Store(c + ldc, c10, c11, va); Store(c + 2 * ldc, c20, c21, va);
            Store(c + 3 * ldc, c30, c31, va); Store(c + 4 * ldc, c40, c41, va); Store(c + 5 * ldc, c50, c51, va);
        }
        else
        {
            var vb = Vector256.Create(scale[1]);
            Update(c, c00, c01, va, vb); Update(c + ldc, c10, c11, va, vb); Update(c + 2 * ldc, c20, c21, va, vb);
            Update(c + 3 * ldc, c30, c31, va, vb); Update(c + 4 * ldc, c40, c41, va, vb); Update(c + 5 * ldc, c50, c51, va, vb);
        }
    }

    /// <summary>
    /// Edge tile of at most 4 rows (from a 6-row packed sliver): 8 accumulators, still enough independent FMA chains
    /// to cover the FMA latency, at two thirds of the 6-row kernel's cost. Writes <c>acc</c> to a dense 4×16 tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Float4x16(int kc, float* a, float* b, float* tile)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            a += 6;
            b += 16;
        }
        Vector256.Store(c00, tile); Vector256.Store(c01, tile + 8);
        Vector256.Store(c10, tile + 16); Vector256.Store(c11, tile + 24);
        Vector256.Store(c20, tile + 32); Vector256.Store(c21, tile + 40);
        Vector256.Store(c30, tile + 48); Vector256.Store(c31, tile + 56);
    }

    /// <summary>Edge tile of at most 4 rows, double: see <see cref="Float4x16"/>. Writes a dense 4×8 tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Double4x8(int kc, double* a, double* b, double* tile)
    {
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<double> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 4);
            var x = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            a += 6;
            b += 8;
        }
        Vector256.Store(c00, tile); Vector256.Store(c01, tile + 4);
        Vector256.Store(c10, tile + 8); Vector256.Store(c11, tile + 12);
        Vector256.Store(c20, tile + 16); Vector256.Store(c21, tile + 20);
        Vector256.Store(c30, tile + 24); Vector256.Store(c31, tile + 28);
    }

    /// <summary>Starts loading the tile's 6 rows of C (first and last element of each) while the k loop runs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile<TE>(TE* c, long ldc, int last) where TE : unmanaged
    {
        for (int r = 0; r < 6; r++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + last);
        }
    }

    /// <summary>Row of two vectors: <c>C = alpha·acc</c>, C not read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TE>(TE* c, Vector256<TE> x0, Vector256<TE> x1, Vector256<TE> alpha) where TE : unmanaged
    {
        Vector256.Store(x0 * alpha, c);
        Vector256.Store(x1 * alpha, c + Vector256<TE>.Count);
    }

    /// <summary>Row of two vectors: <c>C = alpha·acc + beta·C</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update<TE>(TE* c, Vector256<TE> x0, Vector256<TE> x1, Vector256<TE> alpha, Vector256<TE> beta) where TE : unmanaged
    {
        Vector256.Store(VectorMath.MultiplyAdd(x0, alpha, Vector256.Load(c) * beta), c);
        Vector256.Store(VectorMath.MultiplyAdd(x1, alpha, Vector256.Load(c + Vector256<TE>.Count) * beta), c + Vector256<TE>.Count);
    }
}
