using SeqCore.Distributed;

namespace SeqCore.Tests.Distributed;

/// <summary>
/// N ranks as N threads of one process, for library tests of data-parallel training without MPI: every collective
/// call meets the others at a barrier; sums are taken in rank order, so every rank gets the same bits.
/// </summary>
internal sealed class ThreadGroup(int size)
{
    private readonly Barrier _barrier = new(size);
    private readonly object?[] _slots = new object?[size];

    public int Size => size;

    public ICommunicator Rank(int rank) => new Member(this, rank);

    /// <summary>Runs <paramref name="body"/> on every rank, each on its own thread, and rethrows the first failure.</summary>
    public void Run(Action<ICommunicator> body)
    {
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(r => new Thread(() =>
        {
            try { body(Rank(r)); }
            catch (Exception e) { errors[r] = e; _barrier.RemoveParticipant(); }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        if (errors.FirstOrDefault(e => e is not null) is { } first) throw first;
    }

    private void AllReduce<TValue>(int rank, Span<TValue> values, Func<TValue, TValue, TValue> add)
    {
        _slots[rank] = values.ToArray();
        _barrier.SignalAndWait();
        var sum = ((TValue[])_slots[0]!).ToArray();
        for (int r = 1; r < size; r++)
        {
            var other = (TValue[])_slots[r]!;
            for (int i = 0; i < sum.Length; i++) sum[i] = add(sum[i], other[i]);
        }
        _barrier.SignalAndWait();
        sum.CopyTo(values);
    }

    private void Broadcast<TValue>(int rank, Span<TValue> values)
    {
        if (rank == 0) _slots[0] = values.ToArray();
        _barrier.SignalAndWait();
        ((TValue[])_slots[0]!).CopyTo(values);
        _barrier.SignalAndWait();
    }

    private sealed class Member(ThreadGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;
        public int Size => group.Size;
        public string Description => $"{group.Size} threads";
        public void AllReduceSum(Span<double> values) => group.AllReduce(rank, values, (a, b) => a + b);
        public void AllReduceSum(Span<float> values) => group.AllReduce(rank, values, (a, b) => a + b);
        public void Broadcast(Span<double> values) => group.Broadcast(rank, values);
        public void Broadcast(Span<float> values) => group.Broadcast(rank, values);
        public void Broadcast(Span<byte> bytes) => group.Broadcast(rank, bytes);
        public void Barrier() => group._barrier.SignalAndWait();
        public void Abort(int exitCode) => throw new InvalidOperationException($"rank {rank} aborted with {exitCode}");
        public void Dispose() { }
    }
}
