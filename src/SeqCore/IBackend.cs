using System.Numerics;

namespace SeqCore;

/// <summary>
/// The only code that touches tensor memory and does arithmetic. Layers, models and training code
/// call these operations and nothing else, which is what lets the same model run on every backend
/// and lets tests compare backends op by op.
/// </summary>
/// <remarks>
/// <para>Conventions, shared by every operation:</para>
/// <list type="bullet">
/// <item>Argument order is inputs, then sizes and options, then outputs. The exception is
/// <see cref="Gemm"/>, which keeps the BLAS order every numerical programmer already reads.</item>
/// <item>Tensors are dense and row-major. Matrix-shaped operations read a tensor as
/// <c>[rows, cols]</c> with <c>cols</c> = the last dimension (<see cref="Tensor{T}.AsMatrix"/>).</item>
/// <item>Elementwise operations need equal element counts, not equal shapes, and accept an output that
/// is the same tensor as an input (in-place).</item>
/// <item>Backward operations overwrite the input gradient they produce. Accumulating parameter
/// gradients is the layer's job (it passes <c>accumulate: true</c> or <c>beta = 1</c>).</item>
/// <item>Every tensor argument must be alive and owned by this backend; otherwise the call throws
/// with a message naming the argument and its shape.</item>
/// </list>
/// </remarks>
public partial interface IBackend<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Short name, e.g. <c>cpu</c> or <c>cuda:0</c>.</summary>
    string Name { get; }

    // ----- memory -------------------------------------------------------------------------

    /// <summary>
    /// Allocates a zero-filled tensor of the given shape. The backend owns it: <see cref="IDisposable.Dispose"/> on the
    /// backend releases every tensor it allocated, and one collected undisposed is freed by a later allocation.
    /// </summary>
    Tensor<T> Allocate(params int[] shape);

    /// <summary>
    /// Frees a tensor's storage (for a view: invalidates only the view). Releasing twice, or after the backend was
    /// disposed, is allowed; using a released tensor throws.
    /// </summary>
    void Release(Tensor<T> tensor);

    /// <summary>Copies <paramref name="source"/> (exactly <c>destination.Length</c> elements) into the tensor.</summary>
    void CopyFromHost(ReadOnlySpan<T> source, Tensor<T> destination);

    /// <summary>Copies the tensor into <paramref name="destination"/> (exactly <c>source.Length</c> elements).</summary>
    void CopyToHost(Tensor<T> source, Span<T> destination);

    /// <summary>Waits until all queued work is finished (a no-op on the CPU).</summary>
    void Synchronize();
}
