using System.Numerics;

namespace SeqCore;

/// <summary>Elementwise arithmetic, fills and copies.</summary>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary><c>y = a + b</c>.</summary>
    void Add(Tensor<T> a, Tensor<T> b, Tensor<T> y);

    /// <summary><c>y = a - b</c>.</summary>
    void Sub(Tensor<T> a, Tensor<T> b, Tensor<T> y);

    /// <summary><c>y = a ⊙ b</c> (elementwise product).</summary>
    void Mul(Tensor<T> a, Tensor<T> b, Tensor<T> y);

    /// <summary><c>y = alpha·x</c>.</summary>
    void Scale(Tensor<T> x, T alpha, Tensor<T> y);

    /// <summary><c>y += alpha·x</c>.</summary>
    void Axpy(Tensor<T> x, T alpha, Tensor<T> y);

    /// <summary>Sets every element of <paramref name="y"/> to <paramref name="value"/>.</summary>
    void Fill(T value, Tensor<T> y);

    /// <summary><c>y = x</c>.</summary>
    void Copy(Tensor<T> x, Tensor<T> y);
}
