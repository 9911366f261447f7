using SeqCore.Cuda;
using SeqCore.Tests.Lifetimes;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// Tensor lifetimes on the CUDA backend (emulated device): disposing the backend releases every tensor; a tensor
/// collected undisposed is only queued by its finalizer and its device memory goes back to the cache at the backend's
/// next allocation, on the backend's thread; the leak test of <see cref="LeakRounds"/> keeps resident memory bounded.
/// </summary>
[NonParallelizable] // resident memory is process-wide
public class EmulatedLifetimeTests
{
    [Test]
    public void DisposingTheBackendReleasesEveryTensorAndView()
    {
        var gpu = CudaTestDevices.Emulated<float>();
        var root = gpu.FromHost([1f, 2, 3, 4, 5, 6], 2, 3);
        var view = root.Row(1).Reshape(3, 1);
        gpu.Dispose();
        Assert.That(gpu.LiveBytes, Is.EqualTo(0));
        Assert.That(gpu.CachedBytes, Is.EqualTo(0), "the cache is freed too");
        foreach (var t in new[] { root, view })
        {
            Assert.That(t.IsReleased, Is.True, t.ShapeText);
            var ex = Assert.Throws<ObjectDisposedException>(() => gpu.ToArray(t))!;
            Assert.That(ex.Message, Does.Contain(t.ShapeText).And.Contain($"its backend '{gpu.Name}' was disposed"));
        }
        Assert.DoesNotThrow(root.Dispose);
    }

    [Test]
    public void ACollectedTensorReturnsToTheCacheAtTheNextAllocation()
    {
        using var gpu = CudaTestDevices.Emulated<float>();
        long before = gpu.LiveBytes;
        var weak = LeakRounds.AllocateAndDrop(gpu, 1 << 18);
        ProcessMemory.CollectFully();
        Assert.That(weak.IsAlive, Is.False, "the backend does not keep a dropped tensor alive");
        Assert.That(gpu.LiveBytes, Is.EqualTo(before + (1 << 20)), "the finalizer only queues device memory");
        using var next = gpu.Allocate(1 << 18);
        Assert.That(gpu.LiveBytes, Is.EqualTo(before + (1 << 20)), "the queued block was returned, then reused");
        Assert.That(gpu.CachedBytes, Is.EqualTo(0));
    }

    [Test]
    public void ResidentMemoryStaysBoundedWhenTensorsAreDropped() =>
        LeakRounds.RunAndAssert(CudaTestDevices.Emulated<float>, dropABackendUndisposed: false);
}
