using System.Numerics;
using System.Runtime.InteropServices;
using SeqCore.Layers;
using SeqCore.Training;

namespace SeqCore.Distributed;

/// <summary>
/// Data-parallel training of any <see cref="ITrainable{T}"/> whose batches are sharded by <see cref="BatchShard"/>: wraps
/// this rank's trainable so that <see cref="TrainBatch"/> returns what one process training on the whole global batch
/// would — the gradients all-reduced over the ranks and averaged, the loss and item count reduced — and every rank's
/// optimizer then takes the same step. The <see cref="Trainer{T}"/> clips and checks for NaN after
/// <see cref="TrainBatch"/>, so it sees the global gradient on every rank.
/// </summary>
/// <remarks>
/// <para>Weights: rank 0's initial weights are broadcast when the wrapper is made. Every <c>checksumEvery</c> steps the
/// ranks compare a 64-bit hash of their weights' bits and stop together with a
/// <see cref="RankMismatchException"/> naming the step when any differs from rank 0's.</para>
/// <para>Averaging: rank r's gradient is the mean over its items, so it is weighted by its share of the items,
/// <c>items_r / Σ items</c>, before the sum: the result is the mean over the global batch's items. A trainable whose
/// gradient is of the summed loss (<see cref="ITrainable{T}.GradientIsSum"/>) is summed unweighted.</para>
/// <para>Buckets: the gradients are copied into host buffers of at most <c>bucketElements</c> values, tensor after tensor
/// (a tensor may span two buckets), and each bucket is one all-reduce. Given an <see cref="IDeviceAllReduce{T}"/>, the
/// bucket is a tensor on the backend instead: the gradients are copied into its slices, scaled and all-reduced there
/// and copied back, with no host round trip (same buckets, same averaging); the loss, item count, stop flag, clock and
/// checksums still go through <see cref="ICommunicator"/>.</para>
/// <para>Evaluation runs on every rank on the whole held-out set (same weights, same result), so early stopping and the
/// best weights agree across ranks without communication.</para>
/// </remarks>
public sealed class DataParallelTrainable<T> : ITrainable<T>, IResumableTrainable, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ITrainable<T> _inner;
    private readonly ICommunicator _comm;
    private readonly IBackend<T> _backend;
    private readonly int _checksumEvery;
    private readonly T[] _bucket;
    private readonly IDeviceAllReduce<T>? _deviceReduce;
    private readonly Tensor<T>? _deviceBucket;
    private readonly CancellationToken _stopRequest;
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Diagnostics.Stopwatch _communication = new(), _compute = new(), _clock = new();
    private Dictionary<string, (int[] Shape, double[] Data)>? _gatheredRows;

    /// <summary>Wraps this rank's <paramref name="inner"/> trainable and broadcasts rank 0's weights.
    /// <paramref name="stopRequest"/> (e.g. a signal seen by this rank) cancels <see cref="Stop"/> on every rank after
    /// the same step. With <paramref name="deviceAllReduce"/>, the gradients are all-reduced on the backend's device
    /// (see the remarks).</summary>
    public DataParallelTrainable(ITrainable<T> inner, IBackend<T> backend, ICommunicator communicator, int checksumEvery = 100,
        int bucketElements = 1 << 20, CancellationToken stopRequest = default, IDeviceAllReduce<T>? deviceAllReduce = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(communicator);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) throw new NotSupportedException($"DataParallelTrainable: {typeof(T).Name} cannot be all-reduced; use float or double.");
        if (checksumEvery < 0 || bucketElements <= 0) throw new ArgumentOutOfRangeException(nameof(checksumEvery), $"DataParallelTrainable: checksumEvery must be ≥ 0 and bucketElements positive, got {checksumEvery} and {bucketElements}.");
        _inner = inner;
        _comm = communicator;
        _backend = backend;
        _checksumEvery = checksumEvery;
        _stopRequest = stopRequest;
        long total = inner.Parameters.Sum(p => p.Value.Length);
        int bucketLength = (int)Math.Clamp(total, 1, bucketElements);
        _deviceReduce = deviceAllReduce;
        _bucket = deviceAllReduce is null ? new T[bucketLength] : [];
        _deviceBucket = deviceAllReduce is null ? null : backend.Allocate(bucketLength);
        BroadcastWeights();
    }

    /// <summary>Values all-reduced per step (every gradient element once).</summary>
    public long GradientElements => _inner.Parameters.Sum(p => p.Gradient.Length);

    /// <summary>All-reduce calls per step for the gradients.</summary>
    public int BucketsPerStep => (int)((GradientElements + BucketLength - 1) / BucketLength);

    private int BucketLength => _deviceBucket is null ? _bucket.Length : (int)_deviceBucket.Length;

    /// <summary>Cancelled on every rank after the step in which any rank's stop request was seen: the token to run the
    /// trainer with, so that all ranks stop after the same step.</summary>
    public CancellationToken Stop => _stop.Token;

    /// <summary>Wall time spent in this rank's forward and backward passes (<see cref="TrainBatch"/> of the wrapped
    /// trainable) so far.</summary>
    public TimeSpan ComputeTime => _compute.Elapsed;

    /// <summary>Wall time spent reducing (packing the gradients into buckets, the all-reduces, waiting for the slowest
    /// rank) so far.</summary>
    public TimeSpan CommunicationTime => _communication.Elapsed;

    /// <summary>Rank 0's training time, agreed in each step's all-reduce (from the first step on): the clock of the
    /// time budget (<see cref="TrainerOptions.Clock"/>), so that every rank stops after the same step.</summary>
    public TimeSpan AgreedTime { get; private set; }

    /// <inheritdoc />
    public string ItemUnit => _inner.ItemUnit;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> Parameters => _inner.Parameters;

    /// <inheritdoc />
    public BatchLoss TrainBatch(int step)
    {
        if (_checksumEvery > 0 && step > 1 && (step - 1) % _checksumEvery == 0) CompareWeights(step - 1);
        _clock.Start();
        _compute.Start();
        var local = _inner.TrainBatch(step);
        _compute.Stop();
        _communication.Start();
        Span<double> sums = [local.Loss * local.Items, local.Items, _stopRequest.IsCancellationRequested ? 1 : 0,
            _comm.Rank == 0 ? _clock.Elapsed.TotalSeconds : 0];
        _comm.AllReduceSum(sums);
        AgreedTime = TimeSpan.FromSeconds(sums[3]);
        if (sums[2] > 0)
        {
            _stop.Cancel();
            GatherRows(); // the run stops after this step and writes its checkpoint
        }
        double totalItems = sums[1];
        if (totalItems <= 0) throw new InvalidOperationException($"DataParallelTrainable: step {step} trained on no items on any rank.");
        ReduceGradients(_inner.GradientIsSum ? T.One : T.CreateChecked(local.Items / totalItems));
        _communication.Stop();
        return new BatchLoss(sums[0] / totalItems, (long)totalItems);
    }

    /// <inheritdoc />
    /// <remarks>Every rank evaluates at the same steps, and a checkpoint is written only after an evaluation (or after
    /// the step a stop was agreed in): the moment to gather the ranks' row state for it.</remarks>
    public BatchLoss? Evaluate()
    {
        GatherRows();
        return _inner.Evaluate();
    }

    /// <inheritdoc />
    public bool GradientIsSum => _inner.GradientIsSum;

    /// <inheritdoc />
    /// <remarks>The inner trainable's state, with its row tensors (<see cref="TrainableState.RowAxes"/>) gathered from
    /// every rank at the last evaluation (or agreed stop): the state one process training the whole batch would save.
    /// Called on rank 0 alone, when it writes a checkpoint.</remarks>
    public void SaveState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (_inner is not IResumableTrainable inner) return;
        inner.SaveState(state);
        if (state.RowAxes.Count == 0) return;
        if (_gatheredRows is null) throw new InvalidOperationException("DataParallelTrainable.SaveState: the ranks' row state was not gathered (a checkpoint is written after an evaluation or an agreed stop).");
        foreach (var (key, tensor) in _gatheredRows) state.Tensors[key] = tensor;
        state.RowAxes.Clear();
    }

    /// <inheritdoc />
    /// <remarks>Called on every rank (each reads the same checkpoint): a row tensor saved for the whole batch is cut to
    /// this rank's rows, so a run resumes exactly on any number of ranks whose shards make up the same batch.</remarks>
    public void RestoreState(TrainableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (_inner is not IResumableTrainable inner) return;
        var current = new TrainableState();
        inner.SaveState(current);
        foreach (var (key, axis) in current.RowAxes)
        {
            var (shape, _) = current.Tensors[key];
            var (first, total) = RowOffsets(shape[axis]);
            if (!state.Tensors.TryGetValue(key, out var saved)) continue; // the inner trainable names what is missing
            var expected = (int[])shape.Clone();
            expected[axis] = total;
            if (!saved.Shape.SequenceEqual(expected))
                throw new InvalidDataException($"the saved state '{key}' has shape [{string.Join(", ", saved.Shape)}], the ranks together hold [{string.Join(", ", expected)}] (another batch?).");
            state.Tensors[key] = (shape, Rows(saved.Data, expected, axis, first, shape[axis]));
        }
        inner.RestoreState(state);
    }

    /// <summary>Sums every rank's rows of each row tensor into the whole batch's (zeros elsewhere, so the sum is exact).</summary>
    private void GatherRows()
    {
        if (_inner is not IResumableTrainable inner) return;
        var local = new TrainableState();
        inner.SaveState(local);
        var gathered = new Dictionary<string, (int[] Shape, double[] Data)>();
        foreach (var (key, axis) in local.RowAxes.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var (shape, data) = local.Tensors[key];
            int rows = shape[axis];
            var (first, total) = RowOffsets(rows);
            var whole = (int[])shape.Clone();
            whole[axis] = total;
            var buffer = new double[whole.Aggregate(1L, (a, d) => a * d)];
            long inner1 = shape.Skip(axis + 1).Aggregate(1L, (a, d) => a * d), outer = shape.Take(axis).Aggregate(1L, (a, d) => a * d);
            for (long o = 0; o < outer; o++)
                Array.Copy(data, o * rows * inner1, buffer, (o * total + first) * inner1, rows * inner1);
            _comm.AllReduceSum(buffer);
            gathered[key] = (whole, buffer);
        }
        _gatheredRows = gathered;
    }

    /// <summary>This rank's first row and the rows of all ranks together, for a rank holding <paramref name="rows"/>.</summary>
    private (int First, int Total) RowOffsets(int rows)
    {
        var counts = new double[_comm.Size];
        counts[_comm.Rank] = rows;
        _comm.AllReduceSum(counts);
        int first = (int)counts.Take(_comm.Rank).Sum();
        return (first, (int)counts.Sum());
    }

    private static double[] Rows(double[] whole, int[] wholeShape, int axis, int first, int rows)
    {
        long inner = wholeShape.Skip(axis + 1).Aggregate(1L, (a, d) => a * d), outer = wholeShape.Take(axis).Aggregate(1L, (a, d) => a * d);
        int total = wholeShape[axis];
        var part = new double[outer * rows * inner];
        for (long o = 0; o < outer; o++)
            Array.Copy(whole, (o * total + first) * inner, part, o * rows * inner, rows * inner);
        return part;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Dispose();
        _deviceBucket?.Dispose();
    }

    /// <summary>Stops every rank with a <see cref="RankMismatchException"/> when any rank's weights differ from rank 0's
    /// (bit for bit) after <paramref name="step"/>.</summary>
    public void CompareWeights(int step)
    {
        ulong hash = WeightHash();
        Span<byte> root = stackalloc byte[sizeof(ulong)];
        BitConverter.TryWriteBytes(root, hash);
        _comm.Broadcast(root);
        Span<double> differing = [BitConverter.ToUInt64(root) == hash ? 0 : 1];
        _comm.AllReduceSum(differing);
        if (differing[0] > 0)
            throw new RankMismatchException(step, $"Training stopped after step {step}: the weights of {differing[0]:F0} of {_comm.Size} ranks differ from rank 0's (checksum).");
    }

    private void BroadcastWeights()
    {
        foreach (var p in _inner.Parameters)
        {
            var host = new T[p.Value.Length];
            if (_comm.Rank == 0) _backend.CopyToHost(p.Value, host);
            Broadcast(host);
            if (_comm.Rank != 0) _backend.CopyFromHost(host, p.Value);
        }
    }

    /// <summary>Scales this rank's gradients by <paramref name="share"/> and sums them over the ranks, bucket by bucket.</summary>
    private void ReduceGradients(T share)
    {
        var parameters = _inner.Parameters;
        var pending = new List<(Tensor<T> Gradient, long From, int Count, int At)>();
        int filled = 0;
        foreach (var p in parameters)
        {
            var g = p.Gradient;
            long done = 0;
            while (done < g.Length)
            {
                int count = (int)Math.Min(g.Length - done, BucketLength - filled);
                pending.Add((g, done, count, filled));
                filled += count;
                done += count;
                if (filled == BucketLength) { Flush(pending, filled, share); filled = 0; }
            }
        }
        if (filled > 0) Flush(pending, filled, share);
    }

    private void Flush(List<(Tensor<T> Gradient, long From, int Count, int At)> pending, int filled, T share)
    {
        if (_deviceBucket is not null) { FlushOnDevice(_deviceBucket, pending, filled, share); return; }
        var bucket = _bucket.AsSpan(0, filled);
        foreach (var (g, from, count, at) in pending) CopyOut(g, from, bucket.Slice(at, count));
        for (int i = 0; i < bucket.Length; i++) bucket[i] *= share;
        AllReduce(bucket);
        foreach (var (g, from, count, at) in pending) CopyIn(bucket.Slice(at, count), g, from);
        pending.Clear();
    }

    /// <summary><see cref="Flush"/> with the bucket on the device: the same slices, scale and sum, without the host.</summary>
    private void FlushOnDevice(Tensor<T> bucket, List<(Tensor<T> Gradient, long From, int Count, int At)> pending, int filled, T share)
    {
        var used = bucket.Slice(0, filled);
        foreach (var (g, from, count, at) in pending) _backend.Copy(g.Reshape((int)g.Length).Slice(from, count), used.Slice(at, count));
        _backend.Scale(used, share, used);
        _deviceReduce!.AllReduceSum(used);
        foreach (var (g, from, count, at) in pending) _backend.Copy(used.Slice(at, count), g.Reshape((int)g.Length).Slice(from, count));
        pending.Clear();
    }

    private void CopyOut(Tensor<T> g, long from, Span<T> destination)
    {
        if (from == 0 && destination.Length == g.Length) { _backend.CopyToHost(g, destination); return; }
        var whole = new T[g.Length];
        _backend.CopyToHost(g, whole);
        whole.AsSpan((int)from, destination.Length).CopyTo(destination);
    }

    private void CopyIn(ReadOnlySpan<T> source, Tensor<T> g, long from)
    {
        if (from == 0 && source.Length == g.Length) { _backend.CopyFromHost(source, g); return; }
        var whole = new T[g.Length];
        _backend.CopyToHost(g, whole);
        source.CopyTo(whole.AsSpan((int)from));
        _backend.CopyFromHost(whole, g);
    }

    private ulong WeightHash()
    {
        // FNV-1a over the bytes of every weight, in parameter order: the same bits give the same hash in every process.
        ulong hash = 14695981039346656037UL;
        foreach (var p in _inner.Parameters)
        {
            var host = new T[p.Value.Length];
            _backend.CopyToHost(p.Value, host);
            foreach (byte b in MemoryMarshal.AsBytes(host.AsSpan())) hash = (hash ^ b) * 1099511628211UL;
        }
        return hash;
    }

    private void AllReduce(Span<T> values)
    {
        if (typeof(T) == typeof(double)) _comm.AllReduceSum(MemoryMarshal.Cast<T, double>(values));
        else _comm.AllReduceSum(MemoryMarshal.Cast<T, float>(values));
    }

    private void Broadcast(Span<T> values)
    {
        if (typeof(T) == typeof(double)) _comm.Broadcast(MemoryMarshal.Cast<T, double>(values));
        else _comm.Broadcast(MemoryMarshal.Cast<T, float>(values));
    }
}

/// <summary>The ranks of a data-parallel run no longer hold the same weights (or were started differently).</summary>
public sealed class RankMismatchException(int step, string message) : Exception(message)
{
    /// <summary>The step after which the mismatch was found (0: at the start).</summary>
    public int Step { get; } = step;
}
