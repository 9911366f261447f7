namespace SeqCore.Random;

/// <summary>
/// The rows of a global batch that one data-parallel rank holds: rows <c>[First, First + Count)</c> of
/// <c>Total</c>. Set on a <see cref="RandomStream"/> (<see cref="RandomStream.Rows"/>), it makes dropout masks and
/// per-row draws take the counters the whole batch would give those rows, so N ranks draw exactly what one process
/// draws (docs/random.md, "Rows of a global batch").
/// </summary>
/// <param name="First">The first global row held.</param>
/// <param name="Count">Rows held.</param>
/// <param name="Total">Rows of the global batch.</param>
public readonly record struct RowWindow(int First, int Count, int Total)
{
    /// <summary>Whether the window holds the whole batch (then every draw is the plain sequential one).</summary>
    public bool IsWhole => First == 0 && Count == Total;

    /// <summary>Checks the window against a tensor of <paramref name="length"/> elements whose last axis is
    /// <paramref name="last"/> long, and returns its outer count: the tensor is <c>[outer, Count, last]</c>.</summary>
    internal long Outer(long length, int last, string who)
    {
        if (First < 0 || Count <= 0 || First + Count > Total)
            throw new ArgumentException($"{who}: the row window {First}+{Count} does not fit a batch of {Total} rows.");
        long perOuter = (long)Count * last;
        if (last <= 0 || length % perOuter != 0)
            throw new ArgumentException($"{who}: a tensor of {length} elements with a last axis of {last} does not hold {Count} rows.");
        return length / perOuter;
    }
}
