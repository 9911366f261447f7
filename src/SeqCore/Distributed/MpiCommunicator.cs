namespace SeqCore.Distributed;

/// <summary>
/// The ranks of an MPI job (<c>mpirun -np N …</c> or <c>srun …</c>) as an <see cref="ICommunicator"/>, over
/// <c>MPI_COMM_WORLD</c>. Initializes MPI (funneled: only the thread that made it calls MPI) and finalizes it on
/// <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    // MPI counts are ints; longer spans go in pieces.
    private const int MaxCount = 1 << 30;
    private bool _finalized;

    private MpiCommunicator(int rank, int size)
    {
        Rank = rank;
        Size = size;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <inheritdoc />
    public string Description => $"Open MPI ({MpiLibrary.Loaded}), {Size} ranks";

    /// <summary>Whether this process was started by an MPI launcher: <c>mpirun</c>/<c>mpiexec</c> of Open MPI
    /// (<c>OMPI_COMM_WORLD_SIZE</c>) or a PMIx/PMI launcher such as Slurm's <c>srun --mpi=pmix</c>
    /// (<c>PMIX_RANK</c>, <c>PMI_RANK</c>).</summary>
    public static bool LaunchedByMpi =>
        new[] { "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK" }.Any(v => Environment.GetEnvironmentVariable(v) is not null);

    /// <summary>Whether an MPI library loads here; <paramref name="detail"/> is its file name or why not.</summary>
    public static bool Probe(out string detail)
    {
        bool ok = MpiLibrary.TryLoad();
        detail = ok ? MpiLibrary.Loaded! : MpiLibrary.Problem!;
        return ok;
    }

    /// <summary>Initializes MPI and joins <c>MPI_COMM_WORLD</c>; <see cref="MpiException"/> when the library is missing
    /// or initialization fails.</summary>
    public static MpiCommunicator Initialize()
    {
        if (!MpiLibrary.TryLoad()) throw new MpiException(MpiLibrary.Problem!);
        int initialized = 0, provided = 0, rank = 0, size = 0;
        MpiLibrary.Check(MpiLibrary.Initialized(&initialized), "MPI_Initialized");
        if (initialized == 0)
            MpiLibrary.Check(MpiLibrary.InitThread(null, 0, MpiLibrary.ThreadFunneled, &provided), "MPI_Init_thread");
        MpiLibrary.Check(MpiLibrary.CommRank(MpiLibrary.CommWorld, &rank), "MPI_Comm_rank");
        MpiLibrary.Check(MpiLibrary.CommSize(MpiLibrary.CommWorld, &size), "MPI_Comm_size");
        return new MpiCommunicator(rank, size);
    }

    /// <inheritdoc />
    public void AllReduceSum(Span<double> values) => AllReduce(values, MpiLibrary.Double);

    /// <inheritdoc />
    public void AllReduceSum(Span<float> values) => AllReduce(values, MpiLibrary.Float);

    /// <inheritdoc />
    public void Broadcast(Span<double> values) => Bcast(values, MpiLibrary.Double);

    /// <inheritdoc />
    public void Broadcast(Span<float> values) => Bcast(values, MpiLibrary.Float);

    /// <inheritdoc />
    public void Broadcast(Span<byte> bytes) => Bcast(bytes, MpiLibrary.Byte);

    /// <inheritdoc />
    public void Barrier() => MpiLibrary.Check(MpiLibrary.Barrier(MpiLibrary.CommWorld), "MPI_Barrier");

    /// <inheritdoc />
    public void Abort(int exitCode)
    {
        MpiLibrary.Abort(MpiLibrary.CommWorld, exitCode);
        Environment.Exit(exitCode); // MPI_Abort does not return; this is for a library that does
    }

    private static void AllReduce<TValue>(Span<TValue> values, nint type) where TValue : unmanaged
    {
        for (int start = 0; start < values.Length; start += MaxCount)
        {
            var piece = values.Slice(start, Math.Min(MaxCount, values.Length - start));
            fixed (TValue* p = piece)
                MpiLibrary.Check(MpiLibrary.Allreduce(MpiLibrary.InPlace, p, piece.Length, type, MpiLibrary.OpSum, MpiLibrary.CommWorld), "MPI_Allreduce");
        }
    }

    private static void Bcast<TValue>(Span<TValue> values, nint type) where TValue : unmanaged
    {
        for (int start = 0; start < values.Length; start += MaxCount)
        {
            var piece = values.Slice(start, Math.Min(MaxCount, values.Length - start));
            fixed (TValue* p = piece)
                MpiLibrary.Check(MpiLibrary.Bcast(p, piece.Length, type, 0, MpiLibrary.CommWorld), "MPI_Bcast");
        }
    }

    /// <summary>Finalizes MPI (once).</summary>
    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        int done = 0;
        if (MpiLibrary.Finalized(&done) == MpiLibrary.Success && done == 0) MpiLibrary.Finalize();
    }
}
