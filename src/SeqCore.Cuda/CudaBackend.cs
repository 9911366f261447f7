using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using SeqCore.Cuda.Runtime;
using SeqCore.Memory;

namespace SeqCore.Cuda;

/// <summary>
/// The CUDA backend: device memory from a caching allocator, one stream with explicit synchronisation (host copies and
/// reductions that return a value wait for it), hand-written kernels loaded from the PTX embedded in this assembly,
/// and GEMMs through cuBLAS. T is float or double.
/// </summary>
/// <remarks>
/// <para>The operations are split by family over the partial files <c>CudaBackend.*.cs</c>, mirroring the CPU backend.
/// Every argument check is the CPU backend's (<see cref="Check"/>), so errors read the same on both.</para>
/// <para>Creating the backend without a usable GPU throws one <see cref="CudaException"/> whose message starts with
/// <c>No CUDA device:</c> and says why; nothing else in the process is affected.</para>
/// </remarks>
public sealed unsafe partial class CudaBackend<T> : IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly string Suffix = typeof(T) == typeof(float) ? "_f32" : "_f64";
    private readonly DeviceApi _device;
    private readonly DeviceAllocator _allocator;
    private readonly TensorMemory _memory;
    private readonly ConcurrentDictionary<string, nint> _functions = new();
    private readonly Lock _scratchGate = new();
    private ulong _scratch;
    private long _scratchBytes;
    private bool _disposed;

    /// <summary>Creates a backend on the first GPU.</summary>
    public CudaBackend() : this(new CudaBackendOptions()) { }

    /// <summary>Creates a backend with the given options; throws <see cref="CudaException"/> when there is no usable device.</summary>
    public CudaBackend(CudaBackendOptions options) : this(OpenDriver(options)) => Options = options;

    /// <summary>A backend over any device implementation (the tests pass an <see cref="EmulatedDevice"/>).</summary>
    internal CudaBackend(DeviceApi device)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            device.Dispose();
            throw new NotSupportedException($"CudaBackend supports float and double, not {typeof(T).Name}.");
        }
        _device = device;
        _allocator = new DeviceAllocator(device);
        _memory = new TensorMemory(device.Name, block => _allocator.Return((ulong)block.Address, block.Bytes));
        Options ??= new CudaBackendOptions();
    }

    private static DriverDevice OpenDriver(CudaBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return DriverDevice.Open(options.Device, options.AllowTf32);
    }

    /// <summary>The options the backend was created with.</summary>
    public CudaBackendOptions Options { get; }

    /// <inheritdoc />
    public string Name => _device.Name;

    /// <summary>Bytes of device memory held by live tensors.</summary>
    public long LiveBytes => _allocator.LiveBytes;

    /// <summary>Bytes of device memory cached by the allocator for reuse.</summary>
    public long CachedBytes => _allocator.CachedBytes;

    internal DeviceApi Device => _device;

    // ----- memory -------------------------------------------------------------------------

    /// <summary>
    /// Allocates a zero-filled tensor. First returns the storage of tensors collected undisposed to the cache (their
    /// finalizers only queue it: device memory is freed on this thread). When the device is full even after the cache
    /// is trimmed, collects dropped tensors once and retries.
    /// </summary>
    public Tensor<T> Allocate(params int[] shape)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _memory.FreeRetired();
        long length = Tensor<T>.ShapeLength(shape);
        long bytes = checked(length * sizeof(T));
        ulong p;
        try { p = _allocator.Rent(bytes); }
        catch (CudaException)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            _memory.FreeRetired();
            p = _allocator.Rent(bytes);
        }
        if (bytes > 0) _device.MemsetAsync(p, 0, bytes);
        return _memory.Adopt(this, (nint)p, bytes, (int[])shape.Clone());
    }

    /// <inheritdoc />
    public void Release(Tensor<T> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!ReferenceEquals(tensor.Backend, this))
            throw new ArgumentException($"Release: tensor of shape {tensor.ShapeText} belongs to backend '{tensor.Backend.Name}', not to this one.", nameof(tensor));
        _memory.Release(tensor);
    }

    /// <inheritdoc />
    public void CopyFromHost(ReadOnlySpan<T> source, Tensor<T> destination)
    {
        ulong d = Ptr(destination, "CopyFromHost", "destination");
        Check.HostLength("CopyFromHost", source.Length, destination);
        fixed (T* s = source) _device.Upload(d, s, (long)source.Length * sizeof(T));
    }

    /// <inheritdoc />
    public void CopyToHost(Tensor<T> source, Span<T> destination)
    {
        ulong s = Ptr(source, "CopyToHost", "source");
        Check.HostLength("CopyToHost", destination.Length, source);
        fixed (T* d = destination) _device.Download(d, s, (long)destination.Length * sizeof(T));
    }

    /// <inheritdoc />
    public void Synchronize() => _device.Synchronize();

    /// <summary>Checks ownership and liveness, then returns the device address of element 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong Ptr(Tensor<T> t, string op, string role)
    {
        Check.Owned(this, op, t, role); // first: a tensor of a disposed backend says so, naming its shape
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (ulong)t.Storage + (ulong)(t.Offset * sizeof(T));
    }

    /// <summary>As <see cref="Ptr"/> for an optional tensor: 0 (a null device pointer) when absent.</summary>
    private ulong OptionalPtr(Tensor<T>? t, string op, string role) => t is null ? 0 : Ptr(t, op, role);

    // ----- launching ------------------------------------------------------------------------

    /// <summary>The kernel <c>sc_{name}_f32</c> or <c>_f64</c>, looked up once.</summary>
    private nint Fn(string name)
    {
        if (_functions.TryGetValue(name, out nint f)) return f;
        f = _device.Function("sc_" + name + Suffix);
        _functions[name] = f;
        return f;
    }

    /// <summary>A grid-stride kernel over <paramref name="n"/> elements (nothing is launched for 0).</summary>
    private void LaunchElements(string kernel, long n, void** args)
    {
        if (n <= 0) return;
        var (grid, block) = LaunchConfig.Pointwise(n, _device.Multiprocessors);
        _device.Launch(Fn(kernel), grid, block, 0, args);
    }

    /// <summary>One block per row.</summary>
    private void LaunchRows(string kernel, int rows, int cols, void** args)
    {
        if (rows <= 0 || cols <= 0) return;
        var (grid, block) = LaunchConfig.Rows(rows, cols);
        _device.Launch(Fn(kernel), grid, block, 0, args);
    }

    /// <summary>A column reduction with <paramref name="planes"/> partial sums per thread in dynamic shared memory.</summary>
    private void LaunchColumns(string kernel, int cols, int planes, void** args)
    {
        if (cols <= 0) return;
        var (grid, block) = LaunchConfig.Columns(cols);
        _device.Launch(Fn(kernel), grid, block, LaunchConfig.ColumnSharedBytes(planes, sizeof(T)), args);
    }

    /// <summary>
    /// Device scratch of at least <paramref name="bytes"/> bytes, reused by every call (partial sums, uploaded indices).
    /// Safe with one stream: a later use is ordered after every queued use of the previous one.
    /// </summary>
    private ulong Scratch(long bytes)
    {
        lock (_scratchGate)
        {
            if (_scratchBytes < bytes)
            {
                if (_scratch != 0) _allocator.Return(_scratch, _scratchBytes);
                _scratchBytes = Math.Max(bytes, 64 << 10);
                _scratch = _allocator.Rent(_scratchBytes);
            }
            return _scratch;
        }
    }

    /// <summary>Uploads host indices into the scratch buffer after <paramref name="offsetBytes"/>; returns their device address.</summary>
    private ulong UploadIndices(ReadOnlySpan<int> indices, long offsetBytes)
    {
        long bytes = (long)indices.Length * sizeof(int);
        ulong p = Scratch(offsetBytes + Math.Max(bytes, 4)) + (ulong)offsetBytes;
        fixed (int* s = indices) if (bytes > 0) _device.Upload(p, s, bytes);
        return p;
    }

    /// <summary>Adds <paramref name="count"/> doubles at <paramref name="partials"/> on the device and returns the sum (synchronises).</summary>
    private double SumPartials(ulong partials, int count, ulong result)
    {
        if (count <= 0) return 0.0;
        void** args = stackalloc void*[] { &partials, &count, &result };
        _device.Launch(Fn("sum_doubles"), new Dim3(1), new Dim3(256), 0, args);
        double total;
        _device.Download(&total, result, sizeof(double));
        return total;
    }

    /// <summary>Times the work queued between the two calls with CUDA events (wall-clock in emulation); synchronises.</summary>
    public double TimeMilliseconds(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        _device.StartTimer();
        work();
        return _device.StopTimer();
    }

    /// <summary>
    /// Frees every tensor this backend allocated (they report released and name this backend when used), the cached
    /// device memory, and the context's resources. A CUDA backend has no finalizer: dispose it.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        try { _device.Synchronize(); }
        catch (CudaException) { } // a failed kernel must not stop the memory from being freed
        _disposed = true;
        _memory.Close();
        if (_scratch != 0) _allocator.Return(_scratch, _scratchBytes);
        _allocator.Dispose();
        _device.Dispose();
    }
}
