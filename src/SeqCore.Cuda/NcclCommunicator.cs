using SeqCore.Cuda.Interop;
using SeqCore.Distributed;

namespace SeqCore.Cuda;

/// <summary>
/// An NCCL communicator over the ranks of an MPI job, one GPU per rank (the node-local rank picks the device),
/// bootstrapped through MPI: rank 0 makes the NCCL unique id and broadcasts it, then every rank joins with
/// <c>ncclCommInitRank</c>. As an <see cref="IDeviceAllReduce{T}"/> it sums tensors of a <see cref="CudaBackend{T}"/>
/// in place on that backend's stream (so after the copies queued before it), for
/// <see cref="DataParallelTrainable{T}"/>'s device buckets.
/// </summary>
/// <remarks>Tested without a GPU only as far as that goes: the library probe and its message, the id exchange, the
/// "no device" error and the refusal of a tensor not on a CUDA backend; the NCCL calls themselves need hardware
/// (docs/distributed.md).</remarks>
public sealed unsafe class NcclCommunicator : IDisposable, IDeviceAllReduce<float>, IDeviceAllReduce<double>
{
    private nint _comm;

    private NcclCommunicator(nint comm, int device)
    {
        _comm = comm;
        Device = device;
    }

    /// <summary>The CUDA device ordinal of this rank.</summary>
    public int Device { get; }

    /// <summary>NCCL's version and this rank's device, e.g. <c>NCCL 2.19.3 on cuda:1</c>.</summary>
    public string Description => $"NCCL {Nccl.Version() ?? "?"} on cuda:{Device}";

    /// <summary>Sums <paramref name="values"/>, a tensor of a <see cref="CudaBackend{T}"/> on this rank's device, over the
    /// ranks in place on the backend's stream.</summary>
    public void AllReduceSum(Tensor<float> values) => AllReduceSum(values, isDouble: false);

    /// <summary>Sums <paramref name="values"/>, a tensor of a <see cref="CudaBackend{T}"/> on this rank's device, over the
    /// ranks in place on the backend's stream.</summary>
    public void AllReduceSum(Tensor<double> values) => AllReduceSum(values, isDouble: true);

    private void AllReduceSum<T>(Tensor<T> values, bool isDouble) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Backend is not CudaBackend<T> cuda)
            throw new ArgumentException($"NcclCommunicator.AllReduceSum: the tensor of shape {values.ShapeText} is on '{values.Backend.Name}', not on a CUDA backend; NCCL sums device memory only.", nameof(values));
        ulong address = cuda.Ptr(values, "AllReduceSum", "values"); // element 0 of the view: storage + offset
        AllReduceSum(address, values.Length, isDouble, cuda.Device.QueueStream());
    }

    /// <summary>Whether NCCL loads here; <paramref name="detail"/> is its file and version, or why not.</summary>
    public static bool Probe(out string detail)
    {
        bool ok = Nccl.TryLoad();
        detail = ok ? $"{Nccl.Loaded} (NCCL {Nccl.Version() ?? "?"})" : Nccl.Problem!;
        return ok;
    }

    /// <summary>This process's rank among the ranks on its node: Open MPI's <c>OMPI_COMM_WORLD_LOCAL_RANK</c>, Slurm's
    /// <c>SLURM_LOCALID</c>, else <paramref name="rank"/>.</summary>
    public static int LocalRank(int rank)
    {
        foreach (string name in new[] { "OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID" })
            if (int.TryParse(Environment.GetEnvironmentVariable(name), out int local)) return local;
        return rank;
    }

    /// <summary>Joins the NCCL communicator of <paramref name="ranks"/> on the device of this rank's local rank.
    /// <see cref="CudaException"/> with one clear message when that device or NCCL is missing.</summary>
    public static NcclCommunicator Create(ICommunicator ranks)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        int device = LocalRank(ranks.Rank);
        var info = CudaDeviceInfo.Probe(device);
        if (!info.Available)
            throw new CudaException($"rank {ranks.Rank} has no CUDA device {device} (one GPU per rank, by local rank): {info.Reason}");
        if (!Nccl.TryLoad()) throw new CudaException(Nccl.Problem!);
        var id = new Nccl.UniqueId();
        if (ranks.Rank == 0) Nccl.Check(Nccl.GetUniqueId(&id), "ncclGetUniqueId");
        ExchangeId(ranks, id.Bytes);
        nint comm;
        Nccl.Check(Nccl.CommInitRank(&comm, ranks.Size, id, ranks.Rank), "ncclCommInitRank");
        return new NcclCommunicator(comm, device);
    }

    /// <summary>Gives every rank rank 0's unique id (NCCL's bootstrap through MPI).</summary>
    internal static void ExchangeId(ICommunicator ranks, Span<byte> id)
    {
        if (id.Length != Nccl.UniqueIdBytes) throw new ArgumentException($"an NCCL unique id has {Nccl.UniqueIdBytes} bytes, got {id.Length}.");
        ranks.Broadcast(id);
    }

    /// <summary>Sums <paramref name="count"/> values at device address <paramref name="buffer"/> over the ranks, in
    /// place, on <paramref name="stream"/> (0: the default stream).</summary>
    public void AllReduceSum(ulong buffer, long count, bool isDouble, nint stream = 0)
    {
        ObjectDisposedException.ThrowIf(_comm == 0, this);
        Nccl.Check(Nccl.AllReduce(buffer, buffer, (nuint)count, isDouble ? Nccl.Float64 : Nccl.Float32, Nccl.Sum, _comm, stream), "ncclAllReduce");
    }

    /// <summary>Destroys the communicator.</summary>
    public void Dispose()
    {
        if (_comm == 0) return;
        Nccl.CommDestroy(_comm);
        _comm = 0;
    }
}
