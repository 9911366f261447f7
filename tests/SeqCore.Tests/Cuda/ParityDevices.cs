using System.Numerics;
using SeqCore.Cuda;
using SeqCore.Cuda.Runtime;

namespace SeqCore.Tests.Cuda;

/// <summary>The CUDA backends the parity fixtures run on: over the emulation library, or over a real GPU.</summary>
internal static class ParityDevices
{
    /// <summary>
    /// The emulation library: <c>SEQCORE_EMU_LIB</c> (set by <c>./build.sh test</c>), else native/emu/libseqcore_emu.so
    /// in the first ancestor of the test assembly's folder that has one; null when neither exists.
    /// </summary>
    public static string? EmulationLibrary()
    {
        string? env = Environment.GetEnvironmentVariable("SEQCORE_EMU_LIB");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "native", "emu", "libseqcore_emu.so");
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>A CUDA backend whose kernels run in the emulation library; ignores the test when it is not built.</summary>
    public static IBackend<T> Emulated<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        string? lib = EmulationLibrary();
        if (lib is null)
            Assert.Ignore("emulation library not built: native/emu/libseqcore_emu.so is missing (./build.sh emu builds it; it needs g++ or clang++).");
        return new CudaBackend<T>(new EmulatedDevice(lib!));
    }

    /// <summary>A CUDA backend on the first GPU; ignores the test, with the reason, when there is none.</summary>
    public static IBackend<T> Gpu<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            return new CudaBackend<T>();
        }
        catch (CudaException e)
        {
            Assert.Ignore(e.Message.StartsWith("No CUDA device", StringComparison.OrdinalIgnoreCase) ? e.Message : $"no CUDA device: {e.Message}");
            throw; // not reached: Ignore throws
        }
    }
}

/// <summary>The recurrent cell kernels in the emulation library against the CPU backend.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class EmulatedRecurrentTests<T> : RecurrentParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override IBackend<T> CreateDevice() => ParityDevices.Emulated<T>();
}

/// <summary>The attention kernels in the emulation library against the CPU backend.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class EmulatedAttentionTests<T> : AttentionParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override IBackend<T> CreateDevice() => ParityDevices.Emulated<T>();
}

/// <summary>The recurrent cell ops on a GPU against the CPU backend (skipped without a device).</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class GpuRecurrentTests<T> : RecurrentParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override IBackend<T> CreateDevice() => ParityDevices.Gpu<T>();
}

/// <summary>The attention ops on a GPU against the CPU backend (skipped without a device).</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class GpuAttentionTests<T> : AttentionParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override IBackend<T> CreateDevice() => ParityDevices.Gpu<T>();
}
