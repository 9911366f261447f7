using System.Reflection;
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
        Version: PackageVersion(),
        Runtime: RuntimeInformation.FrameworkDescription,
        Os: RuntimeInformation.OSDescription,
        CpuModel: ReadCpuModel(),
        LogicalCores: Environment.ProcessorCount,
        Vector256Accelerated: Vector256.IsHardwareAccelerated,
        SimdWidthBits: Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0,
        Fma: System.Runtime.Intrinsics.X86.Fma.IsSupported,
        Avx2: System.Runtime.Intrinsics.X86.Avx2.IsSupported,
        Avx512F: System.Runtime.Intrinsics.X86.Avx512F.IsSupported);

    /// <summary>The package version (from git, e.g. <c>1.2.0</c> or <c>0.0.0-alpha.0.106</c>): the informational version
    /// without its <c>+commit</c> suffix.</summary>
    private static string PackageVersion()
    {
        string? version = typeof(SystemInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(version)) return "0.0.0";
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }

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
