using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Cuda;
using SeqCore.Cuda.Runtime;

namespace SeqCore.Cli;

/// <summary>
/// The one place the CLI creates a backend, named by the shared <c>--backend cpu|cuda|auto</c> option. Without a usable GPU,
/// creating <c>cuda</c> throws one <see cref="CudaException"/> starting with <c>No CUDA device:</c>, which
/// <see cref="CliApp"/> prints as one line with exit code 2.
/// </summary>
/// <remarks>
/// <c>SEQCORE_CUDA_EMULATOR=/path/to/libseqcore_emu.so</c> makes <c>cuda</c> the emulated device (the kernels compiled as
/// C++ and run on the CPU, see kernels/README.md): a developer aid for checking the CUDA code paths on a machine without
/// a GPU. It is slow and says so in the backend's name (<c>cuda-emulated</c>).
/// </remarks>
internal static class BackendOption
{
    public const string EmulatorVariable = "SEQCORE_CUDA_EMULATOR";

    /// <summary>The most CPU threads a backend may have: 4 × the cores (<see cref="Environment.ProcessorCount"/>).
    /// More only add scheduling overhead, and a huge count would spawn threads until the machine stalls.</summary>
    public static int MaxThreads => 4 * Environment.ProcessorCount;

    /// <summary>Creates the named backend: <c>cpu</c>, <c>cuda</c> or <c>auto</c> (CUDA when a device is usable, else the
    /// CPU); <paramref name="threads"/> applies to the CPU (0 = all cores), <paramref name="device"/> to CUDA (the GPU
    /// ordinal; a data-parallel rank's is its node-local rank). This is the one place the CLI creates one.</summary>
    public static IBackend<T> Open<T>(string name, int threads = 0, bool allowTf32 = false, int device = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckThreads(threads);
        switch (name)
        {
            case "cuda": return OpenCuda<T>(allowTf32, device);
            case "auto":
                try { return OpenCuda<T>(allowTf32, device); }
                catch (CudaException) { goto default; }
            default: return OpenCpu<T>(threads);
        }
    }

    /// <summary>The CPU backend with <paramref name="threads"/> threads (0 = all cores), for callers that need its
    /// host memory (a benchmark's result check).</summary>
    public static CpuBackend<T> OpenCpu<T>(int threads = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckThreads(threads);
        return new(new CpuBackendOptions { Threads = threads });
    }

    /// <summary>Throws <see cref="UsageException"/> when <paramref name="threads"/> is above <see cref="MaxThreads"/>.</summary>
    private static void CheckThreads(int threads)
    {
        if (threads > MaxThreads)
            throw new UsageException($"--threads: at most {MaxThreads} (4 × {Environment.ProcessorCount} cores), got {threads}.");
    }

    /// <summary>What <paramref name="name"/> opens: <c>auto</c> is <c>cuda</c> when a CUDA backend can be created, else
    /// <c>cpu</c>; other names are themselves. For verbs that label results with the backend (benchmarks).</summary>
    public static string Resolve(string name)
    {
        if (name != "auto") return name;
        try
        {
            using var probe = OpenCuda<float>();
            return "cuda";
        }
        catch (CudaException) { return "cpu"; }
    }

    /// <summary>CPU threads of <paramref name="backend"/> (0 for a GPU).</summary>
    public static int Threads<T>(IBackend<T> backend) where T : unmanaged, IFloatingPointIeee754<T> => backend is CpuBackend<T> cpu ? cpu.Threads : 0;

    /// <summary><c>cpu, 2 threads</c> or the GPU backend's name, for headers.</summary>
    public static string Describe<T>(IBackend<T> backend) where T : unmanaged, IFloatingPointIeee754<T> =>
        backend is CpuBackend<T> cpu ? $"cpu, {cpu.Threads} threads" : backend.Name;

    /// <summary>The backend named by the shared <c>--backend</c> and <c>--threads</c> options.</summary>
    public static IBackend<T> Open<T>(Options.OptionValues values) where T : unmanaged, IFloatingPointIeee754<T> =>
        Open<T>(values.Get(Options.CommonOptions.Backend), values.Get(Options.CommonOptions.Threads));

    /// <summary>The CUDA backend on GPU <paramref name="device"/> (or on the emulated device when <see cref="EmulatorVariable"/> is set).</summary>
    public static CudaBackend<T> OpenCuda<T>(bool allowTf32 = false, int device = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string? emulator = Environment.GetEnvironmentVariable(EmulatorVariable);
        if (!string.IsNullOrEmpty(emulator)) return new CudaBackend<T>(new EmulatedDevice(emulator));
        return new CudaBackend<T>(new CudaBackendOptions { AllowTf32 = allowTf32, Device = device });
    }
}
