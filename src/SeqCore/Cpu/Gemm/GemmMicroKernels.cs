using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SeqCore.Cpu.Gemm;

/// <summary>
/// AVX2+FMA micro-kernels (and their AVX-512F twins, the same code on Vector512), for TE float or double: one MR×NR tile of C from a packed A sliver (MR values per depth)
/// and a packed B sliver (NR values per depth). Per depth p, the tile gains the outer product <c>a[p]·b[p]ᵀ</c>: two B vectors are loaded,
/// each A value is broadcast, and 12 FMAs update 12 accumulators held in registers for the whole k loop.
/// The tile is then written as <c>C = alpha·acc + beta·C</c>, where beta = 0 does not read C.
/// </summary>
internal static unsafe class GemmMicroKernels
{
    /// <summary>
    /// One 6×(2 vectors) tile: 6×16 for float, 6×8 for double, 12 Vector256 accumulators. <paramref name="scale"/>
    /// holds alpha and beta: passed by address, because as register arguments they pinned two vector registers and
    /// pushed the loop's temporaries into EVEX-only registers, which measured ~12% slower on this Zen 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TE>(int kc, TE* a, TE* b, TE* c, long ldc, TE* scale) where TE : unmanaged
    {
        int v = Vector256<TE>.Count;
        bool overwrite = IsZero(scale + 1);
        Vector256<TE> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<TE> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc, 2 * v - 1);
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + v);
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
            b += 2 * v;
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
    /// A full 6-row tile whose B sliver is read straight from B as stored (row p of the sliver at <c>b + p·ldb</c>)
    /// and copied to the packed sliver <paramref name="packed"/> on the way, for the sliver's other tiles. The copy
    /// rides on the loads the tile needs anyway, and the FMAs overlap the misses of the strided rows, which a
    /// separate packing loop would wait for. Otherwise as <see cref="Tile{TE}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackingTile<TE>(int kc, TE* a, TE* b, long ldb, TE* packed, TE* c, long ldc, TE* scale) where TE : unmanaged
    {
        int v = Vector256<TE>.Count;
        bool overwrite = IsZero(scale + 1);
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
    /// to cover the FMA latency, at two thirds of the 6-row tile's cost. Writes the raw sums to a dense 4-row tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Edge4<TE>(int kc, TE* a, TE* b, TE* tile) where TE : unmanaged
    {
        int v = Vector256<TE>.Count;
        Vector256<TE> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<TE> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + v);
            var x = Vector256.Create(a[0]);
            c00 = VectorMath.MultiplyAdd(x, b0, c00); c01 = VectorMath.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = VectorMath.MultiplyAdd(x, b0, c10); c11 = VectorMath.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = VectorMath.MultiplyAdd(x, b0, c20); c21 = VectorMath.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = VectorMath.MultiplyAdd(x, b0, c30); c31 = VectorMath.MultiplyAdd(x, b1, c31);
            a += 6;
            b += 2 * v;
        }
        Vector256.Store(c00, tile); Vector256.Store(c01, tile + v);
        Vector256.Store(c10, tile + 2 * v); Vector256.Store(c11, tile + 3 * v);
        Vector256.Store(c20, tile + 4 * v); Vector256.Store(c21, tile + 5 * v);
        Vector256.Store(c30, tile + 6 * v); Vector256.Store(c31, tile + 7 * v);
    }

    /// <summary>Whether beta (TE float or double) is zero: a plain compare, since a call here (EqualityComparer) made
    /// the JIT spill the accumulators on every iteration of the k loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsZero<TE>(TE* x) where TE : unmanaged => typeof(TE) == typeof(float) ? *(float*)x == 0f : *(double*)x == 0d;

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

    /// <summary><see cref="Tile{TE}"/> with two Vector512 per row (6×32 float, 6×16 double): needs AVX-512F.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TileWide<TE>(int kc, TE* a, TE* b, TE* c, long ldc, TE* scale) where TE : unmanaged
    {
        int v = Vector512<TE>.Count;
        bool overwrite = IsZero(scale + 1);
        Vector512<TE> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<TE> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc, 2 * v - 1);
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + v);
            var x = Vector512.Create(a[0]);
            c00 = VectorMath.MultiplyAdd(x, b0, c00); c01 = VectorMath.MultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = VectorMath.MultiplyAdd(x, b0, c10); c11 = VectorMath.MultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = VectorMath.MultiplyAdd(x, b0, c20); c21 = VectorMath.MultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = VectorMath.MultiplyAdd(x, b0, c30); c31 = VectorMath.MultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = VectorMath.MultiplyAdd(x, b0, c40); c41 = VectorMath.MultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = VectorMath.MultiplyAdd(x, b0, c50); c51 = VectorMath.MultiplyAdd(x, b1, c51);
            a += 6;
            b += 2 * v;
        }
        var va = Vector512.Create(scale[0]);
        if (overwrite)
        {
            Store(c, c00, c01, va); Store(c + ldc, c10, c11, va); Store(c + 2 * ldc, c20, c21, va);
            Store(c + 3 * ldc, c30, c31, va); Store(c + 4 * ldc, c40, c41, va); Store(c + 5 * ldc, c50, c51, va);
        }
        else
        {
            var vb = Vector512.Create(scale[1]);
            Update(c, c00, c01, va, vb); Update(c + ldc, c10, c11, va, vb); Update(c + 2 * ldc, c20, c21, va, vb);
            Update(c + 3 * ldc, c30, c31, va, vb); Update(c + 4 * ldc, c40, c41, va, vb); Update(c + 5 * ldc, c50, c51, va, vb);
        }
    }

    /// <summary><see cref="PackingTile{TE}"/> with two Vector512 per row: needs AVX-512F.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackingTileWide<TE>(int kc, TE* a, TE* b, long ldb, TE* packed, TE* c, long ldc, TE* scale) where TE : unmanaged
    {
        int v = Vector512<TE>.Count;
        bool overwrite = IsZero(scale + 1);
        Vector512<TE> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<TE> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc, 2 * v - 1);
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + v);
            Vector512.Store(b0, packed);
            Vector512.Store(b1, packed + v);
            var x = Vector512.Create(a[0]);
            c00 = VectorMath.MultiplyAdd(x, b0, c00); c01 = VectorMath.MultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = VectorMath.MultiplyAdd(x, b0, c10); c11 = VectorMath.MultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = VectorMath.MultiplyAdd(x, b0, c20); c21 = VectorMath.MultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = VectorMath.MultiplyAdd(x, b0, c30); c31 = VectorMath.MultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = VectorMath.MultiplyAdd(x, b0, c40); c41 = VectorMath.MultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = VectorMath.MultiplyAdd(x, b0, c50); c51 = VectorMath.MultiplyAdd(x, b1, c51);
            a += 6;
            b += ldb;
            packed += 2 * v;
        }
        var va = Vector512.Create(scale[0]);
        if (overwrite)
        {
            Store(c, c00, c01, va); Store(c + ldc, c10, c11, va); Store(c + 2 * ldc, c20, c21, va);
            Store(c + 3 * ldc, c30, c31, va); Store(c + 4 * ldc, c40, c41, va); Store(c + 5 * ldc, c50, c51, va);
        }
        else
        {
            var vb = Vector512.Create(scale[1]);
            Update(c, c00, c01, va, vb); Update(c + ldc, c10, c11, va, vb); Update(c + 2 * ldc, c20, c21, va, vb);
            Update(c + 3 * ldc, c30, c31, va, vb); Update(c + 4 * ldc, c40, c41, va, vb); Update(c + 5 * ldc, c50, c51, va, vb);
        }
    }

    /// <summary><see cref="Edge4{TE}"/> with two Vector512 per row: needs AVX-512F.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Edge4Wide<TE>(int kc, TE* a, TE* b, TE* tile) where TE : unmanaged
    {
        int v = Vector512<TE>.Count;
        Vector512<TE> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<TE> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + v);
            var x = Vector512.Create(a[0]);
            c00 = VectorMath.MultiplyAdd(x, b0, c00); c01 = VectorMath.MultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = VectorMath.MultiplyAdd(x, b0, c10); c11 = VectorMath.MultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = VectorMath.MultiplyAdd(x, b0, c20); c21 = VectorMath.MultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = VectorMath.MultiplyAdd(x, b0, c30); c31 = VectorMath.MultiplyAdd(x, b1, c31);
            a += 6;
            b += 2 * v;
        }
        Vector512.Store(c00, tile); Vector512.Store(c01, tile + v);
        Vector512.Store(c10, tile + 2 * v); Vector512.Store(c11, tile + 3 * v);
        Vector512.Store(c20, tile + 4 * v); Vector512.Store(c21, tile + 5 * v);
        Vector512.Store(c30, tile + 6 * v); Vector512.Store(c31, tile + 7 * v);
    }

    /// <summary>Row of two Vector512: <c>C = alpha·acc</c>, C not read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TE>(TE* c, Vector512<TE> x0, Vector512<TE> x1, Vector512<TE> alpha) where TE : unmanaged
    {
        Vector512.Store(x0 * alpha, c);
        Vector512.Store(x1 * alpha, c + Vector512<TE>.Count);
    }

    /// <summary>Row of two Vector512: <c>C = alpha·acc + beta·C</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update<TE>(TE* c, Vector512<TE> x0, Vector512<TE> x1, Vector512<TE> alpha, Vector512<TE> beta) where TE : unmanaged
    {
        Vector512.Store(VectorMath.MultiplyAdd(x0, alpha, Vector512.Load(c) * beta), c);
        Vector512.Store(VectorMath.MultiplyAdd(x1, alpha, Vector512.Load(c + Vector512<TE>.Count) * beta), c + Vector512<TE>.Count);
    }
}
