using System.Numerics;

namespace SeqCore.Distributed;

/// <summary>
/// Sums tensors that live on a backend's device over the ranks of a data-parallel run, without copying them to the host
/// (NCCL on GPUs). <see cref="DataParallelTrainable{T}"/> packs the gradients into one device bucket per call. Every
/// rank must call it in the same order with the same lengths, like <see cref="ICommunicator"/>.
/// </summary>
public interface IDeviceAllReduce<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>What the sum runs on, in words (e.g. <c>NCCL 2.19.3 on cuda:0</c>).</summary>
    string Description { get; }

    /// <summary>Replaces <paramref name="values"/> (a tensor of this rank's backend, possibly a view) on every rank
    /// by the element-wise sum over all ranks, in place, ordered after the work already queued on that backend.</summary>
    void AllReduceSum(Tensor<T> values);
}
