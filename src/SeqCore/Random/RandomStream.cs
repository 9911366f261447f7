namespace SeqCore.Random;

/// <summary>
/// A reproducible stream of random numbers: a 64-bit seed and a 64-bit position. A fill of n elements
/// gives element i the Philox words for counter <c>Position + i</c>, then advances Position by n.
/// Two streams with the same seed and position produce the same numbers on every backend and thread count.
/// The exact recipe for each distribution is in docs/random.md.
/// </summary>
public sealed class RandomStream
{
    /// <summary>Creates a stream at position 0.</summary>
    public RandomStream(ulong seed) => Seed = seed;

    /// <summary>The Philox key.</summary>
    public ulong Seed { get; }

    /// <summary>The counter of the next element to be drawn.</summary>
    public ulong Position { get; set; }

    /// <summary>Returns the counter for the first of <paramref name="count"/> elements and advances past them.</summary>
    public ulong Take(long count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"Cannot take {count} random numbers.");
        ulong start = Position;
        Position = checked(Position + (ulong)count);
        return start;
    }

    /// <summary>One uniform double in [0, 1) drawn on the host (for sampling and shuffles).</summary>
    public double NextDouble()
    {
        var (w0, w1, _, _) = Philox.Generate(Seed, Take(1));
        return Philox.UniformDouble(w0, w1);
    }

    /// <summary>One integer in [0, <paramref name="maxExclusive"/>) drawn on the host.</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), $"Upper bound must be positive, got {maxExclusive}.");
        return (int)Math.Min(maxExclusive - 1, (long)(NextDouble() * maxExclusive));
    }
}
