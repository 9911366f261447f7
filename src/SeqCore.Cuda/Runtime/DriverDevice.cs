using System.Runtime.CompilerServices;
using System.Text;
using SeqCore.Cuda.Interop;
using static SeqCore.Cuda.Interop.CudaDriver;

namespace SeqCore.Cuda.Runtime;

/// <summary>
/// A real GPU through the driver API: the device's primary context, one non-blocking stream, a cuBLAS handle bound to
/// that stream, the embedded PTX modules, and a pinned staging buffer for host copies.
/// </summary>
internal sealed unsafe class DriverDevice : DeviceApi
{
    private const long StagingBytes = 4 << 20;

    private readonly int _device;
    private readonly nint _context;
    private nint _stream, _cublas, _start, _stop;
    private readonly List<nint> _modules = [];
    private void* _staging;
    private bool _disposed;

    [ThreadStatic] private static nint _currentContext;

    private DriverDevice(int ordinal, nint context, int device)
    {
        Ordinal = ordinal;
        _device = device;
        _context = context;
    }

    /// <summary>The device ordinal.</summary>
    public int Ordinal { get; }

    /// <inheritdoc />
    public override string Name => $"cuda:{Ordinal}";

    /// <inheritdoc />
    public override int Multiprocessors => _multiprocessors;
    private int _multiprocessors;

