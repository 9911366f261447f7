namespace SeqCore.Cpu.Gemm;

/// <summary>
/// One validated GEMM, <c>C = alpha·op(A)·op(B) + beta·C</c> in row-major storage: op(A) is m×k, op(B) is k×n.
/// Element (i, p) of op(A) is <c>A[i·lda + p]</c>, or <c>A[p·lda + i]</c> when <see cref="TransA"/> (likewise B).
/// </summary>
internal unsafe struct GemmProblem<T> where T : unmanaged
{
    public bool TransA, TransB;
    public int M, N, K;
    public T Alpha, Beta;
    public T* A, B, C;
    public long Lda, Ldb, Ldc;

    /// <summary>Multiply-adds in the product, the measure of work used to pick a path.</summary>
    public readonly long Work => (long)M * N * K;

    /// <summary>Address of op(A)[i, p].</summary>
    public readonly T* AAt(int i, int p) => TransA ? A + p * Lda + i : A + i * Lda + p;

    /// <summary>Address of op(B)[p, j].</summary>
    public readonly T* BAt(int p, int j) => TransB ? B + j * Ldb + p : B + p * Ldb + j;
}
