using System.Numerics;

namespace SeqCore;

/// <summary>Argument checks shared by every backend; each message names the operation, the argument and its shape.</summary>
public static partial class Check
{
    /// <summary>Throws unless <paramref name="t"/> is alive and owned by <paramref name="backend"/>.</summary>
    public static void Owned<T>(object backend, string op, Tensor<T> t, string role) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(t, role);
        if (t.IsReleased)
            throw new ObjectDisposedException(nameof(Tensor<T>), $"{op}: tensor '{role}' of shape {t.ShapeText} was released.");
        if (!ReferenceEquals(t.Backend, backend))
            throw new ArgumentException($"{op}: tensor '{role}' of shape {t.ShapeText} belongs to backend '{t.Backend.Name}', not to this one; copy it across first.", role);
    }

    /// <summary>Throws unless the tensors have equal element counts.</summary>
    public static void SameLength<T>(string op, Tensor<T> a, string aRole, Tensor<T> b, string bRole) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"{op}: '{aRole}' has shape {a.ShapeText} ({a.Length} elements) but '{bRole}' has shape {b.ShapeText} ({b.Length} elements); they must have the same number of elements.");
    }

    /// <summary>
    /// Throws unless the tensor holds exactly <paramref name="length"/> elements. <paramref name="what"/> is a constant
    /// description, completed with <paramref name="related"/>'s shape: the message is only formatted when it throws,
    /// so the check costs nothing on the hot path.
    /// </summary>
    public static void Length<T>(string op, Tensor<T> t, string role, long length, string what, Tensor<T>? related = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t.Length != length)
            throw new ArgumentException($"{op}: '{role}' has shape {t.ShapeText} ({t.Length} elements) but {what}{(related is null ? "" : " " + related.ShapeText)} needs {length} elements.");
    }

    /// <summary>Throws unless a span has exactly the tensor's element count.</summary>
    public static void HostLength<T>(string op, int spanLength, Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (spanLength != t.Length)
            throw new ArgumentException($"{op}: the host buffer has {spanLength} elements but the tensor of shape {t.ShapeText} has {t.Length}.");
    }

    /// <summary>Checks one GEMM operand: stored rows × cols with row stride <paramref name="ld"/> must fit, <c>ld ≥ cols</c>.</summary>
    public static void GemmOperand<T>(string op, Tensor<T> t, string role, int rows, int cols, int ld, long batchStride = 0, int batchCount = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"{op}: leading dimension of '{role}' is {ld} but its stored rows have {cols} columns (shape {t.ShapeText}).");
        if (rows == 0 || cols == 0) return;
        long need = (long)(rows - 1) * ld + cols + (batchCount - 1) * batchStride;
        if (need > t.Length)
            throw new ArgumentException($"{op}: '{role}' must hold {(batchCount > 1 ? $"{batchCount} × " : "")}{rows}×{cols} with leading dimension {ld}{(batchCount > 1 ? $" and batch stride {batchStride}" : "")} ({need} elements) but has shape {t.ShapeText} ({t.Length} elements).");
    }
}
