using System.Numerics;
using SeqCore.Cuda;
using SeqCore.Cuda.Runtime;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// The two ways the CUDA backend runs in tests: on a real GPU (skipped with the reason when there is none) and on the
/// emulated device (the kernels compiled as C++ into native/emu/libseqcore_emu.so by ./build.sh test or ./build.sh emu;
/// skipped with the reason when that library could not be built).
/// </summary>
internal static class CudaTestDevices
{
    private static readonly Lazy<(bool Ok, string Reason)> GpuProbe = new(() =>
    {
        try
        {
            using var b = new CudaBackend<float>();
            return (true, "");
        }
        catch (CudaException e) { return (false, e.Message); }
    });

    /// <summary>A backend on the real GPU, or Assert.Ignore naming why there is none.</summary>
    public static CudaBackend<T> Gpu<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (ok, reason) = GpuProbe.Value;
        if (!ok) Assert.Ignore($"no CUDA device: {reason}");
        return new CudaBackend<T>();
    }

    /// <summary>The emulation library, or null with the reason.</summary>
    public static string? EmulationLibrary(out string reason)
    {
        string? env = Environment.GetEnvironmentVariable("SEQCORE_EMU_LIB");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) { reason = ""; return env; }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "native", "emu", "libseqcore_emu.so");
            if (File.Exists(candidate)) { reason = ""; return candidate; }
            if (File.Exists(Path.Combine(dir.FullName, "SeqCore.sln"))) break;
        }
        reason = OperatingSystem.IsLinux()
            ? "the kernel emulation library native/emu/libseqcore_emu.so is not built (./build.sh emu needs g++ or clang++; ./build.sh test builds it)"
            : "the kernel emulation library is built on Linux only";
        return null;
    }

    /// <summary>A backend on the emulated device, or Assert.Ignore naming why it cannot be made.</summary>
    public static CudaBackend<T> Emulated<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        string? lib = EmulationLibrary(out string reason);
        if (lib is null) Assert.Ignore(reason);
        return new CudaBackend<T>(new EmulatedDevice(lib!));
    }
}
