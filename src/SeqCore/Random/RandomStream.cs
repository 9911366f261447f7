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

    /// <summary>
    /// The rows of a global batch this stream draws for (data-parallel training), or null: the whole batch. With a window,
    /// a dropout mask sees its tensor as <c>[outer, Count, last]</c> (last = the tensor's
    /// last axis) and gives element <c>(o, b, i)</c> the counter <c>Position + o·Total·last + (First + b)·last + i</c>,
    /// then advances by <c>outer·Total·last</c>: what a fill of the whole <c>[outer, Total, last]</c> tensor gives those
    /// rows. <see cref="NextRowDoubles"/> is the same rule for one value per row.
    /// </summary>
    public RowWindow? Rows { get; set; }

    /// <summary>One uniform double in [0, 1) for each row of <paramref name="values"/> (this stream's rows of the
    /// batch, <see cref="Rows"/>): row b takes counter <c>Position + First + b</c>, and the position advances by the
    /// whole batch, <c>Total</c>. Without a window, the same as <see cref="NextDouble"/> for each row in turn.</summary>
    public void NextRowDoubles(Span<double> values)
    {
        var w = Rows ?? new RowWindow(0, values.Length, values.Length);
        if (w.Count != values.Length) throw new ArgumentException($"RandomStream.NextRowDoubles: {values.Length} rows, but the row window holds {w.Count}.");
        w.Outer(values.Length, 1, "RandomStream.NextRowDoubles");
        ulong start = Take(w.Total) + (ulong)w.First;
        for (int b = 0; b < values.Length; b++)
        {
            var (w0, w1, _, _) = Philox.Generate(Seed, start + (ulong)b);
            values[b] = Philox.UniformDouble(w0, w1);
        }
    }

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
