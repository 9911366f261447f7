using System.Numerics;

namespace SeqCore.Layers;

/// <summary>A trainable tensor, its gradient (same shape, accumulated by Backward) and its PyTorch state_dict name.</summary>
public sealed class Parameter<T>(string name, Tensor<T> value, Tensor<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The name PyTorch's state_dict gives the equivalent tensor, e.g. <c>weight_ih_l0_reverse</c>.</summary>
    public string Name { get; } = name;

    /// <summary>The value.</summary>
    public Tensor<T> Value { get; } = value;

    /// <summary>The gradient; Backward adds to it, the optimizer zeroes it.</summary>
    public Tensor<T> Gradient { get; } = gradient;

    /// <summary>When true, training leaves the value as it is: <see cref="Training.Optimizer{T}.Step"/> skips it (no
    /// update, no weight decay) and the trainer leaves its gradient, which backward still computes and
    /// <see cref="Training.Optimizer{T}.ZeroGrad"/> still zeroes, out of the clipping norm.</summary>
    public bool Frozen { get; set; }

    /// <summary>Allocates a zero parameter and its gradient.</summary>
    public static Parameter<T> Create(IBackend<T> backend, string name, params int[] shape)
        => new(name, backend.Allocate(shape), backend.Allocate(shape));
}

/// <summary>Anything with trainable parameters.</summary>
public interface IHasParameters<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The parameters, in state_dict order.</summary>
    IReadOnlyList<Parameter<T>> Parameters { get; }
}
