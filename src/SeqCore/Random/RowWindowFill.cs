using System.Numerics;

namespace SeqCore.Random;

/// <summary>
/// Dropout masks drawn for a stream's rows of a global batch (<see cref="RandomStream.Rows"/>): the counters of each
/// element are those the whole batch's mask gives it, so a rank with B/N rows draws its part of one process's mask.
/// Without a window (or with the whole batch) it is the backend's plain fill.
/// </summary>
internal static class RowWindowFill
{
    /// <summary><see cref="IBackend{T}.FillBernoulliMask"/> of <paramref name="y"/> (rows on its second-to-last
    /// grouping: <c>[outer, rows, last]</c>, as every time-major activation and every <c>[B, F]</c> matrix is), under
    /// the stream's row window.</summary>
    public static void FillBernoulliMask<T>(IBackend<T> backend, RandomStream random, T keepProbability, T scale, Tensor<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(y);
        if (random.Rows is not { IsWhole: false } w)
        {
            backend.FillBernoulliMask(random, keepProbability, scale, y);
            return;
        }
        int last = y.Rank == 0 ? 1 : y.Dim(-1);
        long outer = w.Outer(y.Length, last, "FillBernoulliMask");
        long block = (long)w.Count * last, stride = (long)w.Total * last;
        ulong start = random.Take(outer * stride);
        var part = new RandomStream(random.Seed);
        for (long o = 0; o < outer; o++)
        {
            part.Position = start + (ulong)(o * stride + (long)w.First * last);
            using var slice = y.Slice(o * block, checked((int)block));
            backend.FillBernoulliMask(part, keepProbability, scale, slice);
        }
    }
}
