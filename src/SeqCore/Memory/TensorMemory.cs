namespace SeqCore.Memory;

/// <summary>
/// The tensor storage a backend allocated and has not freed. Every root allocation is registered here, so disposing
/// the backend frees them all (<see cref="Close"/>) and their tensors report released.
/// </summary>
/// <remarks>
/// <para>It lists <see cref="TensorBlock"/>s, never tensors, so it keeps nothing alive: a tensor dropped undisposed is
/// collected, and its <see cref="TensorBlockOwner"/>'s finalizer moves the block to a retired list. The backend frees
/// retired blocks on its own thread, at its next allocation and on dispose (<see cref="FreeRetired"/>), never on the
/// finalizer thread: CUDA memory can only be freed where the backend's context is current, and on any backend a
/// finalizer can run while an operation is still reading a tensor its caller dropped (the JIT ends a local's lifetime
/// at its last use, which can be the call itself).</para>
/// <para>Live bytes are reported to the GC as memory pressure, so a loop that drops large tensors triggers the
/// collections that retire them.</para>
/// <para>Thread-safe: registering, releasing and retiring take one short lock; views never come here.</para>
/// </remarks>
internal sealed class TensorMemory(string backendName, Action<TensorBlock> free)
{
    private readonly Lock _gate = new();
    private readonly HashSet<TensorBlock> _live = [];
    private List<TensorBlock> _retired = [];
    private volatile int _retiredCount;
    private long _liveBytes;
    private bool _closed;

    /// <summary>The backend's name, for messages.</summary>
    public string BackendName { get; } = backendName;

    /// <summary>Bytes of blocks registered and not yet freed (retired ones included until they are freed).</summary>
    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>Blocks registered and neither released nor collected.</summary>
    public int LiveCount
    {
        get { lock (_gate) return _live.Count; }
    }

    /// <summary>
    /// Registers freshly allocated storage and returns the root tensor that owns it. When the memory was closed
    /// meanwhile (the backend was disposed on another thread), the storage is freed and the call throws.
    /// </summary>
    public Tensor<T> Adopt<T>(IBackend<T> backend, nint address, long bytes, int[] shape)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var block = new TensorBlock(address, bytes);
        bool closed;
        lock (_gate)
        {
            closed = _closed;
            if (!closed)
            {
                _live.Add(block);
                Interlocked.Add(ref _liveBytes, bytes);  // Free subtracts outside the lock
            }
        }
        if (closed)
        {
            free(block);
            throw new ObjectDisposedException(BackendName, $"Allocate: backend '{BackendName}' was disposed.");
        }
        if (bytes > 0) GC.AddMemoryPressure(bytes);
        return new Tensor<T>(backend, new TensorBlockOwner(this, block), shape);
    }

    /// <summary>Frees a root tensor's storage now (a view is only marked released). Releasing twice is a no-op.</summary>
    public void Release<T>(Tensor<T> tensor) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (tensor.Owner is not { } owner)
        {
            tensor.MarkViewReleased();
            return;
        }
        GC.SuppressFinalize(owner);
        if (Take(owner.Block, BlockState.Released)) Free(owner.Block);
    }

    /// <summary>Called by a collected tensor's owner (finalizer thread): moves its block to the retired list.</summary>
    public void Retire(TensorBlock block)
    {
        lock (_gate)
        {
            if (!_live.Remove(block)) return;
            block.State = BlockState.Collected;
            _retired.Add(block);
            _retiredCount = _retired.Count;
        }
    }

    /// <summary>Frees the blocks of collected tensors; the backend calls it on its own thread (cheap when there are none).</summary>
    public void FreeRetired()
    {
        if (_retiredCount == 0) return;
        List<TensorBlock> retired;
        lock (_gate)
        {
            retired = _retired;
            _retired = [];
            _retiredCount = 0;
        }
        foreach (var block in retired) Free(block);
    }

    /// <summary>
    /// Frees every block, live or retired, and refuses later registrations: the backend's dispose. Live tensors then
    /// report released and name the disposed backend when used.
    /// </summary>
    public void Close()
    {
        List<TensorBlock> all;
        lock (_gate)
        {
            _closed = true;
            all = [.. _live, .. _retired];
            foreach (var block in _live) block.State = BlockState.BackendDisposed;
            _live.Clear();
            _retired = [];
            _retiredCount = 0;
        }
        foreach (var block in all) Free(block);
    }

    /// <summary>Removes a live block, marking it <paramref name="state"/>; false when it was no longer live.</summary>
    private bool Take(TensorBlock block, BlockState state)
    {
        lock (_gate)
        {
            if (!_live.Remove(block)) return false;
            block.State = state;
            return true;
        }
    }

    private void Free(TensorBlock block)
    {
        free(block);
        Interlocked.Add(ref _liveBytes, -block.Bytes);
        if (block.Bytes > 0) GC.RemoveMemoryPressure(block.Bytes);
    }
}
