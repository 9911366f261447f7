namespace SeqCore.Cuda;

/// <summary>Options for <see cref="CudaBackend{T}"/>.</summary>
public sealed record CudaBackendOptions
{
    /// <summary>The device ordinal (0 = the first GPU the driver lists).</summary>
    public int Device { get; init; }

    /// <summary>
    /// Let cuBLAS run float GEMMs on TF32 tensor cores (Ampere and newer): several times faster, with a 10-bit mantissa
    /// for the products (about 1e-3 relative error instead of 1e-6). Off by default, so results match the CPU backend.
    /// </summary>
    public bool AllowTf32 { get; init; }
}
