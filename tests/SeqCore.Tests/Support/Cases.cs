namespace SeqCore.Tests.Support;

/// <summary>The sizes, shapes and thread counts every CPU op is run on.</summary>
public static class Cases
{
    /// <summary>
    /// Element counts: 1, 3, 7 never fill a Vector256 of float; 17, 33, 127, 1000 leave every remainder length
    /// for float (8 lanes) and double (4 lanes); 70001 is above the 65536-element threshold of the parallel path.
    /// </summary>
    public static readonly int[] Sizes = [1, 3, 7, 17, 33, 127, 1000, 70001];

    /// <summary>Threads = 1 runs everything inline; 2 uses the worker pool for large tensors.</summary>
    public static readonly int[] Threads = [1, 2];

    /// <summary>
    /// [rows, cols] shapes for row-wise ops: cols = 1, cols below, at and above one vector, cols not a multiple of 8,
    /// and two shapes above the parallel threshold (many short rows; wide rows split over several chunks).
    /// </summary>
    public static readonly (int Rows, int Cols)[] Matrices =
    [
        (1, 1), (1, 3), (3, 1), (2, 7), (5, 8), (4, 17), (3, 33), (2, 127), (2, 1000), (70001, 1), (137, 513),
    ];

    /// <summary>Every (rows, cols, threads) combination.</summary>
    public static IEnumerable<TestCaseData> MatrixCases()
    {
        foreach (var (r, c) in Matrices)
            foreach (int t in Threads)
                yield return new TestCaseData(r, c, t);
    }

    /// <summary>Every (rows, cols, threads, accumulate) combination.</summary>
    public static IEnumerable<TestCaseData> MatrixAccumulateCases()
    {
        foreach (var (r, c) in Matrices)
            foreach (int t in Threads)
                foreach (bool acc in new[] { false, true })
                    yield return new TestCaseData(r, c, t, acc);
    }
}
