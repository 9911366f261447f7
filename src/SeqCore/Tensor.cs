using System.Numerics;
using System.Text;
using SeqCore.Memory;

namespace SeqCore;

/// <summary>
/// A handle to a dense, row-major block of <typeparamref name="T"/> owned by one backend.
/// The handle holds a shape and an opaque storage address (host memory for the CPU backend,
/// a device pointer for CUDA); it never exposes the memory itself. Copies to and from the host
/// go through <see cref="IBackend{T}.CopyFromHost"/> and <see cref="IBackend{T}.CopyToHost"/>.
/// </summary>
/// <remarks>
/// <para>The backend that allocated a tensor owns its storage. <see cref="Dispose"/> frees it at once; disposing the
/// backend frees every tensor it allocated (they then report <see cref="IsReleased"/> and name the disposed backend
/// when used); a root tensor that is collected undisposed has its storage freed by the backend afterwards, a safety
/// net rather than a plan.</para>
/// <para>A view (<see cref="Slice"/>, <see cref="Reshape"/>) shares its root's storage, keeps the root alive and becomes
/// unusable when the root is released. Views are cheap (no lock, no finalizer) but are objects: layers create the views
/// they need once and reuse them, so a steady-state step allocates nothing.</para>
/// </remarks>
public sealed class Tensor<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] _shape;
    private readonly TensorBlock _block;
    private readonly Tensor<T>? _root;
    private bool _viewReleased;

    /// <summary>A root tensor over the block <paramref name="owner"/> frees; only <see cref="TensorMemory"/> makes these.</summary>
    internal Tensor(IBackend<T> backend, TensorBlockOwner owner, int[] shape)
    {
        Backend = backend;
        Owner = owner;
        _block = owner.Block;
        Storage = _block.Address;
        _shape = shape;
        Length = ShapeLength(shape);
    }

    /// <summary>A view of <paramref name="root"/>'s storage; it references the root, which keeps the storage alive.</summary>
    private Tensor(Tensor<T> root, long offset, int[] shape)
    {
        Backend = root.Backend;
        _root = root;
        _block = root._block;
        Storage = root.Storage;
        Offset = offset;
        _shape = shape;
        Length = ShapeLength(shape);
    }

    /// <summary>The backend that owns the storage.</summary>
    public IBackend<T> Backend { get; }

    /// <summary>Base address of the root allocation (backend-specific meaning).</summary>
    internal nint Storage { get; }

    /// <summary>Offset of element 0 of this tensor from <see cref="Storage"/>, in elements.</summary>
    public long Offset { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The shape, outermost dimension first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Size of dimension <paramref name="i"/>; negative counts from the end.</summary>
    public int Dim(int i) => _shape[i < 0 ? _shape.Length + i : i];

    /// <summary>True for a view created by <see cref="Slice"/> or <see cref="Reshape"/>.</summary>
    public bool IsView => _root is not null;

    /// <summary>True once this tensor, or the tensor it views, has been released, also by disposing its backend.</summary>
    public bool IsReleased => _viewReleased || _block.State != BlockState.Live;

    /// <summary>The finalizer-backed owner of the storage; null for a view.</summary>
    internal TensorBlockOwner? Owner { get; }

    /// <summary>The shape as text, e.g. <c>[32, 256]</c>.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>Interprets the tensor as a matrix: all leading dimensions are rows, the last is columns.</summary>
    public (int Rows, int Cols) AsMatrix()
    {
        int cols = _shape.Length == 0 ? 1 : _shape[^1];
        return (cols == 0 ? 0 : checked((int)(Length / cols)), cols);
    }

    /// <summary>
    /// A view of <paramref name="shape"/> starting <paramref name="offset"/> elements into this tensor.
    /// Used for time steps (<c>h.Slice(t * B * H, B, H)</c>) and parameter sub-blocks.
    /// </summary>
    public Tensor<T> Slice(long offset, params int[] shape)
    {
        ThrowIfReleased();
        long len = ShapeLength(shape);
        if (offset < 0 || offset + len > Length)
            throw new ArgumentOutOfRangeException(nameof(offset),
                $"Slice of shape {FormatShape(shape)} at offset {offset} does not fit in a tensor of shape {ShapeText} ({Length} elements).");
        return new Tensor<T>(_root ?? this, Offset + offset, (int[])shape.Clone());
    }

    /// <summary>The outer-dimension row <paramref name="index"/> as a view: shape is this shape without its first dimension.</summary>
    public Tensor<T> Row(int index)
    {
        if (Rank == 0) throw new InvalidOperationException("Row() needs a tensor of rank 1 or more.");
        if ((uint)index >= (uint)_shape[0])
            throw new ArgumentOutOfRangeException(nameof(index), $"Row {index} is outside a tensor of shape {ShapeText}.");
        int[] inner = _shape[1..];
        return Slice(index * ShapeLength(inner), inner);
    }

    /// <summary>A view with the same elements and a different shape of equal length.</summary>
    public Tensor<T> Reshape(params int[] shape)
    {
        ThrowIfReleased();
        if (ShapeLength(shape) != Length)
            throw new ArgumentException($"Cannot reshape a tensor of shape {ShapeText} ({Length} elements) to {FormatShape(shape)} ({ShapeLength(shape)} elements).", nameof(shape));
        return new Tensor<T>(_root ?? this, Offset, (int[])shape.Clone());
    }

    /// <summary>
    /// Releases the storage (for a root; its views become unusable too) or just invalidates the handle (for a view).
    /// Disposing twice, or after the backend was disposed, does nothing.
    /// </summary>
    public void Dispose()
    {
        if (_viewReleased) return;
        Backend.Release(this);
    }

    /// <summary>Marks a view released; called by <see cref="TensorMemory.Release"/>.</summary>
    internal void MarkViewReleased() => _viewReleased = true;

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming the shape if the tensor was released.</summary>
    public void ThrowIfReleased(string? role = null)
    {
        if (IsReleased) throw new ObjectDisposedException(nameof(Tensor<T>), ReleasedMessage(role is null ? "Tensor" : $"Tensor '{role}'"));
    }

    /// <summary>
    /// Why the tensor is unusable: <paramref name="subject"/> (e.g. <c>Gemm: tensor 'a'</c>), its shape, and whether it
    /// was released itself, is a view of a released tensor, or its backend was disposed.
    /// </summary>
    internal string ReleasedMessage(string subject)
    {
        string reason = _block.State == BlockState.BackendDisposed
            ? $"was released because its backend '{Backend.Name}' was disposed"
            : "was released";
        string view = IsView && !_viewReleased && _block.State != BlockState.Live ? " (it is a view of a released tensor)" : "";
        return $"{subject} of shape {ShapeText} {reason}{view}.";
    }

    /// <inheritdoc />
    public override string ToString() => $"Tensor<{typeof(T).Name}>{ShapeText} on {Backend.Name}";

    /// <summary>Product of the dimensions; throws on a negative dimension.</summary>
    public static long ShapeLength(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Shape {FormatShape(shape)} has a negative dimension.");
            n = checked(n * d);
        }
        return n;
    }

    /// <summary>Formats a shape as <c>[a, b, c]</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }
}
