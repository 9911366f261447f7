using System.Numerics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
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
        if (m < 0 || n < 0 || k < 0 || batchCount < 0)
            throw new ArgumentException($"{op}: sizes must be non-negative, got m={m}, n={n}, k={k}, batchCount={batchCount}.");
        if (strideA < 0 || strideB < 0 || strideC < 0)
            throw new ArgumentException($"{op}: batch strides must be non-negative, got {strideA}, {strideB}, {strideC}.");
        T* pa = Ptr(a, op, "a"), pb = Ptr(b, op, "b"), pc = Ptr(c, op, "c");
        bool ta = transA == Transpose.Yes, tb = transB == Transpose.Yes;
        Check.GemmOperand(op, a, "a", ta ? k : m, ta ? m : k, lda, strideA, batchCount);
        Check.GemmOperand(op, b, "b", tb ? n : k, tb ? k : n, ldb, strideB, batchCount);
        Check.GemmOperand(op, c, "c", m, n, ldc, strideC, batchCount);
        if (batchCount > 1 && strideC < (long)(m - 1) * ldc + n && m > 0 && n > 0)
            throw new ArgumentException($"{op}: batch stride of 'c' ({strideC}) makes the {batchCount} output matrices of {m}×{n} (ldc {ldc}) overlap.");
        for (int i = 0; i < batchCount; i++)
            GemmKernel(ta, tb, m, n, k, alpha, pa + i * strideA, lda, pb + i * strideB, ldb, beta, pc + i * strideC, ldc);
    }

    /// <summary>Reference-order kernel: C = alpha·op(A)·op(B) + beta·C, beta = 0 never reads C.</summary>
    private void GemmKernel(bool ta, bool tb, int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                    sum += (ta ? a[(long)p * lda + i] : a[(long)i * lda + p]) * (tb ? b[(long)j * ldb + p] : b[(long)p * ldb + j]);
                T* cij = c + (long)i * ldc + j;
                *cij = beta == T.Zero ? alpha * sum : alpha * sum + beta * *cij;
            }
        }
    }
}
