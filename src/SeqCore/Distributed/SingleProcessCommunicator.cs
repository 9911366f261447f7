namespace SeqCore.Distributed;

/// <summary>A group of one: every collective call leaves its data as it is. What a run uses outside <c>mpirun</c>.</summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int Size => 1;

    /// <inheritdoc />
    public string Description => "one process";

    /// <inheritdoc />
    public void AllReduceSum(Span<double> values) { }

    /// <inheritdoc />
    public void AllReduceSum(Span<float> values) { }

    /// <inheritdoc />
    public void Broadcast(Span<double> values) { }

    /// <inheritdoc />
    public void Broadcast(Span<float> values) { }

    /// <inheritdoc />
    public void Broadcast(Span<byte> bytes) { }

    /// <inheritdoc />
    public void Barrier() { }

    /// <inheritdoc />
    public void Abort(int exitCode) => Environment.Exit(exitCode);

    /// <inheritdoc />
    public void Dispose() { }
}
