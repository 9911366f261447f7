using SeqCore.Cli.Options;
using SeqCore.Distributed;

namespace SeqCore.Cli.Training;

/// <summary>
/// What a training verb does differently under <c>mpirun</c>/<c>srun</c> (docs/distributed.md): joins the MPI job,
/// opens this rank's backend, and tells the kinds which rows of every batch are this rank's.
/// </summary>
internal static class DataParallelCli
{
    /// <summary>Steps between two weight checksums across the ranks.</summary>
    public const int ChecksumEvery = 50;

    /// <summary>How long a rank other than 0 waits before reporting bad input (see <see cref="TrainFlow"/>).</summary>
    public static readonly TimeSpan QuietRankDelay = TimeSpan.FromSeconds(3);

    /// <summary>The MPI job when this process was started by an MPI launcher, else a group of one; a missing or broken
    /// MPI library under a launcher is a <see cref="UsageException"/>.</summary>
    public static ICommunicator Open()
    {
        if (!MpiCommunicator.LaunchedByMpi) return new SingleProcessCommunicator();
        try { return MpiCommunicator.Initialize(); }
        catch (MpiException e) { throw new UsageException($"started by an MPI launcher, but MPI cannot start: {e.Message}"); }
    }

    /// <summary>The backend of this rank: as <see cref="BackendOption.Open{T}(OptionValues)"/> in one process; over
    /// several ranks, CUDA on the GPU of the node-local rank, and without <c>--threads</c> the CPU's cores shared out
    /// among the ranks on this node.</summary>
    public static IBackend<float> OpenBackend(ICommunicator communicator, OptionValues values)
    {
        if (communicator.Size == 1) return BackendOption.Open<float>(values);
        int local = SeqCore.Cuda.NcclCommunicator.LocalRank(communicator.Rank);
        int ranksHere = int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), out int n) && n > 0 ? n : communicator.Size;
        int threads = values.Find(CommonOptions.Threads) ?? Math.Max(1, Environment.ProcessorCount / ranksHere);
        return BackendOption.Open<float>(values.Get(CommonOptions.Backend), threads, device: local);
    }

    /// <summary>How the gradients of a run over several ranks are all-reduced: on the device through NCCL when the
    /// backend is CUDA and NCCL loads on every rank (null otherwise: host buckets through <paramref name="ranks"/>);
    /// <paramref name="path"/> says which, in one line for rank 0 to print. Called on every rank (NCCL's bootstrap is
    /// collective).</summary>
    public static SeqCore.Cuda.NcclCommunicator? OpenDeviceAllReduce(ICommunicator ranks, IBackend<float> backend, out string path)
    {
        string host = $"gradients: all-reduced through host buckets over {ranks.Description}";
        if (backend is not SeqCore.Cuda.CudaBackend<float>) { path = host; return null; }
        bool loads = SeqCore.Cuda.NcclCommunicator.Probe(out string detail);
        Span<double> loaded = [loads ? 1 : 0];
        ranks.AllReduceSum(loaded); // every rank takes the same path, or the collectives would not meet
        if (loaded[0] < ranks.Size)
        {
            path = $"{host} (NCCL unusable on {ranks.Size - loaded[0]:F0} of {ranks.Size} ranks{(loads ? "" : $": {detail}")})";
            return null;
        }
        SeqCore.Cuda.NcclCommunicator nccl;
        try { nccl = SeqCore.Cuda.NcclCommunicator.Create(ranks); }
        catch (SeqCore.Cuda.CudaException e) { throw new UsageException($"--backend cuda: NCCL cannot start: {e.Message}"); }
        path = $"gradients: all-reduced on the device with {nccl.Description} ({ranks.Size} ranks)";
        return nccl;
    }

    /// <summary>This rank's rows of every batch.</summary>
    public static BatchShard Shard(ICommunicator communicator) => new(communicator.Rank, communicator.Size);

    /// <summary>What every rank must agree on before training: the program's version, the settings that define the run
    /// and the data files' names and sizes.</summary>
    public static string Fingerprint(System.Text.Json.Nodes.JsonObject invocation, IEnumerable<string> inputs)
    {
        string version = typeof(DataParallelCli).Assembly.GetName().Version?.ToString() ?? "?";
        var files = inputs.Where(f => f.Length > 0).Select(f => $"{Path.GetFileName(f)}:{(File.Exists(f) ? new FileInfo(f).Length : -1)}");
        return $"{version}\n{invocation.ToJsonString()}\n{string.Join("\n", files)}";
    }

    /// <summary>Checks that <paramref name="batch"/> splits evenly over the ranks, naming <c>--batch</c>.</summary>
    public static void CheckBatch(BatchShard shard, int batch)
    {
        try { shard.Of(batch); }
        catch (ArgumentException e) { throw new UsageException($"--batch: {e.Message}"); }
    }
}
