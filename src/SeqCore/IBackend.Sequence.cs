using System.Numerics;

namespace SeqCore;

/// <summary>Operations used by embeddings, linear layers and recurrent layers.</summary>
/// <remarks>
/// <para>Variable-length batches: a <c>lengths</c> tensor <c>[B]</c> holds each sequence's length as a value of T
/// (exact for lengths below 2²⁴ in float). At time step <c>t</c>, row <c>b</c> is <em>active</em> when
/// <c>t &lt; lengths[b]</c>. The lengths live on the backend, so a whole sequence needs one upload.</para>
/// </remarks>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Copies <paramref name="row"/> <c>[C]</c> into every row of <paramref name="y"/> <c>[R, C]</c> (bias initialisation before a GEMM with beta = 1).</summary>
    void BroadcastRows(Tensor<T> row, Tensor<T> y);

    /// <summary>
    /// A strided 2-D copy: <paramref name="rows"/> rows of <paramref name="cols"/> elements, row r read at
    /// <c>x[r·ldx ..]</c> and written at <c>y[r·ldy ..]</c>. Concatenates and splits along the last dimension
    /// (e.g. the two directions of a bidirectional layer into <c>[T, B, 2H]</c>).
    /// </summary>
    void Copy2D(Tensor<T> x, int rows, int cols, int ldx, Tensor<T> y, int ldy);

    /// <summary>Swaps the first two dimensions: <c>x [A, B, C]</c> → <c>y [B, A, C]</c> (batch-first ↔ time-major).</summary>
    void SwapLeadingAxes(Tensor<T> x, int a, int b, Tensor<T> y);

    /// <summary><c>y[i, :] = table[indices[i], :]</c> for <c>table [V, D]</c>, <c>y [N, D]</c>. Throws naming the index if out of range.</summary>
    void Gather(Tensor<T> table, ReadOnlySpan<int> indices, Tensor<T> y);

    /// <summary>
    /// <c>dTable[indices[i], :] += dy[i, :]</c> (embedding backward). Rows whose index equals
    /// <paramref name="skipIndex"/> are skipped (a padding index; pass −1 for none).
    /// </summary>
    void ScatterAddRows(Tensor<T> dy, ReadOnlySpan<int> indices, int skipIndex, Tensor<T> dTable);

    /// <summary>Per row of <c>[B, C]</c>: <c>y[b] = active(b, t) ? whenActive[b] : whenInactive[b]</c>. <paramref name="y"/> may alias either input.</summary>
    void SelectRows(Tensor<T> lengths, int t, Tensor<T> whenActive, Tensor<T> whenInactive, Tensor<T> y);

    /// <summary>Per row of <c>[B, C]</c>: <c>y[b] = x[b]</c> where <c>active(b, t) == keepActive</c>, else 0.</summary>
    void MaskRows(Tensor<T> lengths, int t, bool keepActive, Tensor<T> x, Tensor<T> y);

    /// <summary>
    /// One LSTM step's pointwise part, PyTorch gate order (i, f, g, o), optionally with peepholes
    /// (Gers &amp; Schmidhuber 2000: <c>i = σ(a_i + w_ci⊙c_prev)</c>, <c>f = σ(a_f + w_cf⊙c_prev)</c>, <c>o = σ(a_o + w_co⊙c)</c>):
    /// <c>c = f⊙c_prev + i⊙g</c>, <c>h = o⊙tanh(c)</c>.
    /// </summary>
    /// <param name="gates"><c>[B, 4H]</c> pre-activations in, activations (i, f, g, o) out: kept for backward.</param>
    /// <param name="cPrev"><c>[B, H]</c>.</param>
    /// <param name="peepholes"><c>[3, H]</c> rows w_ci, w_cf, w_co, or null.</param>
    /// <param name="c"><c>[B, H]</c> new cell state.</param>
    /// <param name="h"><c>[B, H]</c> new hidden state (before any projection).</param>
    void LstmCellForward(Tensor<T> gates, Tensor<T> cPrev, Tensor<T>? peepholes, Tensor<T> c, Tensor<T> h);

    /// <summary>
    /// Backward of <see cref="LstmCellForward"/>: from <paramref name="dh"/> and <paramref name="dc"/> (gradients
    /// arriving at h and c of this step) gives the pre-activation gradients and the gradient into c_prev.
    /// Peephole gradients are accumulated into <paramref name="dPeepholes"/> <c>[3, H]</c>.
    /// </summary>
    /// <param name="gates"><c>[B, 4H]</c> activations saved by forward.</param>
    /// <param name="cPrev"><c>[B, H]</c>.</param>
    /// <param name="c"><c>[B, H]</c> cell state produced by forward.</param>
    /// <param name="peepholes"><c>[3, H]</c> or null.</param>
    /// <param name="dh"><c>[B, H]</c>.</param>
    /// <param name="dc"><c>[B, H]</c>.</param>
    /// <param name="dGates"><c>[B, 4H]</c> out (overwritten).</param>
    /// <param name="dcPrev"><c>[B, H]</c> out (overwritten).</param>
    /// <param name="dPeepholes"><c>[3, H]</c> accumulated, or null.</param>
    void LstmCellBackward(Tensor<T> gates, Tensor<T> cPrev, Tensor<T> c, Tensor<T>? peepholes,
        Tensor<T> dh, Tensor<T> dc, Tensor<T> dGates, Tensor<T> dcPrev, Tensor<T>? dPeepholes);

    // ----- GRU (gate order r, z, n; h = (1 − z)⊙n + z⊙h_prev) -----------------------------------------------
    // Two forms. PyTorch/cuDNN: n = tanh(a_n + r⊙(W_hn h_prev + b_hn)), so the recurrent projection of the step is
    // kept apart from the input one (one GEMM, one fused pass). Original (Cho et al. 2014): n = tanh(a_n + W_hn(r⊙h_prev)
    // + b_hn), so the step needs r before its second GEMM: fused pass, GEMM, fused pass; every projection is summed
    // into the gate pre-activations as for the LSTM.

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
