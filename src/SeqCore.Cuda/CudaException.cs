namespace SeqCore.Cuda;

/// <summary>
/// A CUDA driver or cuBLAS call failed, or no usable device exists. The message names the call and the CUDA error,
/// e.g. <c>cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (size 123 bytes)</c>.
/// </summary>
public sealed class CudaException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="errorName">The CUDA error name (e.g. <c>CUDA_ERROR_NO_DEVICE</c>), or null.</param>
    /// <param name="inner">The exception that caused this one, or null.</param>
    public CudaException(string message, string? errorName = null, Exception? inner = null) : base(message, inner) => ErrorName = errorName;

    /// <summary>The CUDA or cuBLAS error name, e.g. <c>CUDA_ERROR_NO_DEVICE</c>, when a call failed.</summary>
    public string? ErrorName { get; }
}
