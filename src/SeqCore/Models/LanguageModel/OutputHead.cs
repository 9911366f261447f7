using System.Numerics;

namespace SeqCore.Models;

/// <summary>
/// The vocabulary projection of a language model, <c>logits = x·Wᵀ + b</c> with <c>W [V, E]</c> (PyTorch's
/// <c>nn.Linear(E, V)</c>). The weight is either its own <c>head.weight</c> or, when tied, the embedding's parameter
/// itself: Backward then adds <c>dLogitsᵀ·x</c> into the embedding's gradient, next to the embedding's own scatter-add,
/// so the one shared tensor receives the sum of both gradients.
/// </summary>
internal sealed class OutputHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;

    public OutputHead(IBackend<T> backend, Layers.Parameter<T> weight, Layers.Parameter<T> bias)
    {
        _backend = backend;
        Weight = weight;
        Bias = bias;
        Vocab = weight.Value.Dim(0);
        Width = weight.Value.Dim(1);
    }

    public Layers.Parameter<T> Weight { get; }
    public Layers.Parameter<T> Bias { get; }
    public int Vocab { get; }
    public int Width { get; }

    /// <summary><paramref name="x"/> <c>[N, E]</c> → <paramref name="logits"/> <c>[N, V]</c>.</summary>
    public void Forward(Tensor<T> x, int rows, Tensor<T> logits)
    {
        _backend.BroadcastRows(Bias.Value, logits);
        _backend.Gemm(Transpose.No, Transpose.Yes, rows, Vocab, Width, T.One, x, Width, Weight.Value, Width, T.One, logits, Vocab);
    }

    /// <summary>Accumulates <c>dW += dLogitsᵀ·x</c>, <c>db += Σ dLogits</c>; writes <c>dx = dLogits·W</c>.</summary>
    public void Backward(Tensor<T> x, Tensor<T> dLogits, int rows, Tensor<T> dx)
    {
        _backend.Gemm(Transpose.Yes, Transpose.No, Vocab, Width, rows, T.One, dLogits, Vocab, x, Width, T.One, Weight.Gradient, Width);
        _backend.SumRows(dLogits, accumulate: true, Bias.Gradient);
        _backend.Gemm(Transpose.No, Transpose.No, rows, Width, Vocab, T.One, dLogits, Vocab, Weight.Value, Width, T.Zero, dx, Width);
    }
}
