using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SeqCore.Cpu.Gemm;

/// <summary>
/// Copies blocks of op(A) and op(B) into the layout the micro-kernel streams, resolving transposes here so the
/// kernel sees one layout. Packed A: slivers of MR rows, each stored k-major (<c>dst[p·MR + r] = op(A)[i0+r, p]</c>).
/// Packed B: slivers of NR columns, each stored k-major (<c>dst[p·NR + j] = op(B)[p, j0+j]</c>). Rows or columns
/// past the matrix edge are zero, so edge tiles run the full kernel.
/// </summary>
internal static unsafe class GemmPacking<T, TW> where T : unmanaged where TW : struct, IGemmWidth
{
    private static int MR => GemmBlocking<T, TW>.MR;
    private static int NR => GemmBlocking<T, TW>.NR;

    /// <summary>
    /// Packs slivers <paramref name="s0"/>..<paramref name="s1"/>-1 of the <paramref name="rows"/>×<paramref name="kc"/>
    /// block of op(A) whose corner is at <paramref name="a"/>; sliver s lands at <c>dst + s·MR·kc</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, T* a, long lda, int rows, int kc, T* dst, int s0, int s1)
    {
        for (int s = s0; s < s1; s++)
        {
            int i = s * MR, r = Math.Min(MR, rows - i);
            T* d = dst + (long)s * MR * kc;
            if (transA && r == MR && Vector128.IsHardwareAccelerated) PackA6Contiguous(a + i, lda, kc, d);
            else if (transA) PackRowsContiguous(a + i, lda, r, MR, kc, d);
            else if (r == MR) PackA6Strided(a + i * lda, lda, kc, d);
            else PackStrided(a + i * lda, lda, r, MR, kc, d);
        }
    }

    /// <summary>
    /// Packs slivers <paramref name="s0"/>..<paramref name="s1"/>-1 of the <paramref name="kc"/>×<paramref name="cols"/>
    /// block of op(B) whose corner is at <paramref name="b"/>; sliver s lands at <c>dst + s·NR·kc</c>.
    /// </summary>
    public static void PackB(bool transB, T* b, long ldb, int cols, int kc, T* dst, int s0, int s1)
    {
        for (int s = s0; s < s1; s++) PackBSliver(transB, b, ldb, cols, kc, s, dst + (long)s * NR * kc);
    }

    /// <summary>Packs sliver <paramref name="s"/> (columns s·NR ..) of the block of op(B) at <paramref name="b"/> into <paramref name="d"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBSliver(bool transB, T* b, long ldb, int cols, int kc, int s, T* d)
    {
        int j = s * NR, w = Math.Min(NR, cols - j);
        if (!transB)
        {
            if (w == NR && Vector256.IsHardwareAccelerated) PackRowsFull(b + j, ldb, kc, d);
            else PackRowsContiguous(b + j, ldb, w, NR, kc, d);
        }
        else if (w == NR && Avx.IsSupported) PackBTransposedFull(b + j * ldb, ldb, kc, d);
        else PackStrided(b + j * ldb, ldb, w, NR, kc, d);
    }

    /// <summary>Row p of the source holds the sliver's <paramref name="width"/> values for depth p, contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRowsContiguous(T* src, long ld, int width, int stride, int kc, T* d)
    {
        for (int p = 0; p < kc; p++, src += ld, d += stride)
        {
            int x = 0;
            for (; x < width; x++) d[x] = src[x];
            for (; x < stride; x++) d[x] = default;
        }
    }

    /// <summary>A full A sliver of op(A) = Aᵀ: row p of A holds the sliver's 6 values for depth p, copied as 4 + 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA6Contiguous(T* src, long ld, int kc, T* d)
    {
        if (typeof(T) == typeof(float))
        {
            var s = (float*)src;
            var o = (float*)d;
            for (int p = 0; p < kc; p++, s += ld, o += 6)
            {
                Vector128.Store(Vector128.Load(s), o);
                *(ulong*)(o + 4) = *(ulong*)(s + 4);
            }
        }
        else if (typeof(T) == typeof(double))
        {
            var s = (double*)src;
            var o = (double*)d;
            for (int p = 0; p < kc; p++, s += ld, o += 6)
            {
                Vector256.Store(Vector256.Load(s), o);
                Vector128.Store(Vector128.Load(s + 4), o + 4);
            }
        }
        else PackRowsContiguous(src, ld, MR, MR, kc, d);
    }

    /// <summary>Full B sliver from rows of contiguous values: two vector copies per depth (four Vector256 when wide).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRowsFull(T* src, long ld, int kc, T* d)
    {
        int v = Vector256<T>.Count;
        for (int p = 0; p < kc; p++, src += ld, d += NR)
        {
            Vector256.Store(Vector256.Load(src), d);
            Vector256.Store(Vector256.Load(src + v), d + v);
            if (TW.Wide)
            {
                Vector256.Store(Vector256.Load(src + 2 * v), d + 2 * v);
                Vector256.Store(Vector256.Load(src + 3 * v), d + 3 * v);
            }
        }
    }

    /// <summary>Source line x (stride <paramref name="ld"/>) holds the sliver's lane x for every depth: a transpose.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackStrided(T* src, long ld, int width, int stride, int kc, T* d)
    {
        for (int p = 0; p < kc; p++, d += stride)
        {
            int x = 0;
            for (; x < width; x++) d[x] = src[x * ld + p];
            for (; x < stride; x++) d[x] = default;
        }
    }

