using System.Runtime.InteropServices;

namespace SeqCore.Distributed;

/// <summary>
/// The handful of MPI calls a data-parallel run needs, bound to Open MPI's <c>libmpi.so.40</c> (Debian's
/// <c>libopenmpi3</c>, Open MPI 4.x; also Open MPI 5) through function pointers, like the CUDA driver binding.
/// </summary>
/// <remarks>
/// <para>Open MPI's handles are pointers: <c>MPI_COMM_WORLD</c>, <c>MPI_DOUBLE</c>, <c>MPI_SUM</c> … are the addresses
/// of its global objects <c>ompi_mpi_comm_world</c>, <c>ompi_mpi_double</c>, <c>ompi_mpi_op_sum</c>, read here with
/// <see cref="NativeLibrary.GetExport"/>. <c>MPI_IN_PLACE</c> is <c>(void*)1</c>, <c>MPI_THREAD_FUNNELED</c> is 1.
/// MPICH-family libraries (integer handles) are not bound.</para>
/// <para>The library is opened with <c>RTLD_GLOBAL</c>: Open MPI's plug-ins (<c>mca_*.so</c>) resolve their symbols
/// against it.</para>
/// </remarks>
internal static unsafe class MpiLibrary
{
    /// <summary>File names tried, in order.</summary>
    public static readonly string[] Names = ["libmpi.so.40", "libmpi.so"];

    public const int Success = 0;
    public const int ThreadFunneled = 1;
    private const int MaxErrorString = 256;
    public static readonly nint InPlace = 1;

    private static readonly Lock Gate = new();
    private static bool _probed;
    private static nint _handle;

    /// <summary>The file that loaded, or null.</summary>
    public static string? Loaded { get; private set; }

    /// <summary>Why the library is unusable, or null when it loaded.</summary>
    public static string? Problem { get; private set; }

    public static delegate* unmanaged<int*, nint, int, int*, int> InitThread;
    public static delegate* unmanaged<int*, int> Initialized;
    public static delegate* unmanaged<int*, int> Finalized;
    public static delegate* unmanaged<int> Finalize;
    public static delegate* unmanaged<nint, int*, int> CommRank;
    public static delegate* unmanaged<nint, int*, int> CommSize;
    public static delegate* unmanaged<nint, void*, int, nint, nint, nint, int> Allreduce;
    public static delegate* unmanaged<void*, int, nint, int, nint, int> Bcast;
    public static delegate* unmanaged<nint, int> Barrier;
    public static delegate* unmanaged<nint, int, int> Abort;
    public static delegate* unmanaged<int, byte*, int*, int> ErrorString;

    public static nint CommWorld, Double, Float, Byte, OpSum;

    /// <summary>Loads the library and its symbols once; false (with <see cref="Problem"/>) when it cannot.</summary>
    public static bool TryLoad()
    {
        lock (Gate)
        {
            if (_probed) return _handle != 0;
            _probed = true;
            foreach (string name in Names)
            {
                _handle = OpenGlobal(name);
                if (_handle != 0) { Loaded = name; break; }
            }
            if (_handle == 0)
            {
                Problem = $"no MPI library found (tried {string.Join(", ", Names)}); install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev)";
                return false;
            }
            try { Bind(); }
            catch (EntryPointNotFoundException e)
            {
                Problem = $"{Loaded} is not Open MPI 4 or 5 ({e.Message})";
                _handle = 0;
                return false;
            }
            return true;
        }
    }

    private static void Bind()
    {
        InitThread = (delegate* unmanaged<int*, nint, int, int*, int>)Export("MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        Allreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export("MPI_Bcast");
        Barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        Abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        CommWorld = Export("ompi_mpi_comm_world");
        Double = Export("ompi_mpi_double");
        Float = Export("ompi_mpi_float");
        Byte = Export("ompi_mpi_byte");
        OpSum = Export("ompi_mpi_op_sum");
    }

    private static nint Export(string symbol) => NativeLibrary.GetExport(_handle, symbol);

    /// <summary>Throws <see cref="MpiException"/> naming <paramref name="call"/> and MPI's message unless the code is
    /// MPI_SUCCESS.</summary>
    public static void Check(int code, string call)
    {
        if (code == Success) return;
        throw new MpiException($"{call} failed: {Message(code)} (MPI error {code})");
    }

    private static string Message(int code)
    {
        if (ErrorString == null) return "unknown error";
        byte* text = stackalloc byte[MaxErrorString];
        int length = 0;
        return ErrorString(code, text, &length) == Success ? System.Text.Encoding.UTF8.GetString(text, length) : "unknown error";
    }

    // dlopen(name, RTLD_NOW | RTLD_GLOBAL); NativeLibrary.Load would open it RTLD_LOCAL.
    private const int RtldNow = 2, RtldGlobal = 0x100;

    [DllImport("libc", EntryPoint = "dlopen", ExactSpelling = true)]
    private static extern nint DlOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);

    private static nint OpenGlobal(string name)
    {
        if (!OperatingSystem.IsLinux()) return NativeLibrary.TryLoad(name, out nint h) ? h : 0;
        try { return DlOpen(name, RtldNow | RtldGlobal); }
        catch (DllNotFoundException) { return 0; }
    }
}

/// <summary>An MPI call that failed, with the call and MPI's message.</summary>
public sealed class MpiException(string message) : Exception(message);
