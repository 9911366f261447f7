namespace SeqCore.Distributed;

/// <summary>
/// The group of processes a data-parallel run trains in: this process's rank, the number of ranks, and the collective
/// calls the run needs. Every rank must make the same calls in the same order with the same lengths (MPI's rule).
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1. Rank 0 prints and writes files.</summary>
    int Rank { get; }

    /// <summary>Number of ranks.</summary>
    int Size { get; }

    /// <summary>What the ranks run on, in words (e.g. <c>Open MPI (libmpi.so.40)</c>).</summary>
    string Description { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks.</summary>
    void AllReduceSum(Span<double> values);

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks.</summary>
    void AllReduceSum(Span<float> values);

    /// <summary>Copies rank 0's <paramref name="values"/> to every other rank.</summary>
    void Broadcast(Span<double> values);

    /// <summary>Copies rank 0's <paramref name="values"/> to every other rank.</summary>
    void Broadcast(Span<float> values);

    /// <summary>Copies rank 0's <paramref name="bytes"/> to every other rank.</summary>
    void Broadcast(Span<byte> bytes);

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();

    /// <summary>Ends every rank of the job with <paramref name="exitCode"/> (for a fault that only one rank sees).</summary>
    void Abort(int exitCode);
}
