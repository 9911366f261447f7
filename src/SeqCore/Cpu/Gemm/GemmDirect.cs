using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu.Gemm;

/// <summary>
/// GEMM without packing, for products too small (or too thin) for packing to pay, plus the scalar reference
/// kernel used when the CPU lacks SIMD. With op(B) = B the rows of C are built as sums of rows of B scaled by
/// entries of op(A) (vectors along n); with op(B) = Bᵀ and op(A) = A, each entry of C is a dot product of two
/// contiguous rows (vectors along k).
/// </summary>
internal static unsafe class GemmDirect<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Longest column of B gathered on the stack for <see cref="ColumnDots"/> (32 KiB of float).</summary>
    public const int MaxGather = 8192;

    public static void Run(in GemmProblem<T> g)
    {
        if (!Vector256.IsHardwareAccelerated) Reference(in g);
        else if (!g.TransB) { if (!g.TransA && g.N <= 4 && g.K <= MaxGather) ColumnDots(in g); else RowCombination(in g); }
        else if (!g.TransA) DotProducts(in g);
        else Reference(in g);
    }

    /// <summary>Whether <see cref="Run"/> has a vector form for this problem (both transposed has none).</summary>
    public static bool IsVectorised(in GemmProblem<T> g) => !(g.TransA && g.TransB);

    /// <summary>
    /// <c>C[i, :] = alpha·Σ_p op(A)[i, p]·B[p, :] + beta·C[i, :]</c>: four vectors of columns at a time, even and odd
    /// p in separate accumulators so eight FMA chains are in flight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowCombination(in GemmProblem<T> g)
    {
        int v = Vector256<T>.Count, n = g.N, k = g.K;
        long ldb = g.Ldb, aStep = g.TransA ? g.Lda : 1;
        for (int i = 0; i < g.M; i++)
        {
            T* ai = g.AAt(i, 0), ci = g.C + i * g.Ldc;
            int j = 0;
            for (; j <= n - 4 * v; j += 4 * v)
            {
                Vector256<T> s0 = default, s1 = default, s2 = default, s3 = default;
                Vector256<T> t0 = default, t1 = default, t2 = default, t3 = default;
                T* bp = g.B + j;
                int p = 0;
                for (; p <= k - 2; p += 2, bp += 2 * ldb)
                {
                    var x = Vector256.Create(ai[p * aStep]);
                    s0 = VectorMath.MultiplyAdd(x, Vector256.Load(bp), s0);
                    s1 = VectorMath.MultiplyAdd(x, Vector256.Load(bp + v), s1);
                    s2 = VectorMath.MultiplyAdd(x, Vector256.Load(bp + 2 * v), s2);
                    s3 = VectorMath.MultiplyAdd(x, Vector256.Load(bp + 3 * v), s3);
                    var y = Vector256.Create(ai[(p + 1) * aStep]);
                    t0 = VectorMath.MultiplyAdd(y, Vector256.Load(bp + ldb), t0);
                    t1 = VectorMath.MultiplyAdd(y, Vector256.Load(bp + ldb + v), t1);
                    t2 = VectorMath.MultiplyAdd(y, Vector256.Load(bp + ldb + 2 * v), t2);
                    t3 = VectorMath.MultiplyAdd(y, Vector256.Load(bp + ldb + 3 * v), t3);
                }
                if (p < k)
                {
                    var x = Vector256.Create(ai[p * aStep]);
                    s0 = VectorMath.MultiplyAdd(x, Vector256.Load(bp), s0);
                    s1 = VectorMath.MultiplyAdd(x, Vector256.Load(bp + v), s1);
                    s2 = VectorMath.MultiplyAdd(x, Vector256.Load(bp + 2 * v), s2);
                    s3 = VectorMath.MultiplyAdd(x, Vector256.Load(bp + 3 * v), s3);
                }
                StoreRow(g, ci + j, s0 + t0);
                StoreRow(g, ci + j + v, s1 + t1);
                StoreRow(g, ci + j + 2 * v, s2 + t2);
                StoreRow(g, ci + j + 3 * v, s3 + t3);
            }
            for (; j <= n - v; j += v)
            {
                Vector256<T> s0 = default, t0 = default;
                T* bp = g.B + j;
                int p = 0;
                for (; p <= k - 2; p += 2, bp += 2 * ldb)
                {
                    s0 = VectorMath.MultiplyAdd(Vector256.Create(ai[p * aStep]), Vector256.Load(bp), s0);
                    t0 = VectorMath.MultiplyAdd(Vector256.Create(ai[(p + 1) * aStep]), Vector256.Load(bp + ldb), t0);
                }
                if (p < k) s0 = VectorMath.MultiplyAdd(Vector256.Create(ai[p * aStep]), Vector256.Load(bp), s0);
                StoreRow(g, ci + j, s0 + t0);
            }
            for (; j < n; j++)
            {
                T s0 = T.Zero, t0 = T.Zero;
                T* bp = g.B + j;
                int p = 0;
                for (; p <= k - 2; p += 2, bp += 2 * ldb)
                {
                    s0 += ai[p * aStep] * *bp;
                    t0 += ai[(p + 1) * aStep] * bp[ldb];
                }
                if (p < k) s0 += ai[p * aStep] * *bp;
                ci[j] = Finish(g, s0 + t0, ci + j);
            }
        }
    }

    /// <summary><c>C[i, j] = alpha·(A[i, :]·B[j, :]) + beta·C[i, j]</c> with both rows contiguous along k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotProducts(in GemmProblem<T> g)
    {
        for (int i = 0; i < g.M; i++)
        {
            T* ai = g.A + i * g.Lda, ci = g.C + i * g.Ldc;
            for (int j = 0; j < g.N; j++) ci[j] = Finish(g, Dot(ai, g.B + j * g.Ldb, g.K), ci + j);
        }
    }

    /// <summary>
    /// Few columns of B as stored (n ≤ 4): each column is gathered into a contiguous copy on the stack, then
    /// <c>C[i, j] = alpha·(A[i, :]·column j) + beta·C[i, j]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void ColumnDots(in GemmProblem<T> g)
    {
        T* column = stackalloc T[g.K];
        for (int j = 0; j < g.N; j++)
        {
            for (int p = 0; p < g.K; p++) column[p] = g.B[p * g.Ldb + j];
            for (int i = 0; i < g.M; i++)
            {
                T* cij = g.C + i * g.Ldc + j;
                *cij = Finish(g, Dot(g.A + i * g.Lda, column, g.K), cij);
            }
        }
    }

    /// <summary>x·y over k contiguous elements, four vector accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Dot(T* x, T* y, int k)
    {
        int v = Vector256<T>.Count, p = 0;
        Vector256<T> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; p <= k - 4 * v; p += 4 * v)
        {
            s0 = VectorMath.MultiplyAdd(Vector256.Load(x + p), Vector256.Load(y + p), s0);
            s1 = VectorMath.MultiplyAdd(Vector256.Load(x + p + v), Vector256.Load(y + p + v), s1);
            s2 = VectorMath.MultiplyAdd(Vector256.Load(x + p + 2 * v), Vector256.Load(y + p + 2 * v), s2);
            s3 = VectorMath.MultiplyAdd(Vector256.Load(x + p + 3 * v), Vector256.Load(y + p + 3 * v), s3);
        }
        for (; p <= k - v; p += v) s0 = VectorMath.MultiplyAdd(Vector256.Load(x + p), Vector256.Load(y + p), s0);
        T sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; p < k; p++) sum += x[p] * y[p];
        return sum;
    }

    /// <summary>One vector of a row of C: <c>alpha·acc + beta·C</c>, C unread when beta = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(in GemmProblem<T> g, T* c, Vector256<T> acc)
    {
        var r = acc * Vector256.Create(g.Alpha);
        if (g.Beta != T.Zero) r = VectorMath.MultiplyAdd(Vector256.Load(c), Vector256.Create(g.Beta), r);
        Vector256.Store(r, c);
    }

    /// <summary>One entry of C: <c>alpha·sum + beta·C</c>, C unread when beta = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Finish(in GemmProblem<T> g, T sum, T* c) => g.Beta == T.Zero ? g.Alpha * sum : g.Alpha * sum + g.Beta * *c;

    /// <summary>Reference order, scalar: one dot product per entry of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Reference(in GemmProblem<T> g)
    {
        bool readC = g.Beta != T.Zero;
        for (int i = 0; i < g.M; i++)
        {
            for (int j = 0; j < g.N; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < g.K; p++) sum += *g.AAt(i, p) * *g.BAt(p, j);
                T* cij = g.C + i * g.Ldc + j;
                *cij = readC ? g.Alpha * sum + g.Beta * *cij : g.Alpha * sum;
            }
        }
    }

    /// <summary><c>C = beta·C</c>, the whole product when k = 0 or alpha = 0 (beta = 0 writes zeros without reading).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleC(in GemmProblem<T> g)
    {
        for (int i = 0; i < g.M; i++)
        {
            var row = new Span<T>(g.C + i * g.Ldc, g.N);
            if (g.Beta == T.Zero) row.Clear();
            else if (g.Beta != T.One) for (int j = 0; j < row.Length; j++) row[j] *= g.Beta;
        }
    }
}
