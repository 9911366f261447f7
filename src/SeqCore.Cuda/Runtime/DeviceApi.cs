namespace SeqCore.Cuda.Runtime;

/// <summary>Grid or block dimensions of a launch.</summary>
internal readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1);

/// <summary>
/// What <see cref="CudaBackend{T}"/> needs from a device: memory, copies, kernel launches by name and column-major GEMM
/// with cuBLAS semantics. <see cref="DriverDevice"/> is the real GPU (driver API + cuBLAS); <see cref="EmulatedDevice"/>
/// runs the same kernels, compiled as C++ against kernels/emu/cuda_emu.h, on the CPU, so the backend's host code, its
/// launch geometry and every kernel are tested on machines without a GPU.
/// </summary>
internal abstract unsafe class DeviceApi : IDisposable
{
    /// <summary>Short name, e.g. <c>cuda:0</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Streaming multiprocessors (sizes grid-stride launches).</summary>
    public abstract int Multiprocessors { get; }

    /// <summary>A new device allocation; throws <see cref="CudaException"/> when memory is exhausted.</summary>
    public abstract ulong Alloc(long bytes);

    /// <summary>Frees an allocation from <see cref="Alloc"/>.</summary>
    public abstract void Free(ulong pointer);

    /// <summary>Copies host memory to the device; returns when <paramref name="source"/> may be reused (queued work before it is done too).</summary>
    public abstract void Upload(ulong destination, void* source, long bytes);

    /// <summary>Copies device memory to the host after all queued work (synchronises).</summary>
    public abstract void Download(void* destination, ulong source, long bytes);

    /// <summary>Queues a device-to-device copy (non-overlapping ranges).</summary>
    public abstract void CopyAsync(ulong destination, ulong source, long bytes);

    /// <summary>Queues a byte fill.</summary>
    public abstract void MemsetAsync(ulong destination, byte value, long bytes);

    /// <summary>The handle of an <c>extern "C"</c> kernel, e.g. <c>sc_add_f32</c>; throws naming it when it does not exist.</summary>
    public abstract nint Function(string name);

    /// <summary>Queues a launch; <paramref name="args"/> holds one pointer per kernel parameter, as <c>cuLaunchKernel</c>.</summary>
    public abstract void Launch(nint function, Dim3 grid, Dim3 block, uint sharedBytes, void** args);

    /// <summary>
    /// Column-major strided-batched GEMM with cuBLAS semantics: <c>C_i = alpha·op(A_i)·op(B_i) + beta·C_i</c>, op(A) m×k,
    /// op(B) k×n, C m×n; with beta = 0, C is not read.
    /// </summary>
    public abstract void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ulong a, int lda, long strideA,
        ulong b, int ldb, long strideB, T beta, ulong c, int ldc, long strideC, int batchCount) where T : unmanaged;

    /// <summary>The stream this device queues its work on, with its context made current on the calling thread: for a
    /// library that queues work of its own after ours (NCCL). 0 (the default stream) where there is no such stream.</summary>
    public virtual nint QueueStream() => 0;

    /// <summary>Waits for all queued work.</summary>
    public abstract void Synchronize();

    /// <summary>Starts timing queued work (CUDA events on a GPU); returns a token for <see cref="StopTimer"/>.</summary>
    public abstract void StartTimer();

    /// <summary>Milliseconds of device time since <see cref="StartTimer"/> (synchronises).</summary>
    public abstract double StopTimer();

    /// <inheritdoc />
    public abstract void Dispose();
}
