using System.Runtime.CompilerServices;
using SeqCore.Cpu;

namespace SeqCore.Tests.Lifetimes;

/// <summary>
/// Who frees a CPU tensor's memory: <see cref="Tensor{T}.Dispose"/>, disposing the backend, or (as a safety net) the
/// collector for a tensor or a backend dropped undisposed. The leak test (<see cref="LeakRounds"/>) allocates
/// 100 × 16 MB per round and asserts that the resident memory stays bounded.
/// </summary>
[NonParallelizable] // resident memory is process-wide
public class TensorLifetimeTests
{
    private static CpuBackend<float> NewBackend() => new(new CpuBackendOptions { Threads = 1 });

    [Test]
    public void DisposingTheBackendReleasesEveryTensorAndView()
    {
        var b = NewBackend();
        var root = b.FromHost([1f, 2, 3, 4, 5, 6], 2, 3);
        var row = root.Row(1);
        var reshaped = row.Reshape(3, 1);
        b.Dispose();
        Assert.That(b.LiveBytes, Is.EqualTo(0));
        foreach (var t in new[] { root, row, reshaped })
        {
            Assert.That(t.IsReleased, Is.True, t.ShapeText);
            var ex = Assert.Throws<ObjectDisposedException>(() => b.ToArray(t))!;
            Assert.That(ex.Message, Does.Contain(t.ShapeText).And.Contain("its backend 'cpu' was disposed"));
            Assert.That(Assert.Throws<ObjectDisposedException>(() => t.ThrowIfReleased("h"))!.Message,
                Does.Contain("'h'").And.Contain(t.ShapeText).And.Contain("was disposed"));
            Assert.Throws<ObjectDisposedException>(() => t.Slice(0, 1));
        }
        Assert.DoesNotThrow(root.Dispose, "disposing a tensor after its backend is a no-op");
        Assert.DoesNotThrow(b.Dispose, "disposing a backend twice is a no-op");
        Assert.Throws<ObjectDisposedException>(() => b.Allocate(1));
    }

    [Test]
    public void TheBackendDoesNotKeepADroppedTensorAlive()
    {
        using var b = NewBackend();
        var weak = LeakRounds.AllocateAndDrop(b, 1000);
        ProcessMemory.CollectFully();
        Assert.That(weak.IsAlive, Is.False);
    }

    [Test]
    public void ACollectedTensorIsFreedAtTheBackendsNextAllocation()
    {
        using var b = NewBackend();
        long before = b.LiveBytes;
        LeakRounds.AllocateAndDrop(b, 1 << 18);
        ProcessMemory.CollectFully();
        Assert.That(b.LiveBytes, Is.EqualTo(before + (1 << 20)), "retired by its finalizer, not yet freed: the backend frees on its own thread");
        using var next = b.Allocate(16);
        Assert.That(b.LiveBytes, Is.EqualTo(before + 64), "freed by the next allocation");
    }

    [Test]
    public void AnUndisposedBackendWithNoLiveTensorsIsCollected()
    {
        var weak = DropBackendKeepingNothing();
        ProcessMemory.CollectFully();
        Assert.That(weak.IsAlive, Is.False, "an undisposed backend whose tensors are all dropped is collected (its worker threads do not keep it alive)");
    }

    [Test]
    public void ResidentMemoryStaysBoundedWhenTensorsAndBackendsAreDropped() =>
        LeakRounds.RunAndAssert(NewBackend, dropABackendUndisposed: true);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference DropBackendKeepingNothing()
    {
        var backend = new CpuBackend<float>(new CpuBackendOptions { Threads = 2 }); // worker threads and GEMM workspaces too
        var a = backend.Allocate(256, 256).Reshape(256, 256);
        backend.MatMul(a, a, backend.Allocate(256, 256));
        return new WeakReference(backend);
    }
}
