using System.Runtime.InteropServices;

namespace SeqCore.Cuda.Interop;

/// <summary>
/// The NCCL calls a data-parallel run on GPUs needs, bound to <c>libnccl.so.2</c> through function pointers and probed
/// like cuBLAS (<see cref="NativeLibraries"/>): <c>ncclGetVersion</c>, <c>ncclGetUniqueId</c>,
/// <c>ncclCommInitRank</c>, <c>ncclAllReduce</c>, <c>ncclCommDestroy</c>, <c>ncclGetErrorString</c> (nccl.h, NCCL 2.x).
/// </summary>
internal static unsafe class Nccl
{
    /// <summary>File names tried, in order.</summary>
    public static readonly string[] Names = OperatingSystem.IsWindows() ? ["nccl.dll"] : ["libnccl.so.2", "libnccl.so"];

    /// <summary>ncclUniqueId's size (NCCL_UNIQUE_ID_BYTES).</summary>
    public const int UniqueIdBytes = 128;

    /// <summary>ncclDataType_t and ncclRedOp_t values (nccl.h).</summary>
    public const int Float32 = 7, Float64 = 8, Sum = 0;

    private static readonly Lock Gate = new();
    private static bool _probed;
    private static nint _handle;

    /// <summary>The file that loaded, or null.</summary>
    public static string? Loaded { get; private set; }

    /// <summary>Why NCCL is unusable, or null when it loaded.</summary>
    public static string? Problem { get; private set; }

    public static delegate* unmanaged<int*, int> GetVersion;
    public static delegate* unmanaged<UniqueId*, int> GetUniqueId;
    public static delegate* unmanaged<nint*, int, UniqueId, int, int> CommInitRank;
    public static delegate* unmanaged<ulong, ulong, nuint, int, int, nint, nint, int> AllReduce;
    public static delegate* unmanaged<nint, int> CommDestroy;
    public static delegate* unmanaged<int, byte*> GetErrorString;

    /// <summary>ncclUniqueId: 128 opaque bytes that rank 0 makes and every rank passes to ncclCommInitRank.</summary>
    [StructLayout(LayoutKind.Sequential, Size = UniqueIdBytes)]
    public struct UniqueId
    {
        private fixed byte _bytes[UniqueIdBytes];

        public Span<byte> Bytes => MemoryMarshal.CreateSpan(ref _bytes[0], UniqueIdBytes);
    }

    /// <summary>Loads NCCL once; false (with <see cref="Problem"/>) when it cannot.</summary>
    public static bool TryLoad()
    {
        lock (Gate)
        {
            if (_probed) return _handle != 0;
            _probed = true;
            foreach (string name in Names)
                if (NativeLibrary.TryLoad(name, out _handle)) { Loaded = name; break; }
            if (_handle == 0)
            {
                Problem = $"NCCL is not installed (tried {string.Join(", ", Names)}); install NVIDIA's libnccl2 to all-reduce on GPUs, or train on the CPU";
                return false;
            }
            try
            {
                GetVersion = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(_handle, "ncclGetVersion");
                GetUniqueId = (delegate* unmanaged<UniqueId*, int>)NativeLibrary.GetExport(_handle, "ncclGetUniqueId");
                CommInitRank = (delegate* unmanaged<nint*, int, UniqueId, int, int>)NativeLibrary.GetExport(_handle, "ncclCommInitRank");
                AllReduce = (delegate* unmanaged<ulong, ulong, nuint, int, int, nint, nint, int>)NativeLibrary.GetExport(_handle, "ncclAllReduce");
                CommDestroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(_handle, "ncclCommDestroy");
                GetErrorString = (delegate* unmanaged<int, byte*>)NativeLibrary.GetExport(_handle, "ncclGetErrorString");
            }
            catch (EntryPointNotFoundException e)
            {
                Problem = $"{Loaded} is not NCCL 2 ({e.Message})";
                _handle = 0;
                return false;
            }
            return true;
        }
    }

    /// <summary>NCCL's version as <c>major.minor.patch</c> (code 2.19.3 = 21903), or null.</summary>
    public static string? Version()
    {
        if (!TryLoad()) return null;
        int code;
        if (GetVersion(&code) != 0) return null;
        return code >= 10000 ? $"{code / 10000}.{code / 100 % 100}.{code % 100}" : $"{code / 1000}.{code / 100 % 10}.{code % 100}";
    }

    /// <summary>Throws <see cref="CudaException"/> naming <paramref name="call"/> and NCCL's message unless the result
    /// is ncclSuccess.</summary>
    public static void Check(int result, string call)
    {
        if (result == 0) return;
        string text = GetErrorString == null ? $"NCCL result {result}" : Marshal.PtrToStringUTF8((nint)GetErrorString(result)) ?? $"NCCL result {result}";
        throw new CudaException($"{call} failed: {text} (NCCL result {result})", $"ncclResult {result}");
    }
}
