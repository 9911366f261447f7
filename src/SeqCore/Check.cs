using System.Numerics;

namespace SeqCore;

/// <summary>Argument checks shared by every backend; each message names the operation, the argument and its shape.</summary>
internal static partial class Check
{
    /// <summary>Throws unless <paramref name="t"/> is alive and owned by <paramref name="backend"/>.</summary>
    public static void Owned<T>(object backend, string op, Tensor<T> t, string role) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(t, role);
        if (t.IsReleased)
            throw new ObjectDisposedException(nameof(Tensor<T>), t.ReleasedMessage($"{op}: tensor '{role}'"));
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

    /// <summary>Checks <c>ArgMaxRows</c>: one host index per row of <paramref name="x"/>, and at least one column when there are rows.</summary>
    public static (int Rows, int Cols) ArgMaxRows<T>(string op, Tensor<T> x, int indices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, cols) = x.AsMatrix();
        if (indices != rows)
            throw new ArgumentException($"{op}: 'indices' has {indices} elements but 'x' of shape {x.ShapeText} has {rows} rows.");
        if (rows > 0 && cols == 0)
            throw new ArgumentException($"{op}: 'x' of shape {x.ShapeText} has rows of no elements, which have no largest element.");
        return (rows, cols);
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
    /// <summary>
    /// Checks the sizes, tile sizes and scale of an attention call (every backend's <c>Attention*</c> ops):
    /// non-negative sizes, a positive head dimension, tiles in <c>1..maxTile</c> or 0, a finite scale.
    /// </summary>
    public static void AttentionSpec(string op, in AttentionSpec s, int maxTile)
    {
        if (s.Batch < 0 || s.Heads < 0 || s.QueryLength < 0 || s.KeyLength < 0 || s.HeadSize <= 0 || s.ValueSize < 0)
            throw new ArgumentException($"{op}: sizes must be non-negative and the head dimension positive, got B={s.Batch}, heads={s.Heads}, Tq={s.QueryLength}, Tk={s.KeyLength}, d={s.HeadSize}, dv={s.ValueSize}.");
        if (s.QueryTile < 0 || s.KeyTile < 0 || s.QueryTile > maxTile || s.KeyTile > maxTile)
            throw new ArgumentException($"{op}: tile sizes must be in 1..{maxTile} (or 0 for the default), got query tile {s.QueryTile}, key tile {s.KeyTile}.");
        if (double.IsNaN(s.Scale) || double.IsInfinity(s.Scale))
            throw new ArgumentException($"{op}: the scale must be finite, got {s.Scale}.");
    }

    /// <summary>
    /// Checks that attention operand <paramref name="t"/> holds <c>(B, heads, length, width)</c> at strides
    /// <paramref name="st"/> (already resolved with <see cref="AttentionStrides.OrDense"/>).
    /// </summary>
    public static void AttentionOperand<T>(string op, Tensor<T> t, string role, in AttentionSpec s, AttentionStrides st, int length, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (st.Batch < 0 || st.Head < 0 || st.Row < 0)
            throw new ArgumentException($"{op}: strides of '{role}' must be non-negative, got (batch {st.Batch}, head {st.Head}, row {st.Row}).");
        if (length > 1 && st.Row < width)
            throw new ArgumentException($"{op}: row stride of '{role}' is {st.Row} but its rows have {width} columns (shape {t.ShapeText}).");
        if (s.Batch == 0 || s.Heads == 0 || length == 0 || width == 0) return;
        long need = (s.Batch - 1) * st.Batch + (s.Heads - 1) * st.Head + (length - 1) * st.Row + width;
        if (need > t.Length)
            throw new ArgumentException($"{op}: '{role}' must hold (B {s.Batch}, heads {s.Heads}, T {length}, width {width}) with strides (batch {st.Batch}, head {st.Head}, row {st.Row}), " +
                $"{need} elements, but has shape {t.ShapeText} ({t.Length} elements).");
    }

    /// <summary>
    /// Checks per-batch key lengths (values of T, read on the host): each a whole number in <c>0..keyLength</c>.
    /// <paramref name="keysRole"/> and <paramref name="keys"/> name the key tensor in the message.
    /// </summary>
    public static void KeyLengths<T>(string op, ReadOnlySpan<T> lengths, int keyLength, string keysRole, Tensor<T> keys)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < lengths.Length; b++)
        {
            T len = lengths[b];
            if (!(len >= T.Zero && len <= T.CreateTruncating(keyLength)) || len != T.Floor(len))
                throw new ArgumentException($"{op}: keyLengths[{b}] is {len} but must be a whole number in 0..{keyLength} (the key length of '{keysRole}' {keys.ShapeText}).");
        }
    }

    /// <summary>Checks the sizes of an additive-attention call (<c>AdditiveScores</c>, <c>AdditiveScoresBackward</c>).</summary>
    public static void AdditiveSizes(string op, int batch, int queryLength, int keyLength)
    {
        if (batch < 0 || queryLength < 0 || keyLength < 0)
            throw new ArgumentException($"{op}: sizes must be non-negative, got B={batch}, Tq={queryLength}, Tk={keyLength}.");
    }
}
