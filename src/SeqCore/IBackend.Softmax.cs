using System.Numerics;

namespace SeqCore;

/// <summary>Softmax and log-softmax, row-wise over the last dimension and numerically stable, with their backward passes.</summary>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary><c>y[r, :] = exp(x[r, :] - max) / Σ exp(x[r, :] - max)</c>.</summary>
    void Softmax(Tensor<T> x, Tensor<T> y);

    /// <summary><c>dx = y ⊙ (dy - Σ_j dy_j·y_j)</c> per row, from the forward output.</summary>
    void SoftmaxBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx);

    /// <summary><c>y[r, :] = x[r, :] - max - log Σ exp(x[r, :] - max)</c>.</summary>
    void LogSoftmax(Tensor<T> x, Tensor<T> y);

    /// <summary><c>dx = dy - exp(y)·Σ_j dy_j</c> per row, from the forward output.</summary>
    void LogSoftmaxBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx);
}
