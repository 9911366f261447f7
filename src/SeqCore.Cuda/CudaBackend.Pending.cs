// PENDING: the recurrent-cell and attention operations of the CUDA backend, written on branch `cudarnn`
// (kernels/recurrent.cu, kernels/attention.cu, CudaBackend.Recurrent.cs, CudaBackend.Attention.cs).
// Each method here is a placeholder that keeps this branch compiling: whoever implements one deletes it from this file
// (and deletes the file once it is empty). Nothing else should be added here.

namespace SeqCore.Cuda;

public sealed partial class CudaBackend<T>
{
    private static NotSupportedException Pending(string method) => new($"{method} is not yet implemented on the CUDA backend");

    /// <inheritdoc />
    public void LstmCellForward(Tensor<T> gates, Tensor<T> cPrev, Tensor<T>? peepholes, Tensor<T> c, Tensor<T> h)
        => throw Pending(nameof(LstmCellForward));

    /// <inheritdoc />
    public void LstmCellBackward(Tensor<T> gates, Tensor<T> cPrev, Tensor<T> c, Tensor<T>? peepholes,
        Tensor<T> dh, Tensor<T> dc, Tensor<T> dGates, Tensor<T> dcPrev, Tensor<T>? dPeepholes)
        => throw Pending(nameof(LstmCellBackward));

    /// <inheritdoc />
    public void GruCellForward(Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> h)
        => throw Pending(nameof(GruCellForward));

    /// <inheritdoc />
    public void GruCellBackward(Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> dh,
        Tensor<T> dGates, Tensor<T> dhGates, Tensor<T> dhPrev)
        => throw Pending(nameof(GruCellBackward));

    /// <inheritdoc />
    public void GruOriginalGatesForward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> resetHidden)
        => throw Pending(nameof(GruOriginalGatesForward));

    /// <inheritdoc />
    public void GruOriginalCellForward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> h)
        => throw Pending(nameof(GruOriginalCellForward));

    /// <inheritdoc />
    public void GruOriginalCellBackward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dh, Tensor<T> dGates, Tensor<T> dhPrev)
        => throw Pending(nameof(GruOriginalCellBackward));

    /// <inheritdoc />
    public void GruOriginalGatesBackward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dResetHidden, Tensor<T> dGates, Tensor<T> dhPrev)
        => throw Pending(nameof(GruOriginalGatesBackward));

    /// <inheritdoc />
    public void AttentionForward(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T>? keyLengths, in AttentionSpec spec,
        Tensor<T> output, Tensor<T> logSumExp)
        => throw Pending(nameof(AttentionForward));

    /// <inheritdoc />
    public void AttentionBackward(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> output, Tensor<T> logSumExp, Tensor<T> dOutput,
        Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> dq, Tensor<T> dk, Tensor<T> dv)
        => throw Pending(nameof(AttentionBackward));

    /// <inheritdoc />
    public void AttentionWeights(Tensor<T> q, Tensor<T> k, Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> weights)
        => throw Pending(nameof(AttentionWeights));

    /// <inheritdoc />
    public void AdditiveScores(Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T>? keyLengths,
        int batch, int queryLength, int keyLength, Tensor<T> scores)
        => throw Pending(nameof(AdditiveScores));

    /// <inheritdoc />
    public void AdditiveScoresBackward(Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T> dScores, Tensor<T>? keyLengths,
        int batch, int queryLength, int keyLength, Tensor<T> dQueryProj, Tensor<T> dKeyProj, Tensor<T> dv)
        => throw Pending(nameof(AdditiveScoresBackward));
}
