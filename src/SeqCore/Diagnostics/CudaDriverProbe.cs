namespace SeqCore.Diagnostics;

/// <summary>
/// The CUDA driver library's name on this platform, which <c>seqcore info</c> reports when no driver loaded. Loading and
/// probing the driver is the CUDA backend's job (<c>CudaDeviceInfo.Probe</c>).
/// </summary>
internal static class CudaDriverProbe
{
    /// <summary>The driver library's name on this platform: <c>libcuda.so.1</c> (Linux), <c>nvcuda.dll</c> (Windows), else null.</summary>
    public static string? LibraryName =>
        OperatingSystem.IsLinux() ? "libcuda.so.1" : OperatingSystem.IsWindows() ? "nvcuda.dll" : null;
}
