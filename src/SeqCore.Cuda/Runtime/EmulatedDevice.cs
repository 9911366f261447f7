using System.Runtime.InteropServices;

namespace SeqCore.Cuda.Runtime;

/// <summary>
/// A CPU stand-in for the GPU: memory is host memory, kernels run from <c>libseqcore_emu.so</c> (every kernels/*.cu
/// compiled as C++ against kernels/emu/cuda_emu.h: blocks one after another, the threads of a block as real threads),
/// and GEMM is a plain column-major loop with cuBLAS's semantics. It lets the tests run <see cref="CudaBackend{T}"/>'s
/// own code (argument checks, launch geometry, argument packing, the row-major to column-major GEMM mapping) and every
/// kernel against the CPU backend without a GPU. It proves logic, not speed or the real memory model
/// (kernels/README.md says exactly what).
/// </summary>
internal sealed unsafe class EmulatedDevice : DeviceApi
{
    private readonly nint _library;
    private readonly delegate* unmanaged<byte*, uint, uint, uint, uint, uint, uint, uint, void**, int> _launch;
    private readonly delegate* unmanaged<byte*, int> _has;
    private readonly delegate* unmanaged<byte*> _lastError;
    private readonly delegate* unmanaged<int> _count;
    private readonly delegate* unmanaged<int, byte*> _kernelName;
    private readonly List<nint> _names = [];
    private bool _disposed;

    /// <summary>Loads the emulation library from <paramref name="path"/>.</summary>
    public EmulatedDevice(string path)
    {
        _library = NativeLibrary.Load(path);
        _launch = (delegate* unmanaged<byte*, uint, uint, uint, uint, uint, uint, uint, void**, int>)NativeLibrary.GetExport(_library, "emu_launch");
        _has = (delegate* unmanaged<byte*, int>)NativeLibrary.GetExport(_library, "emu_has_kernel");
        _lastError = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(_library, "emu_last_error");
        _count = (delegate* unmanaged<int>)NativeLibrary.GetExport(_library, "emu_kernel_count");
        _kernelName = (delegate* unmanaged<int, byte*>)NativeLibrary.GetExport(_library, "emu_kernel_name");
        Path = path;
    }

    /// <summary>The library file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override string Name => "cuda-emulated";

    /// <summary>Two "multiprocessors": grid-stride loops then run several iterations per thread, as on a busy GPU.</summary>
    public override int Multiprocessors => 2;

    /// <summary>Every kernel name registered in the library.</summary>
    public string[] KernelNames()
    {
        int n = _count();
        var names = new string[n];
        for (int i = 0; i < n; i++) names[i] = Marshal.PtrToStringUTF8((nint)_kernelName(i))!;
        return names;
    }

    /// <inheritdoc />
    public override ulong Alloc(long bytes) => (ulong)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 256);

    /// <inheritdoc />
    public override void Free(ulong pointer) => NativeMemory.AlignedFree((void*)pointer);

    /// <inheritdoc />
    public override void Upload(ulong destination, void* source, long bytes) => Buffer.MemoryCopy(source, (void*)destination, bytes, bytes);

    /// <inheritdoc />
    public override void Download(void* destination, ulong source, long bytes) => Buffer.MemoryCopy((void*)source, destination, bytes, bytes);

    /// <inheritdoc />
    public override void CopyAsync(ulong destination, ulong source, long bytes) => Buffer.MemoryCopy((void*)source, (void*)destination, bytes, bytes);

    /// <inheritdoc />
    public override void MemsetAsync(ulong destination, byte value, long bytes) => new Span<byte>((void*)destination, checked((int)bytes)).Fill(value);

    /// <inheritdoc />
    public override nint Function(string name)
    {
        nint utf8 = Marshal.StringToCoTaskMemUTF8(name);
        if (_has((byte*)utf8) == 0)
        {
            Marshal.FreeCoTaskMem(utf8);
            throw new CudaException($"cuModuleGetFunction failed: kernel '{name}' is not registered in the emulation library {Path} (add it to its file's SC_EMU_REGISTER list).", "CUDA_ERROR_NOT_FOUND");
        }
        lock (_names) _names.Add(utf8);
        return utf8;
    }

    /// <inheritdoc />
    public override void Launch(nint function, Dim3 grid, Dim3 block, uint sharedBytes, void** args)
    {
        if (_launch((byte*)function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, sharedBytes, args) != 0)
            throw new CudaException($"cuLaunchKernel failed (emulated): {Marshal.PtrToStringUTF8((nint)_lastError())}", "CUDA_ERROR_LAUNCH_FAILED");
    }

    /// <inheritdoc />
    public override void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ulong a, int lda, long strideA,
        ulong b, int ldb, long strideB, T beta, ulong c, int ldc, long strideC, int batchCount)
    {
        if (typeof(T) == typeof(float))
            ColumnMajorGemm(transA, transB, m, n, k, (double)(float)(object)alpha, (float*)a, lda, strideA, (float*)b, ldb, strideB, (double)(float)(object)beta, (float*)c, ldc, strideC, batchCount);
        else
            ColumnMajorGemm(transA, transB, m, n, k, (double)(object)alpha, (double*)a, lda, strideA, (double*)b, ldb, strideB, (double)(object)beta, (double*)c, ldc, strideC, batchCount);
    }

    /// <summary>The reference BLAS definition, column-major, accumulated in double.</summary>
    private static void ColumnMajorGemm<TE>(bool ta, bool tb, int m, int n, int k, double alpha, TE* a, int lda, long sa,
        TE* b, int ldb, long sb, double beta, TE* c, int ldc, long sc, int batch) where TE : unmanaged, System.Numerics.IFloatingPointIeee754<TE>
    {
        for (int e = 0; e < batch; e++)
        {
            TE* A = a + e * sa, B = b + e * sb, C = c + e * sc;
            for (int j = 0; j < n; j++)
                for (int i = 0; i < m; i++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                    {
                        double x = double.CreateTruncating(ta ? A[p + (long)i * lda] : A[i + (long)p * lda]);
                        double y = double.CreateTruncating(tb ? B[j + (long)p * ldb] : B[p + (long)j * ldb]);
                        s += x * y;
                    }
                    TE* dst = C + i + (long)j * ldc;
                    *dst = TE.CreateTruncating(beta == 0 ? alpha * s : alpha * s + beta * double.CreateTruncating(*dst));
                }
        }
    }

    /// <inheritdoc />
    public override void Synchronize() { }

    private long _timer;

    /// <inheritdoc />
    public override void StartTimer() => _timer = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <inheritdoc />
    public override double StopTimer() => System.Diagnostics.Stopwatch.GetElapsedTime(_timer).TotalMilliseconds;

    /// <inheritdoc />
    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (nint p in _names) Marshal.FreeCoTaskMem(p);
        _names.Clear();
        // The library stays loaded: other emulated devices in the process may share it.
    }
}
