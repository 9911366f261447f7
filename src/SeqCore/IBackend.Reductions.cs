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

    /// <summary>
    /// For every row r of a <c>[rows, cols]</c> tensor (<c>cols ≥ 1</c>), <c>indices[r]</c> = the index of the row's
    /// largest element, the first one on ties (<c>−0 = +0</c>), a NaN counting as larger than any number (the first NaN
    /// wins): PyTorch's <c>torch.argmax(x, dim=-1)</c>. Predictions and token accuracy without copying the logits to
    /// the host. Waits for queued work.
    /// </summary>
    /// <param name="x"><c>[rows, cols]</c> (any rank; the last dimension is cols).</param>
    /// <param name="indices">rows host integers, overwritten.</param>
    void ArgMaxRows(Tensor<T> x, Span<int> indices);
}
