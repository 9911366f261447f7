using System.Numerics;
using System.Runtime.InteropServices;

namespace SeqCore.Cpu;

/// <summary>
/// Large host blocks a <see cref="CpuBackend{T}"/> has freed, kept for its next allocations: a model whose batch shape
/// changes every step (length-bucketed batches, ragged sequences) re-allocates its activation buffers at every change,
/// and fresh native memory costs a page fault per 4 KiB page on first touch (a transformer seq2seq step of 4,096 tokens
/// spent a fifth of its time there). PyTorch's CPU allocator leans on glibc's heap for the same reason.
/// </summary>
/// <remarks>
/// Blocks of at least <see cref="MinBytes"/> are rounded up to one of eight sizes per power of two (at most 12.5 %
/// more), so that nearby shapes share blocks; a request takes the smallest cached block that holds it and is at most
/// 1.5 times its size. The cache holds at most the backend's <c>PeakBytes</c> (the most live bytes since its creation or
/// its last <c>ResetPeakBytes</c>), and a block that would pass that is freed. A tensor's block, and so the backend's
/// live and peak bytes, can be up to 1.69 times the tensor's own bytes (12.5 % rounding, then a block up to 1.5 times
/// the rounded size). Memory is cleared by the backend on every
/// allocation, cached or not. Thread-safe (one short lock).
/// </remarks>
internal sealed unsafe class HostBlockCache
{
    /// <summary>Smaller blocks go straight to the native allocator (its own heap serves them without page faults).</summary>
    public const long MinBytes = 1 << 20;

    private readonly Lock _gate = new();
    private readonly List<(long Bytes, nint Address)> _blocks = [];
    private long _cachedBytes;
    private bool _closed;

    /// <summary>Bytes held by the cache now.</summary>
    public long CachedBytes
    {
        get { lock (_gate) return _cachedBytes; }
    }

    /// <summary><paramref name="bytes"/> rounded up to its size class: unchanged below <see cref="MinBytes"/>, else to
    /// a multiple of an eighth of the power of two below it.</summary>
    public static long Rounded(long bytes)
    {
        if (bytes < MinBytes) return bytes;
        long step = 1L << (63 - BitOperations.LeadingZeroCount((ulong)bytes) - 3);
        return checked(bytes + step - 1) & ~(step - 1);
    }

    /// <summary>Takes the smallest cached block of <paramref name="bytes"/> to 1.5 × <paramref name="bytes"/>, or returns 0.</summary>
    public nint Take(long bytes, out long blockBytes)
    {
        blockBytes = bytes;
        lock (_gate)
        {
            int best = -1;
            for (int i = 0; i < _blocks.Count; i++)
            {
                long b = _blocks[i].Bytes;
                if (b >= bytes && b <= bytes + bytes / 2 && (best < 0 || b < _blocks[best].Bytes)) best = i;
            }
            if (best < 0) return 0;
            var (size, address) = _blocks[best];
            _blocks[best] = _blocks[^1];
            _blocks.RemoveAt(_blocks.Count - 1);
            _cachedBytes -= size;
            blockBytes = size;
            return address;
        }
    }

    /// <summary>Keeps a freed block when the cache stays within <paramref name="limit"/> bytes; false: the caller frees it.</summary>
    public bool Keep(nint address, long bytes, long limit)
    {
        if (bytes < MinBytes) return false;
        lock (_gate)
        {
            if (_closed || _cachedBytes + bytes > limit) return false;
            _blocks.Add((bytes, address));
            _cachedBytes += bytes;
            return true;
        }
    }

    /// <summary>Frees every cached block and keeps none from now on (the backend's dispose).</summary>
    public void FreeAll()
    {
        lock (_gate)
        {
            _closed = true;
            foreach (var (_, address) in _blocks) NativeMemory.AlignedFree((void*)address);
            _blocks.Clear();
            _cachedBytes = 0;
        }
    }
}
