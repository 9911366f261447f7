using System.Numerics;

namespace SeqCore;

/// <summary>Sums over the rows, the columns or all elements of a tensor.</summary>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Sums a <c>[rows, cols]</c> tensor over its rows into <c>y[cols]</c> (a bias gradient);
    /// <c>y += sum</c> when <paramref name="accumulate"/>, else <c>y = sum</c>.
    /// </summary>
    void SumRows(Tensor<T> x, bool accumulate, Tensor<T> y);

    /// <summary>Sums a <c>[rows, cols]</c> tensor over its columns into <c>y[rows]</c>.</summary>
    void SumCols(Tensor<T> x, bool accumulate, Tensor<T> y);

    /// <summary><c>Σ x²</c> accumulated in double (for gradient norms). Waits for queued work.</summary>
    double SumOfSquares(Tensor<T> x);
}
