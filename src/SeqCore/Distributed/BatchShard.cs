namespace SeqCore.Distributed;

/// <summary>
/// Which rows of every global batch one rank trains on: rank <c>r</c> of <c>N</c> takes the rows at positions
/// <c>[r·B/N, (r+1)·B/N)</c> of the batch of <c>B</c> rows that one process would draw, so that N ranks together train on
/// exactly that batch. The global batch must divide evenly.
/// </summary>
/// <param name="Index">This rank, 0 … <paramref name="Count"/> − 1.</param>
/// <param name="Count">Number of ranks.</param>
public readonly record struct BatchShard(int Index, int Count)
{
    /// <summary>The whole batch: one process.</summary>
    public static BatchShard Whole { get; } = new(0, 1);

    /// <summary>Whether this is the whole batch.</summary>
    public bool IsWhole => Count <= 1;

    /// <summary>The first row and the number of rows of this shard of a batch of <paramref name="globalBatch"/> rows;
    /// <see cref="ArgumentException"/> when the batch does not split evenly over the ranks.</summary>
    public (int First, int Rows) Of(int globalBatch)
    {
        if (Count < 1 || Index < 0 || Index >= Count) throw new ArgumentOutOfRangeException(nameof(Index), $"BatchShard: rank {Index} of {Count} is out of range.");
        if (globalBatch % Count != 0 || globalBatch < Count)
            throw new ArgumentException($"the batch of {globalBatch} does not split evenly over {Count} ranks; use a batch that is a multiple of {Count}.");
        int rows = globalBatch / Count;
        return (Index * rows, rows);
    }

    /// <summary>This shard of a batch of <paramref name="rows"/> rows that need not split evenly (an epoch's last, short
    /// batch): rows <c>[⌊r·n/N⌋, ⌊(r+1)·n/N⌋)</c>, possibly none.</summary>
    public (int First, int Rows) OfAny(int rows)
    {
        if (IsWhole) return (0, rows);
        int first = (int)((long)Index * rows / Count), end = (int)((long)(Index + 1) * rows / Count);
        return (first, end - first);
    }

    /// <summary>This shard of a batch of <paramref name="globalBatch"/> rows as a <see cref="Random.RowWindow"/>, for
    /// the dropout and sampling streams: a rank then draws for its rows exactly what one process draws for them.</summary>
    public Random.RowWindow Window(int globalBatch)
    {
        var (first, rows) = Of(globalBatch);
        return new Random.RowWindow(first, rows, globalBatch);
    }
}