    /// <summary>A full A sliver of 6 rows, each contiguous along k: interleave the six rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA6Strided(T* src, long ld, int kc, T* d)
    {
        T* r0 = src, r1 = src + ld, r2 = src + 2 * ld, r3 = src + 3 * ld, r4 = src + 4 * ld, r5 = src + 5 * ld;
        int p = 0;
        if (typeof(T) == typeof(float) && Avx.IsSupported)
        {
            // 8 depths at a time: a 6×8 block transposed (as 8×8 with two zero rows) into 8 groups of 6. Each group
            // is stored as a full vector whose last two lanes the next group overwrites, so the final block of the
            // sliver (whose spill would cross into the next sliver) goes to the scalar loop.
            for (; p < kc - 8; p += 8, d += 48)
                Transpose6x8((float*)src + p, ld, (float*)d);
        }
        for (; p < kc; p++, d += 6)
        {
            d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]; d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p];
        }
    }

    /// <summary>A full B sliver from op(B) = Bᵀ: NR rows of B, each contiguous along k, transposed in register blocks.</summary>
    private static void PackBTransposedFull(T* src, long ld, int kc, T* d)
    {
        if (typeof(T) == typeof(float)) PackBTransposedFloat((float*)src, ld, kc, (float*)d);
        else PackBTransposedDouble((double*)src, ld, kc, (double*)d);
    }

    /// <summary>NR rows × kc floats into kc × NR: one 8×8 transpose per 8 rows per 8 depths, scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBTransposedFloat(float* src, long ld, int kc, float* d)
    {
        int nr = NR, p = 0;
        for (; p <= kc - 8; p += 8)
            for (int r = 0; r < nr; r += 8)
                Transpose8x8(src + r * ld + p, ld, d + p * nr + r, nr);
        for (; p < kc; p++)
            for (int x = 0; x < nr; x++) d[p * nr + x] = src[x * ld + p];
    }

    /// <summary>NR rows × kc doubles into kc × NR: one 4×4 transpose per 4 rows per 4 depths, scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBTransposedDouble(double* src, long ld, int kc, double* d)
    {
        int nr = NR, p = 0;
        for (; p <= kc - 4; p += 4)
            for (int r = 0; r < nr; r += 4)
                Transpose4x4(src + r * ld + p, ld, d + p * nr + r, nr);
        for (; p < kc; p++)
            for (int x = 0; x < nr; x++) d[p * nr + x] = src[x * ld + p];
    }

    /// <summary>Reads 8 rows of 8 floats (row stride <paramref name="ld"/>), writes the columns as rows (stride <paramref name="dstStride"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, long ld, float* d, int dstStride)
    {
        var r0 = Avx.LoadVector256(s); var r1 = Avx.LoadVector256(s + ld);
        var r2 = Avx.LoadVector256(s + 2 * ld); var r3 = Avx.LoadVector256(s + 3 * ld);
        var r4 = Avx.LoadVector256(s + 4 * ld); var r5 = Avx.LoadVector256(s + 5 * ld);
        var r6 = Avx.LoadVector256(s + 6 * ld); var r7 = Avx.LoadVector256(s + 7 * ld);
        // Pairs of rows interleaved: t0 = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5], ...
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        // Quads: u0 = column 0 of rows 0..3 | column 4 of rows 0..3, ...
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        // Join the 128-bit halves of rows 0..3 and 4..7.
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>Reads 6 rows of 8 floats (row stride <paramref name="ld"/>) and writes the 8 columns of 6, back to back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose6x8(float* s, long ld, float* d)
    {
        var r0 = Avx.LoadVector256(s); var r1 = Avx.LoadVector256(s + ld);
        var r2 = Avx.LoadVector256(s + 2 * ld); var r3 = Avx.LoadVector256(s + 3 * ld);
        var r4 = Avx.LoadVector256(s + 4 * ld); var r5 = Avx.LoadVector256(s + 5 * ld);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        // Rows 4, 5 of column q sit in lanes 0, 1 (q < 4) or 4, 5 (q ≥ 4) of t4 / t5; lanes past them are spill.
        var u4 = t4; var u5 = Avx.Shuffle(t4, t4, 0xEE);
        var u6 = t5; var u7 = Avx.Shuffle(t5, t5, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + 6, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 12, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 18, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 24, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 30, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 36, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 42, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>Reads 4 rows of 4 doubles (row stride <paramref name="ld"/>), writes the columns as rows (stride <paramref name="dstStride"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(double* s, long ld, double* d, int dstStride)
    {
        var r0 = Avx.LoadVector256(s); var r1 = Avx.LoadVector256(s + ld);
        var r2 = Avx.LoadVector256(s + 2 * ld); var r3 = Avx.LoadVector256(s + 3 * ld);
        // t0 = r0[0] r1[0] | r0[2] r1[2]; t1 = r0[1] r1[1] | r0[3] r1[3]; likewise rows 2, 3.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(d, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(d + dstStride, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(d + 2 * dstStride, Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(d + 3 * dstStride, Avx.Permute2x128(t1, t3, 0x31));
    }
}
