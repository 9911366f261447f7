namespace SeqCore.Cuda.Runtime;

/// <summary>
/// A caching allocator over <see cref="DeviceApi.Alloc"/>: sizes are rounded up to buckets (multiples of 512 bytes up to
/// 1 MiB, then of 1/8 of the next power of two), and released blocks wait on a free list per bucket for the next
/// request of that bucket. With one stream per backend, reuse is ordered after every queued use of the block, so no
/// event is needed. When the device runs out of memory, the cached blocks are freed and the allocation retried.
/// </summary>
internal sealed class DeviceAllocator(DeviceApi device) : IDisposable
{
    private readonly Dictionary<long, Stack<ulong>> _free = [];
    private readonly Lock _gate = new();
    private long _cachedBytes, _liveBytes;

    /// <summary>Bytes handed out and not yet returned.</summary>
    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>Bytes held on free lists.</summary>
    public long CachedBytes => Interlocked.Read(ref _cachedBytes);

    /// <summary>The bucket a request of <paramref name="bytes"/> is served from.</summary>
    public static long Bucket(long bytes)
    {
        bytes = Math.Max(bytes, 1);
        if (bytes <= 1 << 20) return (bytes + 511) & ~511L;
        long pow = 1L << (int)(64 - long.LeadingZeroCount(bytes - 1)); // next power of two ≥ bytes
        long step = pow / 8;
        return (bytes + step - 1) / step * step;
    }

    /// <summary>A block of at least <paramref name="bytes"/> bytes (its bucket size).</summary>
    public ulong Rent(long bytes)
    {
        long size = Bucket(bytes);
        lock (_gate)
        {
            if (_free.TryGetValue(size, out var stack) && stack.Count > 0)
            {
                _cachedBytes -= size;
                _liveBytes += size;
                return stack.Pop();
            }
        }
        ulong p;
        try { p = device.Alloc(size); }
        catch (CudaException)
        {
            Trim();
            p = device.Alloc(size);
        }
        Interlocked.Add(ref _liveBytes, size);
        return p;
    }

    /// <summary>Returns a block rented for <paramref name="bytes"/> bytes.</summary>
    public void Return(ulong pointer, long bytes)
    {
        long size = Bucket(bytes);
        lock (_gate)
        {
            if (!_free.TryGetValue(size, out var stack)) _free[size] = stack = new Stack<ulong>();
            stack.Push(pointer);
            _cachedBytes += size;
            _liveBytes -= size;
        }
    }

    /// <summary>Frees every cached block.</summary>
    public void Trim()
    {
        lock (_gate)
        {
            foreach (var stack in _free.Values)
                while (stack.Count > 0) device.Free(stack.Pop());
            _cachedBytes = 0;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Trim();
}
