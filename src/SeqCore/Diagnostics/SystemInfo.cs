using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SeqCore.Diagnostics;

/// <summary>What the CPU backend can use on this machine.</summary>
internal sealed record SystemInfo(
    string Version, string Runtime, string Os, string CpuModel, int LogicalCores,
    bool Vector256Accelerated, int SimdWidthBits, bool Fma, bool Avx2, bool Avx512F)
{
    /// <summary>Reads the current machine.</summary>
    public static SystemInfo Read() => new(
        Version: typeof(SystemInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        Runtime: RuntimeInformation.FrameworkDescription,
        Os: RuntimeInformation.OSDescription,
        CpuModel: ReadCpuModel(),
        LogicalCores: Environment.ProcessorCount,
        Vector256Accelerated: Vector256.IsHardwareAccelerated,
        SimdWidthBits: Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0,
        Fma: System.Runtime.Intrinsics.X86.Fma.IsSupported,
        Avx2: System.Runtime.Intrinsics.X86.Avx2.IsSupported,
        Avx512F: System.Runtime.Intrinsics.X86.Avx512F.IsSupported);

    private static string ReadCpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                        return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