    /// <summary>Opens device <paramref name="ordinal"/>; throws one <see cref="CudaException"/> saying why when it cannot.</summary>
    public static DriverDevice Open(int ordinal, bool allowTf32)
    {
        int device = CudaDeviceInfo.InitDriver(ordinal);
        nint context;
        Check(cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain", $"device {ordinal}");
        var d = new DriverDevice(ordinal, context, device);
        try
        {
            d.Initialise(allowTf32);
            return d;
        }
        catch
        {
            d.Dispose();
            throw;
        }
    }

    private void Initialise(bool allowTf32)
    {
        EnsureCurrent();
        int sms;
        Check(cuDeviceGetAttribute(&sms, AttributeMultiprocessorCount, _device), "cuDeviceGetAttribute", "multiprocessor count");
        _multiprocessors = sms;
        nint s, e0, e1;
        Check(cuStreamCreate(&s, StreamNonBlocking), "cuStreamCreate");
        _stream = s;
        Check(cuEventCreate(&e0, EventDefault), "cuEventCreate");
        _start = e0;
        Check(cuEventCreate(&e1, EventDefault), "cuEventCreate");
        _stop = e1;
        void* staging;
        Check(cuMemHostAlloc(&staging, (nuint)StagingBytes, MemHostAllocPortable), "cuMemHostAlloc", $"size {StagingBytes} bytes");
        _staging = staging;

        if (NativeLibraries.TryLoadCublas() == 0)
            throw new CudaException($"cuBLAS could not be loaded: tried {string.Join(", ", NativeLibraries.CublasNames)} (install the CUDA toolkit's cuBLAS, e.g. Debian's libcublas12 or NVIDIA's libcublas-12-x).");
        nint h;
        Cublas.Check(Cublas.cublasCreate_v2(&h), "cublasCreate");
        _cublas = h;
        Cublas.Check(Cublas.cublasSetStream_v2(h, _stream), "cublasSetStream");
        Cublas.Check(Cublas.cublasSetMathMode(h, allowTf32 ? Cublas.Tf32TensorOpMath : Cublas.DefaultMath), "cublasSetMathMode");

        foreach (var (name, ptx) in PtxModules.Load())
        {
            nint module;
            fixed (byte* image = ptx) Check(cuModuleLoadData(&module, image), "cuModuleLoadData", $"module {name}");
            _modules.Add(module);
        }
    }

    /// <inheritdoc />
    public override nint QueueStream()
    {
        EnsureCurrent();
        return _stream;
    }

    private void EnsureCurrent()
    {
        if (_currentContext == _context) return;
        Check(cuCtxSetCurrent(_context), "cuCtxSetCurrent");
        _currentContext = _context;
    }

    /// <inheritdoc />
    public override ulong Alloc(long bytes)
    {
        EnsureCurrent();
        ulong p;
        int r = cuMemAlloc_v2(&p, (nuint)bytes);
        if (r != Success) throw Error(r, "cuMemAlloc", $"size {bytes} bytes");
        return p;
    }

    /// <inheritdoc />
    public override void Free(ulong pointer)
    {
        EnsureCurrent();
        Check(cuMemFree_v2(pointer), "cuMemFree");
    }

    /// <inheritdoc />
    public override void Upload(ulong destination, void* source, long bytes)
    {
        EnsureCurrent();
        for (long done = 0; done < bytes; done += StagingBytes)
        {
            long n = Math.Min(StagingBytes, bytes - done);
            Buffer.MemoryCopy((byte*)source + done, _staging, StagingBytes, n);
            Check(cuMemcpyHtoDAsync_v2(destination + (ulong)done, _staging, (nuint)n, _stream), "cuMemcpyHtoDAsync", $"{n} bytes");
            Check(cuStreamSynchronize(_stream), "cuStreamSynchronize");
        }
    }

    /// <inheritdoc />
    public override void Download(void* destination, ulong source, long bytes)
    {
        EnsureCurrent();
        if (bytes == 0) { Synchronize(); return; }
        for (long done = 0; done < bytes; done += StagingBytes)
        {
            long n = Math.Min(StagingBytes, bytes - done);
            Check(cuMemcpyDtoHAsync_v2(_staging, source + (ulong)done, (nuint)n, _stream), "cuMemcpyDtoHAsync", $"{n} bytes");
            Check(cuStreamSynchronize(_stream), "cuStreamSynchronize");
            Buffer.MemoryCopy(_staging, (byte*)destination + done, n, n);
        }
    }

    /// <inheritdoc />
    public override void CopyAsync(ulong destination, ulong source, long bytes)
    {
        EnsureCurrent();
        Check(cuMemcpyDtoDAsync_v2(destination, source, (nuint)bytes, _stream), "cuMemcpyDtoDAsync", $"{bytes} bytes");
    }

    /// <inheritdoc />
    public override void MemsetAsync(ulong destination, byte value, long bytes)
    {
        EnsureCurrent();
        Check(cuMemsetD8Async(destination, value, (nuint)bytes, _stream), "cuMemsetD8Async", $"{bytes} bytes");
    }

    /// <inheritdoc />
    public override nint Function(string name)
    {
        EnsureCurrent();
        byte[] utf8 = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = utf8)
            foreach (nint module in _modules)
            {
                nint f;
                if (cuModuleGetFunction(&f, module, p) == Success) return f;
            }
        throw new CudaException($"cuModuleGetFunction failed: kernel '{name}' is in none of the {_modules.Count} embedded PTX modules: this SeqCore.Cuda build's PTX is older than its code (regenerate native/ptx from kernels/ and rebuild SeqCore.Cuda).", "CUDA_ERROR_NOT_FOUND");
    }

    /// <inheritdoc />
    public override void Launch(nint function, Dim3 grid, Dim3 block, uint sharedBytes, void** args)
    {
        EnsureCurrent();
        int r = cuLaunchKernel(function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, sharedBytes, _stream, args, null);
        if (r != Success) throw Error(r, "cuLaunchKernel", $"grid {grid.X}×{grid.Y}×{grid.Z}, block {block.X}×{block.Y}×{block.Z}, {sharedBytes} bytes shared");
    }

