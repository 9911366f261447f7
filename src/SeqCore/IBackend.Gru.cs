using System.Numerics;

namespace SeqCore;

/// <summary>The fused pointwise passes of a GRU step (gate order r, z, n; <c>h = (1 − z)⊙n + z⊙h_prev</c>).</summary>
/// <remarks>
/// Two forms. PyTorch/cuDNN: n = tanh(a_n + r⊙(W_hn h_prev + b_hn)), so the recurrent projection of the step is
/// kept apart from the input one (one GEMM, one fused pass). Original (Cho et al. 2014): n = tanh(a_n + W_hn(r⊙h_prev)
/// + b_hn), so the step needs r before its second GEMM: fused pass, GEMM, fused pass; every projection is summed
/// into the gate pre-activations as for the LSTM.
/// </remarks>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// One GRU step's pointwise part, PyTorch form: with <c>a = gates</c> (input projection) and <c>p = hGates</c>
    /// (recurrent projection <c>h_prev·W_hhᵀ + b_hh</c>): <c>r = σ(a_r + p_r)</c>, <c>z = σ(a_z + p_z)</c>,
    /// <c>n = tanh(a_n + r⊙p_n)</c>, <c>h = (1 − z)⊙n + z⊙h_prev</c>.
    /// </summary>
    /// <param name="gates"><c>[B, 3H]</c> input projections <c>x·W_ihᵀ + b_ih</c> in, activations (r, z, n) out: kept for backward.</param>
    /// <param name="hGates"><c>[B, 3H]</c> recurrent projections, read only (backward needs <c>p_n</c>).</param>
    /// <param name="hPrev"><c>[B, H]</c>.</param>
    /// <param name="h"><c>[B, H]</c> new hidden state.</param>
    void GruCellForward(Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> h);

    /// <summary>
    /// Backward of <see cref="GruCellForward"/>: from <paramref name="dh"/> gives the gradients of both projections and
    /// the direct part of the gradient into h_prev. With <c>g_n = dh⊙(1 − z)⊙(1 − n²)</c>,
    /// <c>g_z = dh⊙(h_prev − n)⊙z⊙(1 − z)</c>, <c>g_r = g_n⊙p_n⊙r⊙(1 − r)</c>:
    /// <c>dGates = (g_r, g_z, g_n)</c>, <c>dhGates = (g_r, g_z, g_n⊙r)</c>, <c>dhPrev = dh⊙z</c>
    /// (the caller adds <c>dhGates·W_hh</c>).
    /// </summary>
    /// <param name="gates"><c>[B, 3H]</c> activations (r, z, n) saved by forward.</param>
    /// <param name="hGates"><c>[B, 3H]</c> recurrent projections of forward.</param>
    /// <param name="hPrev"><c>[B, H]</c>.</param>
    /// <param name="dh"><c>[B, H]</c> gradient arriving at h.</param>
    /// <param name="dGates"><c>[B, 3H]</c> out (overwritten): gradient of the input projections.</param>
    /// <param name="dhGates"><c>[B, 3H]</c> out (overwritten): gradient of the recurrent projections.</param>
    /// <param name="dhPrev"><c>[B, H]</c> out (overwritten).</param>
    void GruCellBackward(Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> dh,
        Tensor<T> dGates, Tensor<T> dhGates, Tensor<T> dhPrev);

    /// <summary>
    /// First pointwise pass of an original-form GRU step: <c>r = σ(a_r)</c>, <c>z = σ(a_z)</c> (both projections
    /// already summed into <c>a</c>), and the reset hidden state <c>rh = r⊙h_prev</c> that feeds the second GEMM
    /// <c>a_n += rh·W_hnᵀ</c>. The n columns of <paramref name="gates"/> are not touched.
    /// </summary>
    /// <param name="gates"><c>[B, 3H]</c>: r and z pre-activations in, activations out.</param>
    /// <param name="hPrev"><c>[B, H]</c>.</param>
    /// <param name="resetHidden"><c>[B, H]</c> out: <c>r⊙h_prev</c>.</param>
    void GruOriginalGatesForward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> resetHidden);

    /// <summary>
    /// Second pointwise pass of an original-form GRU step: <c>n = tanh(a_n)</c>, <c>h = (1 − z)⊙n + z⊙h_prev</c>,
    /// with z the activation written by <see cref="GruOriginalGatesForward"/>.
    /// </summary>
    /// <param name="gates"><c>[B, 3H]</c>: activations r, z and the n pre-activation in; n activation out.</param>
    /// <param name="hPrev"><c>[B, H]</c>.</param>
    /// <param name="h"><c>[B, H]</c> new hidden state.</param>
    void GruOriginalCellForward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> h);

    /// <summary>
    /// First backward pass of an original-form GRU step (the reverse of <see cref="GruOriginalCellForward"/>):
    /// <c>dGates_z = dh⊙(h_prev − n)⊙z⊙(1 − z)</c>, <c>dGates_n = dh⊙(1 − z)⊙(1 − n²)</c>, <c>dhPrev = dh⊙z</c>.
    /// The r columns of <paramref name="dGates"/> are not touched; the caller then forms <c>d(rh) = dGates_n·W_hn</c>.
    /// </summary>
    /// <param name="gates"><c>[B, 3H]</c> activations (r, z, n) saved by forward.</param>
    /// <param name="hPrev"><c>[B, H]</c>.</param>
    /// <param name="dh"><c>[B, H]</c> gradient arriving at h.</param>
    /// <param name="dGates"><c>[B, 3H]</c> out: z and n columns overwritten.</param>
    /// <param name="dhPrev"><c>[B, H]</c> out (overwritten).</param>
    void GruOriginalCellBackward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dh, Tensor<T> dGates, Tensor<T> dhPrev);

    /// <summary>
    /// Second backward pass of an original-form GRU step (the reverse of <see cref="GruOriginalGatesForward"/>):
    /// from the gradient <c>d(rh)</c> of the reset hidden state, <c>dGates_r = d(rh)⊙h_prev⊙r⊙(1 − r)</c> and
    /// <c>dhPrev += d(rh)⊙r</c> (the caller then adds <c>dGates_{r,z}·W_{hr,hz}</c>).
    /// </summary>
    /// <param name="gates"><c>[B, 3H]</c> activations (r, z, n) saved by forward.</param>
    /// <param name="hPrev"><c>[B, H]</c>.</param>
    /// <param name="dResetHidden"><c>[B, H]</c> gradient of <c>r⊙h_prev</c>.</param>
    /// <param name="dGates"><c>[B, 3H]</c> out: r columns overwritten.</param>
    /// <param name="dhPrev"><c>[B, H]</c> accumulated.</param>
    void GruOriginalGatesBackward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dResetHidden, Tensor<T> dGates, Tensor<T> dhPrev);
}
