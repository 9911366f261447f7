using SeqCore.IO;

namespace SeqCore.Tests.IO;

/// <summary><see cref="AtomicFile"/>: a write removes the temporary files that dead processes left in its folder and
/// leaves those of running processes alone.</summary>
public class AtomicFileTests
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "seqcore-atomic-" + Guid.NewGuid().ToString("N")));
    [TearDown] public void RemoveDir() => Directory.Delete(_dir, true);

    [Test]
    public void A_write_removes_the_temporary_files_of_dead_processes_in_its_folder()
    {
        // No process has this id (above every platform's process-id limit).
        const int deadPid = 2_000_000_000;
        string dead = Path.Combine(_dir, $"m.safetensors.tmp-{deadPid}-{Guid.NewGuid():N}");
        string live = Path.Combine(_dir, $"m.safetensors.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string unrelated = Path.Combine(_dir, "notes.tmp-1-draft");
        foreach (string f in new[] { dead, live, unrelated }) File.WriteAllText(f, "partial");

        AtomicFile.WriteAllText(Path.Combine(_dir, "other.txt"), "hello");

        Assert.That(File.Exists(dead), Is.False, "a dead process's temporary file is removed");
        Assert.That(File.Exists(live), "a running process's temporary file is kept");
        Assert.That(File.Exists(unrelated), "a file not named like the writer's temporary files is kept");
        Assert.That(File.ReadAllText(Path.Combine(_dir, "other.txt")), Is.EqualTo("hello"));
    }
}
