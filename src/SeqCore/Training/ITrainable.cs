using System.Numerics;
using SeqCore.Layers;

namespace SeqCore.Training;

/// <summary>The loss of one batch and how many items (tokens, samples, windows) it averaged over.</summary>
/// <param name="Loss">Mean loss over the batch's items.</param>
/// <param name="Items">Items in the batch; the trainer reports throughput as items per second.</param>
public readonly record struct BatchLoss(double Loss, long Items);

/// <summary>
/// A model together with its data, as the <see cref="Trainer{T}"/> sees it: it can run one training batch
/// (forward and backward, gradients added into <see cref="Parameter{T}.Gradient"/>) and evaluate on held-out data.
/// How batches are drawn, and any state carried between them (e.g. truncated BPTT's hidden state), is its own business.
/// </summary>
/// <remarks>Disposing a trainable frees what it allocated itself (batch tensors, carried state), never the model it
/// trains: the model is the caller's to dispose.</remarks>
public interface ITrainable<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>What an item is, for progress output: <c>tokens</c>, <c>windows</c>, <c>samples</c> ….</summary>
    string ItemUnit { get; }

    /// <summary>Runs forward and backward on the next training batch (step numbers start at 1) and returns its mean
    /// loss. Gradients are added to the parameters' gradients, which the trainer has zeroed.</summary>
    BatchLoss TrainBatch(int step);

    /// <summary>Whether <see cref="TrainBatch"/> adds the gradient of the loss summed over its items (word2vec) rather
    /// than of their mean (every other kind); data-parallel training sums such gradients over the ranks instead of
    /// averaging them.</summary>
    bool GradientIsSum => false;

    /// <summary>Mean loss over the held-out data (no gradients, no dropout), or null when there is none.</summary>
    BatchLoss? Evaluate();
}
