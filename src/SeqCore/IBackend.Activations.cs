using System.Numerics;

namespace SeqCore;

/// <summary>Which GELU formula to use, as PyTorch's <c>approximate</c> argument.</summary>
public enum GeluApproximation
{
    /// <summary>Exact: <c>x·Φ(x) = x/2·(1 + erf(x/√2))</c>.</summary>
    None,
    /// <summary>Tanh form: <c>x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c> (GPT-2).</summary>
    Tanh,
}

/// <summary>Activation functions and their backward passes.</summary>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary><c>y = 1 / (1 + e^-x)</c>.</summary>
    void Sigmoid(Tensor<T> x, Tensor<T> y);

    /// <summary><c>dx = dy·y·(1 - y)</c>, from the forward output <paramref name="y"/>.</summary>
    void SigmoidBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx);

    /// <summary><c>y = tanh(x)</c>.</summary>
    void Tanh(Tensor<T> x, Tensor<T> y);

    /// <summary><c>dx = dy·(1 - y²)</c>, from the forward output <paramref name="y"/>.</summary>
    void TanhBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx);

    /// <summary><c>y = max(x, 0)</c>.</summary>
    void Relu(Tensor<T> x, Tensor<T> y);

    /// <summary><c>dx = dy</c> where <c>x &gt; 0</c>, else 0 (the derivative at 0 is taken as 0, as PyTorch).</summary>
    void ReluBackward(Tensor<T> x, Tensor<T> dy, Tensor<T> dx);

    /// <summary>GELU, exact or tanh-approximated.</summary>
    void Gelu(Tensor<T> x, GeluApproximation approximation, Tensor<T> y);

    /// <summary><c>dx = dy·GELU'(x)</c> for the chosen formula.</summary>
    void GeluBackward(Tensor<T> x, Tensor<T> dy, GeluApproximation approximation, Tensor<T> dx);
}
