using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Layers;

/// <summary>
/// Inverted dropout, as PyTorch's <c>nn.Dropout(p)</c> and Keras' <c>layer_dropout(rate)</c>: in training each element is
/// kept with probability <c>1 − p</c> and scaled by <c>1/(1 − p)</c>, otherwise zeroed; in evaluation it is the identity.
/// The mask comes from <see cref="IBackend{T}.FillBernoulliMask"/>, so a <see cref="RandomStream"/> with a fixed seed and
/// position gives the same mask on every backend and thread count (which is how gradient checks freeze it).
/// </summary>
public sealed class Dropout<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private Tensor<T>? _mask;
    private bool _applied;

    /// <summary>Creates the layer with drop probability <paramref name="probability"/> in [0, 1).</summary>
    public Dropout(IBackend<T> backend, double probability)
    {
        if (probability is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(probability), $"Dropout: probability must be in [0, 1), got {probability}.");
        _backend = backend;
        Probability = probability;
    }

    /// <summary>The drop probability p.</summary>
    public double Probability { get; }

    /// <summary>The mask of the last training Forward (values 0 or 1/(1 − p), shaped as the input), or null.</summary>
    public Tensor<T>? Mask => _applied ? _mask : null;

    /// <summary>
    /// <c>y = x ⊙ mask</c> when <paramref name="random"/> is given (training) and p &gt; 0, drawing the mask from it
    /// (<c>x.Length</c> counters); otherwise <c>y = x</c>. <paramref name="y"/> may be x itself.
    /// </summary>
    public void Forward(Tensor<T> x, Tensor<T> y, RandomStream? random)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Dropout.Forward: 'y' has shape {y.ShapeText} but 'x' has shape {x.ShapeText}.");
        _applied = random is not null && Probability > 0;
        if (!_applied)
        {
            if (!ReferenceEquals(x, y)) _backend.Copy(x, y);
            return;
        }
        if (_mask is null || _mask.Length != x.Length) { _mask?.Dispose(); _mask = _backend.Allocate(x.Shape.ToArray()); }
        T keep = T.CreateTruncating(1 - Probability);
        RowWindowFill.FillBernoulliMask(_backend, random!, keep, T.One / keep, _mask);
        _backend.Mul(x, _mask, y);
    }

    /// <summary><c>dx = dy ⊙ mask</c> after a training Forward, else <c>dx = dy</c>. <paramref name="dx"/> may be dy itself.</summary>
    public void Backward(Tensor<T> dy, Tensor<T> dx)
    {
        if (dy.Length != dx.Length) throw new ArgumentException($"Dropout.Backward: 'dx' has shape {dx.ShapeText} but 'dy' has shape {dy.ShapeText}.");
        if (!_applied) { if (!ReferenceEquals(dy, dx)) _backend.Copy(dy, dx); return; }
        if (_mask!.Length != dy.Length) throw new ArgumentException($"Dropout.Backward: 'dy' {dy.ShapeText} does not match the mask {_mask.ShapeText} of the last Forward.");
        _backend.Mul(dy, _mask, dx);
    }

    /// <inheritdoc />
    public void Dispose() => _mask?.Dispose();
}
