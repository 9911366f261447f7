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
    public static void Run(in GemmProblem<T> g)
    {
        if (!Vector256.IsHardwareAccelerated) Reference(in g);
        else if (!g.TransB) RowCombination(in g);
        else if (!g.TransA) DotProducts(in g);
        else Reference(in g);
    }

    /// <summary><c>C[i, :] = alpha·Σ_p op(A)[i, p]·B[p, :] + beta·C[i, :]</c>, two vectors of columns at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowCombination(in GemmProblem<T> g)
    {
        int v = Vector256<T>.Count, n = g.N, k = g.K;
        long ldb = g.Ldb, aStep = g.TransA ? g.Lda : 1;
        var alpha = Vector256.Create(g.Alpha);
        var beta = Vector256.Create(g.Beta);
        bool readC = g.Beta != T.Zero;
        for (int i = 0; i < g.M; i++)
        {
            T* ai = g.AAt(i, 0), ci = g.C + i * g.Ldc;
            int j = 0;
            for (; j <= n - 2 * v; j += 2 * v)
            {
                Vector256<T> s0 = default, s1 = default;
                T* bp = g.B + j;
                for (int p = 0; p < k; p++, bp += ldb)
                {
                    var x = Vector256.Create(ai[p * aStep]);
                    s0 = VectorMath.MultiplyAdd(x, Vector256.Load(bp), s0);
                    s1 = VectorMath.MultiplyAdd(x, Vector256.Load(bp + v), s1);
                }
                Vector256.Store(readC ? VectorMath.MultiplyAdd(s0, alpha, Vector256.Load(ci + j) * beta) : s0 * alpha, ci + j);
                Vector256.Store(readC ? VectorMath.MultiplyAdd(s1, alpha, Vector256.Load(ci + j + v) * beta) : s1 * alpha, ci + j + v);
            }
            for (; j <= n - v; j += v)
            {
                Vector256<T> s0 = default;
                T* bp = g.B + j;
                for (int p = 0; p < k; p++, bp += ldb)
                    s0 = VectorMath.MultiplyAdd(Vector256.Create(ai[p * aStep]), Vector256.Load(bp), s0);
                Vector256.Store(readC ? VectorMath.MultiplyAdd(s0, alpha, Vector256.Load(ci + j) * beta) : s0 * alpha, ci + j);
            }
            for (; j < n; j++)
            {
                T sum = T.Zero;
                T* bp = g.B + j;
                for (int p = 0; p < k; p++, bp += ldb) sum += ai[p * aStep] * *bp;
                ci[j] = readC ? g.Alpha * sum + g.Beta * ci[j] : g.Alpha * sum;
            }
        }
    }

    /// <summary><c>C[i, j] = alpha·(A[i, :]·B[j, :]) + beta·C[i, j]</c> with both rows contiguous along k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotProducts(in GemmProblem<T> g)
    {
        int v = Vector256<T>.Count, k = g.K;
        bool readC = g.Beta != T.Zero;
        for (int i = 0; i < g.M; i++)
        {
            T* ai = g.A + i * g.Lda, ci = g.C + i * g.Ldc;
            for (int j = 0; j < g.N; j++)
            {
                T* bj = g.B + j * g.Ldb;
                Vector256<T> s0 = default, s1 = default;
                int p = 0;
                for (; p <= k - 2 * v; p += 2 * v)
                {
                    s0 = VectorMath.MultiplyAdd(Vector256.Load(ai + p), Vector256.Load(bj + p), s0);
                    s1 = VectorMath.MultiplyAdd(Vector256.Load(ai + p + v), Vector256.Load(bj + p + v), s1);
                }
                if (p <= k - v)
                {
                    s0 = VectorMath.MultiplyAdd(Vector256.Load(ai + p), Vector256.Load(bj + p), s0);
                    p += v;
                }
                T sum = Vector256.Sum(s0 + s1);
                for (; p < k; p++) sum += ai[p] * bj[p];
                ci[j] = readC ? g.Alpha * sum + g.Beta * ci[j] : g.Alpha * sum;
            }
        }
    }

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
