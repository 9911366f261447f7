using System.Reflection;
using System.Runtime.InteropServices;

namespace SeqCore.Cuda.Interop;

/// <summary>
/// Resolves the logical library names of the P/Invoke declarations (<c>cuda</c>, <c>cublas</c>) to the first of their
/// versioned file names that loads, and remembers which one it was (for <c>seqcore info</c> and error messages).
/// </summary>
internal static class NativeLibraries
{
    public const string Cuda = "cuda";
    public const string Cublas = "cublas";

    /// <summary>Driver library names, most specific first.</summary>
    public static readonly string[] CudaNames = OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"];

    /// <summary>cuBLAS names, newest first (CUDA 13, 12, 11).</summary>
    public static readonly string[] CublasNames = OperatingSystem.IsWindows()
        ? ["cublas64_13.dll", "cublas64_12.dll", "cublas64_11.dll"]
        : ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"];

    private static readonly Lock Gate = new();
    private static bool _installed;
    private static nint _cuda, _cublas;

    /// <summary>The file name that loaded for the driver, or null.</summary>
    public static string? CudaLoaded { get; private set; }

    /// <summary>The file name that loaded for cuBLAS, or null.</summary>
    public static string? CublasLoaded { get; private set; }

    /// <summary>Installs the resolver (once per process; harmless to call again).</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (_installed) return;
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
            _installed = true;
        }
    }

    /// <summary>Loads the driver library; null when none of <see cref="CudaNames"/> loads.</summary>
    public static nint TryLoadCuda()
    {
        lock (Gate)
        {
            if (_cuda == 0) (_cuda, CudaLoaded) = TryLoad(CudaNames);
            return _cuda;
        }
    }

    /// <summary>Loads cuBLAS; 0 when none of <see cref="CublasNames"/> loads.</summary>
    public static nint TryLoadCublas()
    {
        lock (Gate)
        {
            if (_cublas == 0) (_cublas, CublasLoaded) = TryLoad(CublasNames);
            return _cublas;
        }
    }

    private static (nint, string?) TryLoad(string[] names)
    {
        foreach (string name in names)
            if (NativeLibrary.TryLoad(name, out nint h)) return (h, name);
        return (0, null);
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path) => name switch
    {
        Cuda => TryLoadCuda(),
        Cublas => TryLoadCublas(),
        _ => 0,
    };
}
