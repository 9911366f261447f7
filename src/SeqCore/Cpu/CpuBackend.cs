using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SeqCore.Memory;

namespace SeqCore.Cpu;

/// <summary>Options for <see cref="CpuBackend{T}"/>.</summary>
public sealed record CpuBackendOptions
{
    /// <summary>Worker threads including the caller; 0 means all cores (<see cref="Environment.ProcessorCount"/>).</summary>
    public int Threads { get; init; }
}

/// <summary>
/// The CPU backend: 64-byte aligned native memory, <see cref="System.Runtime.Intrinsics.Vector256{T}"/> kernels
/// with a scalar fallback, a packed multi-threaded GEMM, and warm worker threads. T is float or double.
/// </summary>
/// <remarks>The operations are split by family over the partial files <c>CpuBackend.*.cs</c>.</remarks>
public sealed unsafe partial class CpuBackend<T> : IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal const int Alignment = 64;
    private readonly WorkerPool _pool;
    private readonly TensorMemory _memory;
    private readonly HostBlockCache _cache = new();
    private long _peakBytes;
    private bool _disposed;

    /// <summary>Creates a CPU backend using all cores.</summary>
    public CpuBackend() : this(new CpuBackendOptions()) { }

    /// <summary>Creates a CPU backend with the given options.</summary>
    public CpuBackend(CpuBackendOptions options)
    {
        _memory = new TensorMemory("cpu", FreeBlock);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"CpuBackend supports float and double, not {typeof(T).Name}.");
        if (options.Threads < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Threads must be 0 (all cores) or positive, got {options.Threads}.");
        Threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        _pool = new WorkerPool(Threads);
    }

    /// <inheritdoc />
    public string Name => "cpu";

    /// <summary>Threads used by parallel operations, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Bytes of the storage blocks held by live tensors of this backend (a block of 1 MiB or more can be larger
    /// than its tensor: see <see cref="HostBlockCache"/>).</summary>
    public long LiveBytes => _memory.LiveBytes;

    /// <summary>The most <see cref="LiveBytes"/> has been since the backend was made or <see cref="ResetPeakBytes"/>.</summary>
    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>Starts <see cref="PeakBytes"/> again from the bytes live now.</summary>
    public void ResetPeakBytes() => Interlocked.Exchange(ref _peakBytes, LiveBytes);

    // ----- memory -------------------------------------------------------------------------

    /// <inheritdoc />
    public Tensor<T> Allocate(params int[] shape)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _memory.FreeRetired();
        long length = Tensor<T>.ShapeLength(shape);
        long requested = Math.Max(Alignment, checked(length * sizeof(T)));
        long bytes = HostBlockCache.Rounded(requested);
        nint p = bytes >= HostBlockCache.MinBytes ? _cache.Take(bytes, out bytes) : 0;
        if (p == 0) p = (nint)NativeMemory.AlignedAlloc((nuint)bytes, Alignment);
        NativeMemory.Clear((void*)p, (nuint)requested);
        var tensor = _memory.Adopt(this, p, bytes, (int[])shape.Clone());
        long live = LiveBytes;
        for (long peak = PeakBytes; live > peak && Interlocked.CompareExchange(ref _peakBytes, live, peak) != peak; peak = PeakBytes) { }
        return tensor;
    }

    /// <summary>Storage of released tensors: large blocks to the cache while it stays within the peak live bytes
    /// (see <see cref="HostBlockCache"/>), the rest, and everything once the backend is disposed, to the native allocator.</summary>
    private void FreeBlock(TensorBlock block)
    {
        if (!_disposed && _cache.Keep(block.Address, block.Bytes, PeakBytes)) return;
        NativeMemory.AlignedFree((void*)block.Address);
    }

    /// <summary>Bytes of freed storage the backend keeps for its next allocations (see <see cref="HostBlockCache"/>).</summary>
    internal long CachedBytes => _cache.CachedBytes;

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
        T* d = Ptr(destination, "CopyFromHost", "destination");
        Check.HostLength("CopyFromHost", source.Length, destination);
        source.CopyTo(new Span<T>(d, source.Length));
    }

    /// <inheritdoc />
    public void CopyToHost(Tensor<T> source, Span<T> destination)
    {
        T* s = Ptr(source, "CopyToHost", "source");
        Check.HostLength("CopyToHost", destination.Length, source);
        new ReadOnlySpan<T>(s, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc />
    public void Synchronize() { }

    /// <summary>
    /// Direct access to a tensor's memory, for tests, tools and the CPU-only parts of data loading.
    /// Layers and models must not use it: they go through <see cref="IBackend{T}"/>.
    /// </summary>
    public Span<T> HostSpan(Tensor<T> t) => new(Ptr(t, "HostSpan", "tensor"), checked((int)t.Length));

    /// <summary>Checks ownership and liveness, then returns the address of element 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal T* Ptr(Tensor<T> t, string op, string role)
    {
        Check.Owned(this, op, t, role);
        return (T*)t.Storage + t.Offset;
    }

    /// <summary>
    /// Frees every tensor this backend allocated (they report released and name this backend when used), its GEMM
    /// workspaces, and stops its worker threads.
    /// </summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The safety net for a backend dropped undisposed: it is unreachable only when all its tensors are (each tensor
    /// references its backend), so nothing can still use the memory this frees.
    /// </summary>
    ~CpuBackend() => Free();

    private void Free()
    {
        if (_disposed) return;
        _disposed = true;
        _memory.Close();
        _cache.FreeAll();
        _pool?.Dispose(); // null when the constructor threw before creating it (the finalizer still runs)
        _gemmWorkspaces?.Dispose();
    }
}
