using System.Numerics;

namespace SeqCore;

/// <summary>The fused pointwise passes of an LSTM step (gate order i, f, g, o, as PyTorch).</summary>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
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
}
