namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
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

    /// <summary>
    /// Row-major GEMM on column-major cuBLAS: a row-major m×n C is a column-major n×m matrix Cᵀ, and C = op(A)·op(B) is
    /// Cᵀ = op(B)ᵀ·op(A)ᵀ, so cuBLAS gets B first, then A, with m and n swapped and the same leading dimensions.
    /// </summary>
    private void GemmStridedBatched(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, Tensor<T> a, int lda, long strideA, Tensor<T> b, int ldb, long strideB,
        T beta, Tensor<T> c, int ldc, long strideC, int batchCount, string op)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Check.GemmSizes(op, m, n, k, batchCount, strideA, strideB, strideC);
        ulong pa = Ptr(a, op, "a"), pb = Ptr(b, op, "b"), pc = Ptr(c, op, "c");
        bool ta = transA == Transpose.Yes, tb = transB == Transpose.Yes;
        Check.Gemm(op, transA, transB, m, n, k, a, lda, strideA, b, ldb, strideB, c, ldc, strideC, batchCount);
        if (m == 0 || n == 0 || batchCount == 0) return;
        if (k == 0 || alpha == T.Zero)
        {
            // C = beta·C, which cuBLAS does not promise for k = 0; beta = 1 leaves C alone.
            if (beta == T.One) return;
            ulong ci = pc;
            int rows = m, cols = n, ld = ldc;
            T bt = beta;
            void** args = stackalloc void*[] { &ci, &rows, &cols, &ld, &bt };
            for (int i = 0; i < batchCount; i++)
            {
                ci = pc + (ulong)(i * strideC * sizeof(T));
                LaunchElements("scale_matrix", (long)m * n, args);
            }
            return;
        }
        _device.Gemm(tb, ta, n, m, k, alpha, pb, ldb, strideB, pa, lda, strideA, beta, pc, ldc, strideC, batchCount);
    }
}
