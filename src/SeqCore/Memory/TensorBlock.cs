namespace SeqCore.Memory;

/// <summary>Whether a block's storage is still there, and if not, why.</summary>
internal enum BlockState
{
    /// <summary>Allocated and usable.</summary>
    Live,
    /// <summary>Freed by <see cref="IBackend{T}.Release"/> or <see cref="Tensor{T}.Dispose"/>.</summary>
    Released,
    /// <summary>Its tensor was collected undisposed; the storage waits on the backend's retired list.</summary>
    Collected,
    /// <summary>Freed because the backend that allocated it was disposed.</summary>
    BackendDisposed,
}

/// <summary>
/// One root allocation of a backend: its address, its size and its state. A root tensor and all its views share the
/// block, so they all see it freed at once. <see cref="TensorMemory"/> lists the live blocks; it never lists tensors.
/// </summary>
internal sealed class TensorBlock(nint address, long bytes)
{
    private volatile BlockState _state;

    /// <summary>The storage address (host pointer or device pointer).</summary>
    public nint Address { get; } = address;

    /// <summary>The size the backend allocated, in bytes.</summary>
    public long Bytes { get; } = bytes;

    /// <summary>Live until freed; changed only by <see cref="TensorMemory"/> under its lock.</summary>
    public BlockState State
    {
        get => _state;
        set => _state = value;
    }
}

/// <summary>
/// The finalizer-backed owner of one <see cref="TensorBlock"/>. Only the root tensor references it (views reference the
/// root), so it becomes unreachable exactly when the root and all its views do; its finalizer then retires the block.
/// Disposing the tensor frees the block at once and suppresses this finalizer.
/// </summary>
internal sealed class TensorBlockOwner(TensorMemory memory, TensorBlock block)
{
    /// <summary>The block this owner frees when collected.</summary>
    public TensorBlock Block { get; } = block;

    /// <summary>Runs on the finalizer thread: hands the block to the backend, which frees it on its own thread.</summary>
    ~TensorBlockOwner() => memory.Retire(Block);
}