    /// <inheritdoc />
    public override void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ulong a, int lda, long strideA,
        ulong b, int ldb, long strideB, T beta, ulong c, int ldc, long strideC, int batchCount)
    {
        EnsureCurrent();
        int ta = transA ? Cublas.OpT : Cublas.OpN, tb = transB ? Cublas.OpT : Cublas.OpN;
        if (typeof(T) == typeof(float))
        {
            float al = Unsafe.As<T, float>(ref alpha), be = Unsafe.As<T, float>(ref beta);
            if (batchCount == 1)
                Cublas.Check(Cublas.cublasSgemm_v2(_cublas, ta, tb, m, n, k, &al, a, lda, b, ldb, &be, c, ldc), "cublasSgemm", $"m={m} n={n} k={k}");
            else
                Cublas.Check(Cublas.cublasSgemmStridedBatched(_cublas, ta, tb, m, n, k, &al, a, lda, strideA, b, ldb, strideB, &be, c, ldc, strideC, batchCount),
                    "cublasSgemmStridedBatched", $"m={m} n={n} k={k} batch={batchCount}");
        }
        else
        {
            double al = Unsafe.As<T, double>(ref alpha), be = Unsafe.As<T, double>(ref beta);
            if (batchCount == 1)
                Cublas.Check(Cublas.cublasDgemm_v2(_cublas, ta, tb, m, n, k, &al, a, lda, b, ldb, &be, c, ldc), "cublasDgemm", $"m={m} n={n} k={k}");
            else
                Cublas.Check(Cublas.cublasDgemmStridedBatched(_cublas, ta, tb, m, n, k, &al, a, lda, strideA, b, ldb, strideB, &be, c, ldc, strideC, batchCount),
                    "cublasDgemmStridedBatched", $"m={m} n={n} k={k} batch={batchCount}");
        }
    }

    /// <inheritdoc />
    public override void Synchronize()
    {
        EnsureCurrent();
        Check(cuStreamSynchronize(_stream), "cuStreamSynchronize");
    }

    /// <inheritdoc />
    public override void StartTimer()
    {
        EnsureCurrent();
        Check(cuEventRecord(_start, _stream), "cuEventRecord");
    }

    /// <inheritdoc />
    public override double StopTimer()
    {
        EnsureCurrent();
        Check(cuEventRecord(_stop, _stream), "cuEventRecord");
        Check(cuEventSynchronize(_stop), "cuEventSynchronize");
        float ms;
        Check(cuEventElapsedTime(&ms, _start, _stop), "cuEventElapsedTime");
        return ms;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // Best effort: a failing teardown call must not hide the exception that led here.
        if (cuCtxSetCurrent(_context) == Success) _currentContext = _context;
        if (_stream != 0) cuStreamSynchronize(_stream);
        foreach (nint m in _modules) cuModuleUnload(m);
        _modules.Clear();
        if (_cublas != 0) Cublas.cublasDestroy_v2(_cublas);
        if (_staging != null) cuMemFreeHost(_staging);
        if (_start != 0) cuEventDestroy_v2(_start);
        if (_stop != 0) cuEventDestroy_v2(_stop);
        if (_stream != 0) cuStreamDestroy_v2(_stream);
        cuDevicePrimaryCtxRelease_v2(_device);
        _currentContext = 0;
    }
}

/// <summary>The PTX modules embedded in this assembly (native/ptx/*.ptx), as NUL-terminated images for <c>cuModuleLoadData</c>.</summary>
internal static class PtxModules
{
    /// <summary>Resource name and image of every embedded module.</summary>
    public static IEnumerable<(string Name, byte[] Image)> Load()
    {
        var asm = typeof(PtxModules).Assembly;
        foreach (string name in asm.GetManifestResourceNames().Where(n => n.StartsWith("ptx/", StringComparison.Ordinal)).Order())
        {
            using var s = asm.GetManifestResourceStream(name)!;
            var image = new byte[s.Length + 1];
            s.ReadExactly(image, 0, (int)s.Length);
            yield return (name, image);
        }
    }

    /// <summary>Names of the embedded modules, e.g. <c>ptx/pointwise.ptx</c>.</summary>
    public static string[] Names() =>
        [.. typeof(PtxModules).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("ptx/", StringComparison.Ordinal)).Order()];
}
