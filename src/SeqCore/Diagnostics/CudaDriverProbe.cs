using System.Runtime.InteropServices;

namespace SeqCore.Diagnostics;

/// <summary>Whether the NVIDIA driver library could be loaded on this machine.</summary>
/// <param name="Library">The file name tried, e.g. <c>libcuda.so.1</c>; null on a platform without a CUDA driver.</param>
/// <param name="Loadable">True when <see cref="NativeLibrary.TryLoad(string, out nint)"/> succeeded.</param>
public sealed record CudaDriverStatus(string? Library, bool Loadable);

/// <summary>
/// Looks for the CUDA driver library without calling into it. Loading the library says a driver is
/// installed, not that a usable GPU is present: that takes <c>cuInit</c>, which is the CUDA backend's job.
/// </summary>
public static class CudaDriverProbe
{
    /// <summary>The driver library's name on this platform: <c>libcuda.so.1</c> (Linux), <c>nvcuda.dll</c> (Windows), else null.</summary>
    public static string? LibraryName =>
        OperatingSystem.IsLinux() ? "libcuda.so.1" : OperatingSystem.IsWindows() ? "nvcuda.dll" : null;

    /// <summary>Tries to load the driver library and unloads it again.</summary>
    public static CudaDriverStatus Probe()
    {
        string? name = LibraryName;
        if (name is null) return new CudaDriverStatus(null, false);
        if (!NativeLibrary.TryLoad(name, out nint handle)) return new CudaDriverStatus(name, false);
        NativeLibrary.Free(handle);
        return new CudaDriverStatus(name, true);
    }
}
