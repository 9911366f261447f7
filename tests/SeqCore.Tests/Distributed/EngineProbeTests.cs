using System.Text.Json;
using SeqCore.Cuda;
using SeqCore.Distributed;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Distributed;

/// <summary>The engines are probed with one clear message when missing: Open MPI's library, NCCL, the CUDA device of
/// a rank; NCCL's bootstrap hands rank 0's unique id to every rank. (NCCL itself needs a GPU: docs/distributed.md.)</summary>
public class EngineProbeTests
{
    private static bool MpirunInstalled => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "mpirun")));

    [Test]
    public void The_mpi_library_is_found_where_open_mpi_is_installed_and_named_when_not()
    {
        bool found = MpiCommunicator.Probe(out string detail);
        if (found) Assert.That(detail, Is.AnyOf("libmpi.so.40", "libmpi.so"));
        else
        {
            Assert.That(MpirunInstalled, Is.False, $"mpirun is installed but its library is not found: {detail}");
            Assert.That(detail, Does.Contain("no MPI library found").And.Contain("apt-get install openmpi-bin libopenmpi-dev"));
        }
    }

    [Test]
    public void Nccl_is_probed_with_its_version_or_one_clear_message()
    {
        bool found = NcclCommunicator.Probe(out string detail);
        Assert.That(detail, found ? Does.Contain("NCCL 2.") : Does.StartWith("NCCL is not installed (tried libnccl.so.2"));
    }

    [Test]
    public void Joining_nccl_without_a_gpu_names_the_rank_and_the_missing_device()
    {
        if (CudaDeviceInfo.Probe().Available) Assert.Ignore("a CUDA device is present: this test is for machines without one.");
        using var one = new SingleProcessCommunicator();
        var e = Assert.Throws<CudaException>(() => NcclCommunicator.Create(one));
        Assert.That(e!.Message, Does.StartWith("rank 0 has no CUDA device 0 (one GPU per rank, by local rank)"));
    }

    [Test]
    public void The_nccl_unique_id_of_rank_0_reaches_every_rank()
    {
        var group = new ThreadGroup(3);
        var ids = new byte[3][];
        group.Run(comm =>
        {
            var id = new byte[128];
            if (comm.Rank == 0) for (int i = 0; i < id.Length; i++) id[i] = (byte)(i * 7 + 1);
            NcclCommunicator.ExchangeId(comm, id);
            ids[comm.Rank] = id;
        });
        Assert.That(ids[1], Is.EqualTo(ids[0]));
        Assert.That(ids[2], Is.EqualTo(ids[0]));
        Assert.That(ids[0][5], Is.EqualTo(36));
    }

    [Test]
    public void Info_says_whether_mpi_and_nccl_are_found()
    {
        var (code, stdout, stderr) = CliRunner.Run("info", "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        using var doc = JsonDocument.Parse(stdout);
        var engines = doc.RootElement.GetProperty("distributed").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("available").GetBoolean());
        Assert.That(engines.Keys, Is.EquivalentTo(new[] { "mpi", "nccl" }));
        Assert.That(engines["mpi"], Is.EqualTo(MpiCommunicator.Probe(out _)));
        if (MpirunInstalled) Assert.That(engines["mpi"], Is.True);
    }
}
