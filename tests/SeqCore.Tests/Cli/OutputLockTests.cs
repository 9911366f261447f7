using SeqCore.Cli;
using SeqCore.Cli.Outputs;

namespace SeqCore.Tests.Cli;

/// <summary>The run's lock <c>NAME.lock</c>: at most one holder at any moment, also when one run releases it (deleting
/// the file) at the very moment another opens it.</summary>
public class OutputLockTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDir()
    {
        _dir = Path.Combine(Path.GetTempPath(), "seqcore-lock-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown] public void RemoveDir() => Directory.Delete(_dir, true);

    [Test]
    public void Racing_acquirers_never_hold_the_lock_together()
    {
        string path = Path.Combine(_dir, "m.lock");
        const int Racers = 3, Rounds = 5000;
        int holders = 0, overlaps = 0;
        var taken = new int[Racers];
        using var start = new Barrier(Racers);
        var threads = Enumerable.Range(0, Racers).Select(r => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < Rounds; i++)
            {
                OutputLock held;
                try { held = OutputLock.Take(path, "--out"); }
                catch (UsageException) { continue; } // another racer holds it
                // A second holder, or a holder of a file no longer at the path (the next taker would create a new one and win).
                if (Interlocked.Increment(ref holders) > 1 || !File.Exists(path)) Interlocked.Increment(ref overlaps);
                taken[r]++;
                Thread.SpinWait(100);
                Interlocked.Decrement(ref holders);
                held.Dispose();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.That(overlaps, Is.Zero, "two racers held the lock at once, or one held a file already unlinked");
        Assert.That(taken, Has.All.GreaterThan(0), "every racer got the lock sometimes");
        Assert.That(File.Exists(path), Is.False, "the last holder removes the lock file");
    }

    [Test]
    public void A_held_lock_refuses_a_second_taker_naming_the_file()
    {
        string path = Path.Combine(_dir, "m.lock");
        using (OutputLock.Take(path, "--out"))
        {
            var e = Assert.Throws<UsageException>(() => OutputLock.Take(path, "--out"))!;
            Assert.That(e.Message, Does.Contain(path).And.Contain("another run"));
        }
        using (OutputLock.Take(path, "--out")) Assert.That(File.Exists(path), Is.True);
    }
}
