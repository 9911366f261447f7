using System.Numerics;

namespace SeqCore;

/// <summary>Conveniences built only from <see cref="IBackend{T}"/> operations, so every backend has them.</summary>
public static class BackendExtensions
{
    /// <summary>Allocates a tensor of <paramref name="shape"/> and fills it from <paramref name="data"/>.</summary>
    public static Tensor<T> FromHost<T>(this IBackend<T> backend, ReadOnlySpan<T> data, params int[] shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var t = backend.Allocate(shape);
        try { backend.CopyFromHost(data, t); }
        catch { t.Dispose(); throw; }
        return t;
    }

    /// <summary>Copies a tensor into a new host array.</summary>
    public static T[] ToArray<T>(this IBackend<T> backend, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new T[tensor.Length];
        backend.CopyToHost(tensor, result);
        return result;
    }

    /// <summary>Copies a tensor into a new host array of doubles (exact for float and double), as checkpoints store
    /// values.</summary>
    public static double[] ToDoubleArray<T>(this IBackend<T> backend, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var host = backend.ToArray(tensor);
        var result = new double[host.Length];
        for (int i = 0; i < host.Length; i++) result[i] = double.CreateTruncating(host[i]);
        return result;
    }

    /// <summary>Fills <paramref name="tensor"/> from host doubles (rounded to <typeparamref name="T"/>).</summary>
    public static void CopyFromDoubles<T>(this IBackend<T> backend, ReadOnlySpan<double> values, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var host = new T[values.Length];
        for (int i = 0; i < values.Length; i++) host[i] = T.CreateTruncating(values[i]);
        backend.CopyFromHost(host, tensor);
    }

    /// <summary>
    /// Matrix product from the tensors' shapes: <c>c = alpha·op(a)·op(b) + beta·c</c>, where each tensor is read
    /// as a matrix (<see cref="Tensor{T}.AsMatrix"/>). Throws naming the shapes when they do not chain.
    /// </summary>
    public static void MatMul<T>(this IBackend<T> backend, Tensor<T> a, Tensor<T> b, Tensor<T> c,
        Transpose transA = Transpose.No, Transpose transB = Transpose.No, T? alpha = null, T? beta = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (ar, ac) = a.AsMatrix();
        var (br, bc) = b.AsMatrix();
        var (cr, cc) = c.AsMatrix();
        int m = transA == Transpose.Yes ? ac : ar, ka = transA == Transpose.Yes ? ar : ac;
        int kb = transB == Transpose.Yes ? bc : br, n = transB == Transpose.Yes ? br : bc;
        if (ka != kb || cr != m || cc != n)
            throw new ArgumentException($"MatMul: op(a) is {m}×{ka} (a {a.ShapeText}{(transA == Transpose.Yes ? "ᵀ" : "")}), op(b) is {kb}×{n} (b {b.ShapeText}{(transB == Transpose.Yes ? "ᵀ" : "")}), c is {cr}×{cc} ({c.ShapeText}); need op(a) m×k, op(b) k×n, c m×n.");
        backend.Gemm(transA, transB, m, n, ka, alpha ?? T.One, a, ac, b, bc, beta ?? T.Zero, c, cc);
    }
}
