using System.Runtime.InteropServices;

namespace SeqCore.Cpu.Gemm;

/// <summary>
/// The packing buffers of one GEMM in flight: a slab of packed A and a panel of packed B, 64-byte aligned
/// native memory that grows on demand and is kept for the next call.
/// </summary>
internal sealed unsafe class GemmWorkspace : IDisposable
{
    private const nuint Alignment = 64;
    private void* _a, _b;
    private nuint _aBytes, _bBytes;

    /// <summary>Buffer for packed A of at least <paramref name="bytes"/> bytes (contents not kept across growth).</summary>
    public void* A(nuint bytes) => Ensure(ref _a, ref _aBytes, bytes);

    /// <summary>Buffer for packed B of at least <paramref name="bytes"/> bytes (contents not kept across growth).</summary>
    public void* B(nuint bytes) => Ensure(ref _b, ref _bBytes, bytes);

    private static void* Ensure(ref void* p, ref nuint have, nuint bytes)
    {
        if (bytes <= have) return p;
        NativeMemory.AlignedFree(p);
        p = null;
        have = 0;
        p = NativeMemory.AlignedAlloc(bytes, Alignment);
        have = bytes;
        return p;
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        _a = _b = null;
        _aBytes = _bBytes = 0;
    }
}

/// <summary>
/// Workspaces for concurrent GEMMs (one per worker running a batch entry, or one per caller): renting takes a free
/// cached one without locking; only when more are in flight than were cached is a temporary one made (and freed
/// on return). After <see cref="Dispose"/>, a workspace still in flight is freed when it is returned.
/// </summary>
internal sealed class GemmWorkspacePool : IDisposable
{
    private readonly GemmWorkspace?[] _free;
    private volatile bool _disposed;

    public GemmWorkspacePool(int count)
    {
        _free = new GemmWorkspace?[count];
        for (int i = 0; i < count; i++) _free[i] = new GemmWorkspace();
    }

    public GemmWorkspace Rent()
    {
        for (int i = 0; i < _free.Length; i++)
            if (Interlocked.Exchange(ref _free[i], null) is { } w) return w;
        return new GemmWorkspace();
    }

    public void Return(GemmWorkspace w)
    {
        if (_disposed)
        {
            w.Dispose();
            return;
        }
        for (int i = 0; i < _free.Length; i++)
            if (Interlocked.CompareExchange(ref _free[i], w, null) is null) return;
        w.Dispose();
    }

    public void Dispose()
    {
        _disposed = true;
        for (int i = 0; i < _free.Length; i++)
            Interlocked.Exchange(ref _free[i], null)?.Dispose();
    }
}
