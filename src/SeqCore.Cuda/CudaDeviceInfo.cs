using System.Runtime.InteropServices;
using SeqCore.Cuda.Interop;
using static SeqCore.Cuda.Interop.CudaDriver;

namespace SeqCore.Cuda;

/// <summary>What the CUDA driver reports about one device, or why there is none.</summary>
/// <param name="Available">True when the driver loaded, initialised and has the device.</param>
/// <param name="Reason">Why no device is usable; null when <paramref name="Available"/>.</param>
/// <param name="DriverLibrary">The driver library file that loaded, or null.</param>
/// <param name="DriverVersion">The CUDA version the driver supports, e.g. <c>12.4</c>, or null.</param>
/// <param name="Name">The device name, e.g. <c>NVIDIA H100 80GB HBM3</c>, or null.</param>
/// <param name="TotalMemoryBytes">Device memory in bytes, or 0.</param>
/// <param name="ComputeCapability">Compute capability, e.g. <c>9.0</c>, or null.</param>
/// <param name="Multiprocessors">Streaming multiprocessors, or 0.</param>
public sealed record CudaDeviceInfo(bool Available, string? Reason, string? DriverLibrary, string? DriverVersion, string? Name,
    long TotalMemoryBytes, string? ComputeCapability, int Multiprocessors)
{
    /// <summary>Queries device <paramref name="ordinal"/> without creating a context. Never throws for a missing driver or device.</summary>
    public static unsafe CudaDeviceInfo Probe(int ordinal = 0)
    {
        int device;
        try { device = InitDriver(ordinal); }
        catch (CudaException e) { return new CudaDeviceInfo(false, e.Message, NativeLibraries.CudaLoaded, TryDriverVersion(), null, 0, null, 0); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or BadImageFormatException)
        {
            return new CudaDeviceInfo(false, $"No CUDA device: the driver library {NativeLibraries.CudaLoaded} is not usable ({e.Message}).", NativeLibraries.CudaLoaded, null, null, 0, null, 0);
        }
        try
        {
            var name = new byte[256];
            nuint mem;
            int major, minor, sms;
            fixed (byte* p = name) Check(cuDeviceGetName(p, name.Length, device), "cuDeviceGetName");
            Check(cuDeviceTotalMem_v2(&mem, device), "cuDeviceTotalMem");
            Check(cuDeviceGetAttribute(&major, AttributeComputeCapabilityMajor, device), "cuDeviceGetAttribute", "compute capability major");
            Check(cuDeviceGetAttribute(&minor, AttributeComputeCapabilityMinor, device), "cuDeviceGetAttribute", "compute capability minor");
            Check(cuDeviceGetAttribute(&sms, AttributeMultiprocessorCount, device), "cuDeviceGetAttribute", "multiprocessor count");
            string text = System.Text.Encoding.UTF8.GetString(name).TrimEnd('\0');
            return new CudaDeviceInfo(true, null, NativeLibraries.CudaLoaded, TryDriverVersion(), text, (long)mem, $"{major}.{minor}", sms);
        }
        catch (CudaException e)
        {
            return new CudaDeviceInfo(false, $"No CUDA device: {e.Message}", NativeLibraries.CudaLoaded, TryDriverVersion(), null, 0, null, 0);
        }
    }

    private static unsafe string? TryDriverVersion()
    {
        if (NativeLibraries.CudaLoaded is null) return null;
        int v;
        try { return cuDriverGetVersion(&v) == Success ? $"{v / 1000}.{v % 1000 / 10}" : null; }
        catch (EntryPointNotFoundException) { return null; }
    }

    /// <summary>
    /// Loads the driver, runs <c>cuInit</c> and returns the handle of device <paramref name="ordinal"/>, or throws one
    /// <see cref="CudaException"/> starting with <c>No CUDA device:</c> that says which step failed.
    /// </summary>
    internal static unsafe int InitDriver(int ordinal)
    {
        NativeLibraries.Install();
        if (OperatingSystem.IsMacOS() || !(OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
            throw new CudaException($"No CUDA device: there is no CUDA driver for {RuntimeInformation.OSDescription}.");
        if (NativeLibraries.TryLoadCuda() == 0)
            throw new CudaException($"No CUDA device: {NativeLibraries.CudaNames[0]} could not be loaded (is the NVIDIA driver installed?).");
        int r;
        try { r = cuInit(0); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or BadImageFormatException)
        {
            throw new CudaException($"No CUDA device: the driver library {NativeLibraries.CudaLoaded} is not usable ({e.Message}).", null, e);
        }
        if (r != Success)
            throw new CudaException($"No CUDA device: cuInit failed: {ErrorName(r)} (the driver {NativeLibraries.CudaLoaded} loaded, but found no usable GPU).", ErrorName(r));
        int count;
        Check(cuDeviceGetCount(&count), "cuDeviceGetCount");
        if (count == 0) throw new CudaException("No CUDA device: the driver reports 0 devices.", "CUDA_ERROR_NO_DEVICE");
        if (ordinal < 0 || ordinal >= count)
            throw new CudaException($"No CUDA device: device {ordinal} was asked for but the driver reports {count} (ordinals 0 to {count - 1}).", "CUDA_ERROR_INVALID_DEVICE");
        int device;
        Check(cuDeviceGet(&device, ordinal), "cuDeviceGet", $"ordinal {ordinal}");
        return device;
    }
}
