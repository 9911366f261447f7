using System.Numerics;

namespace SeqCore;

/// <summary>Whether a GEMM operand is used as stored or transposed.</summary>
public enum Transpose
{
    /// <summary>Use the matrix as stored (row-major).</summary>
    No,
    /// <summary>Use the transpose of the stored matrix.</summary>
    Yes,
}

/// <summary>Matrix products: row-major GEMM, single and strided-batched (the BLAS argument order).</summary>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// <c>C = alpha·op(A)·op(B) + beta·C</c> with row-major storage: <c>op(A)</c> is m×k, <c>op(B)</c> is k×n,
    /// C is m×n. <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/> are the row strides of
    /// the matrices as stored (so <c>lda ≥ k</c> when A is not transposed, <c>lda ≥ m</c> when it is).
    /// With <c>beta = 0</c>, C is overwritten without being read (NaNs in C do not propagate).
    /// </summary>
    void Gemm(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, Tensor<T> a, int lda, Tensor<T> b, int ldb, T beta, Tensor<T> c, int ldc);

    /// <summary>
    /// <paramref name="batchCount"/> independent GEMMs; matrix <c>i</c> of A starts <c>i·strideA</c> elements
    /// after A's first element (likewise B and C). A stride of 0 reuses one matrix for every batch entry.
    /// </summary>
    void GemmStridedBatched(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, Tensor<T> a, int lda, long strideA, Tensor<T> b, int ldb, long strideB,
        T beta, Tensor<T> c, int ldc, long strideC, int batchCount);
}
