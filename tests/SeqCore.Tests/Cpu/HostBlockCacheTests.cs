using SeqCore.Cpu;

namespace SeqCore.Tests.Cpu;

/// <summary>The CPU backend's cache of freed large blocks: size classes, best fit, its limit, and that a reused block
/// comes back cleared.</summary>
public class HostBlockCacheTests
{
    [Test]
    public void Sizes_round_up_to_eight_classes_per_power_of_two_from_one_mebibyte()
    {
        Assert.That(HostBlockCache.Rounded(1000), Is.EqualTo(1000), "small blocks are not rounded");
        Assert.That(HostBlockCache.Rounded(1 << 20), Is.EqualTo(1 << 20));
        Assert.That(HostBlockCache.Rounded((1 << 20) + 1), Is.EqualTo((1 << 20) + (1 << 17)));
        Assert.That(HostBlockCache.Rounded(3_000_000), Is.EqualTo(3_145_728), "a multiple of 2^21 / 8 = 262,144");
        for (long b = 1 << 20; b < 1 << 26; b = b * 5 / 4 + 12345)
            Assert.That(HostBlockCache.Rounded(b), Is.GreaterThanOrEqualTo(b).And.LessThanOrEqualTo(b + b / 8), $"{b} bytes");
    }

    [Test]
    public void Take_gives_the_smallest_block_that_fits_within_one_and_a_half_times_and_keep_respects_the_limit()
    {
        var cache = new HostBlockCache();
        const long MiB = 1 << 20;
        Assert.That(cache.Keep(1, 4 * MiB, limit: 20 * MiB), Is.True);
        Assert.That(cache.Keep(2, 2 * MiB, limit: 20 * MiB), Is.True);
        Assert.That(cache.Keep(3, 3 * MiB, limit: 20 * MiB), Is.True);
        Assert.That(cache.Keep(4, 12 * MiB, limit: 20 * MiB), Is.False, "9 MiB cached + 12 would pass the limit");
        Assert.That(cache.Keep(5, MiB / 2, limit: 20 * MiB), Is.False, "blocks under 1 MiB are not cached");
        Assert.That(cache.CachedBytes, Is.EqualTo(9 * MiB));

        Assert.That(cache.Take(5 * MiB / 2, out long bytes), Is.EqualTo((nint)3), "2.5 MiB: the 3 MiB block, not the 4 MiB one");
        Assert.That(bytes, Is.EqualTo(3 * MiB));
        Assert.That(cache.Take(5 * MiB, out _), Is.EqualTo((nint)0), "nothing holds 5 MiB");
        Assert.That(cache.Take(MiB + MiB / 4, out _), Is.EqualTo((nint)0), "the 2 MiB block is over 1.5 × 1.25 MiB");
        Assert.That(cache.Take(4 * MiB, out bytes), Is.EqualTo((nint)1));
        Assert.That(cache.CachedBytes, Is.EqualTo(2 * MiB));
    }

    [Test]
    public void A_released_large_tensor_is_reused_cleared_by_the_next_allocation_of_a_nearby_size()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var first = be.Allocate(1000, 1000);
        be.HostSpan(first).Fill(7f);
        first.Dispose();
        Assert.That(be.CachedBytes, Is.GreaterThanOrEqualTo(4_000_000));
        using var second = be.Allocate(990, 1000);
        Assert.That(be.CachedBytes, Is.EqualTo(0), "the freed block served the new tensor");
        Assert.That(be.HostSpan(second).ToArray(), Is.All.EqualTo(0f), "reused memory is cleared");
        Assert.That(be.LiveBytes, Is.GreaterThanOrEqualTo(3_960_000));
    }
}
