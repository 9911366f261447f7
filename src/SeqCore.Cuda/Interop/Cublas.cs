using System.Runtime.InteropServices;

namespace SeqCore.Cuda.Interop;

/// <summary>
/// The cuBLAS calls the backend uses (column-major, as BLAS). Results are checked with <see cref="Check"/>, which names
/// the call and the cuBLAS status.
/// </summary>
internal static unsafe class Cublas
{
    private const string Lib = NativeLibraries.Cublas;

    public const int OpN = 0, OpT = 1;
    public const int DefaultMath = 0, Tf32TensorOpMath = 3;

    [DllImport(Lib, ExactSpelling = true)] public static extern int cublasCreate_v2(nint* handle);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cublasDestroy_v2(nint handle);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cublasSetStream_v2(nint handle, nint stream);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cublasSetMathMode(nint handle, int mode);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cublasGetVersion_v2(nint handle, int* version);

    [DllImport(Lib, ExactSpelling = true)]
    public static extern int cublasSgemm_v2(nint handle, int transa, int transb, int m, int n, int k,
        float* alpha, ulong a, int lda, ulong b, int ldb, float* beta, ulong c, int ldc);

    [DllImport(Lib, ExactSpelling = true)]
    public static extern int cublasDgemm_v2(nint handle, int transa, int transb, int m, int n, int k,
        double* alpha, ulong a, int lda, ulong b, int ldb, double* beta, ulong c, int ldc);

    [DllImport(Lib, ExactSpelling = true)]
    public static extern int cublasSgemmStridedBatched(nint handle, int transa, int transb, int m, int n, int k,
        float* alpha, ulong a, int lda, long strideA, ulong b, int ldb, long strideB, float* beta, ulong c, int ldc, long strideC, int batchCount);

    [DllImport(Lib, ExactSpelling = true)]
    public static extern int cublasDgemmStridedBatched(nint handle, int transa, int transb, int m, int n, int k,
        double* alpha, ulong a, int lda, long strideA, ulong b, int ldb, long strideB, double* beta, ulong c, int ldc, long strideC, int batchCount);

    /// <summary>Throws <see cref="CudaException"/> unless <paramref name="status"/> is CUBLAS_STATUS_SUCCESS.</summary>
    public static void Check(int status, string call, string? detail = null)
    {
        if (status == 0) return;
        string name = StatusName(status);
        throw new CudaException($"{call} failed: {name}{(detail is null ? "" : $" ({detail})")}", name);
    }

    /// <summary>The cuBLAS status name (cublas_api.h).</summary>
    public static string StatusName(int status) => status switch
    {
        0 => "CUBLAS_STATUS_SUCCESS",
        1 => "CUBLAS_STATUS_NOT_INITIALIZED",
        3 => "CUBLAS_STATUS_ALLOC_FAILED",
        7 => "CUBLAS_STATUS_INVALID_VALUE",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH",
        11 => "CUBLAS_STATUS_MAPPING_ERROR",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR",
        15 => "CUBLAS_STATUS_NOT_SUPPORTED",
        16 => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => $"cuBLAS status {status}",
    };
}
