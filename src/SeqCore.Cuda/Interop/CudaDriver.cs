using System.Runtime.InteropServices;

namespace SeqCore.Cuda.Interop;

/// <summary>
/// The CUDA driver API calls the backend uses, bound explicitly (blittable arguments only, so no marshalling code runs
/// per call). Results are checked with <see cref="Check"/>: a failure throws <see cref="CudaException"/> naming the
/// call and the CUDA error, e.g. <c>cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (size 123 bytes)</c>.
/// </summary>
internal static unsafe class CudaDriver
{
    private const string Lib = NativeLibraries.Cuda;

    public const int Success = 0;
    public const int ErrorNoDevice = 100;
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;
    public const uint StreamNonBlocking = 1;
    public const uint EventDefault = 0;
    public const uint MemHostAllocPortable = 1;

    [DllImport(Lib, ExactSpelling = true)] public static extern int cuInit(uint flags);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuDriverGetVersion(int* version);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuDeviceGetCount(int* count);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuDeviceGet(int* device, int ordinal);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuDeviceGetName(byte* name, int length, int device);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuDeviceTotalMem_v2(nuint* bytes, int device);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuDeviceGetAttribute(int* value, int attribute, int device);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuDevicePrimaryCtxRetain(nint* context, int device);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuDevicePrimaryCtxRelease_v2(int device);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuCtxCreate_v2(nint* context, uint flags, int device);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuCtxDestroy_v2(nint context);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuCtxSetCurrent(nint context);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuMemGetInfo_v2(nuint* free, nuint* total);

    [DllImport(Lib, ExactSpelling = true)] public static extern int cuModuleLoadData(nint* module, void* image);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuModuleLoadDataEx(nint* module, void* image, uint numOptions, int* options, void** optionValues);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuModuleUnload(nint module);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuModuleGetFunction(nint* function, nint module, byte* name);
    [DllImport(Lib, ExactSpelling = true)]
    public static extern int cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedMemBytes, nint stream, void** kernelParams, void** extra);

    [DllImport(Lib, ExactSpelling = true)] public static extern int cuMemAlloc_v2(ulong* pointer, nuint bytes);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuMemFree_v2(ulong pointer);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuMemcpyDtoDAsync_v2(ulong destination, ulong source, nuint bytes, nint stream);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuMemsetD8Async(ulong destination, byte value, nuint count, nint stream);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuMemHostAlloc(void** pointer, nuint bytes, uint flags);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuMemFreeHost(void* pointer);

    [DllImport(Lib, ExactSpelling = true)] public static extern int cuStreamCreate(nint* stream, uint flags);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuStreamDestroy_v2(nint stream);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuStreamSynchronize(nint stream);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuEventCreate(nint* evt, uint flags);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuEventDestroy_v2(nint evt);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuEventRecord(nint evt, nint stream);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuEventSynchronize(nint evt);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuEventElapsedTime(float* milliseconds, nint start, nint end);

    [DllImport(Lib, ExactSpelling = true)] public static extern int cuGetErrorName(int error, byte** name);
    [DllImport(Lib, ExactSpelling = true)] public static extern int cuGetErrorString(int error, byte** text);

    /// <summary>Throws <see cref="CudaException"/> unless <paramref name="result"/> is CUDA_SUCCESS.</summary>
    /// <param name="result">The call's return code.</param>
    /// <param name="call">The call's name, e.g. <c>cuMemAlloc</c>.</param>
    /// <param name="detail">Context appended in parentheses, e.g. <c>size 123 bytes</c>; null for none.</param>
    public static void Check(int result, string call, string? detail = null)
    {
        if (result != Success) throw Error(result, call, detail);
    }

    /// <summary>The exception for a failed call: <c>call failed: NAME (detail): description</c>.</summary>
    public static CudaException Error(int result, string call, string? detail = null)
    {
        string name = ErrorName(result);
        string? text = ErrorText(result);
        return new CudaException($"{call} failed: {name}{(detail is null ? "" : $" ({detail})")}{(text is null ? "" : $": {text}")}", name);
    }

    /// <summary>The error's name, e.g. <c>CUDA_ERROR_OUT_OF_MEMORY</c>, or <c>CUDA error N</c> when the driver does not know it.</summary>
    public static string ErrorName(int result)
    {
        byte* p = null;
        try
        {
            if (cuGetErrorName(result, &p) == Success && p != null) return Marshal.PtrToStringUTF8((nint)p) ?? $"CUDA error {result}";
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
        return $"CUDA error {result}";
    }

    private static string? ErrorText(int result)
    {
        byte* p = null;
        try
        {
            if (cuGetErrorString(result, &p) == Success && p != null) return Marshal.PtrToStringUTF8((nint)p);
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
        return null;
    }
}
