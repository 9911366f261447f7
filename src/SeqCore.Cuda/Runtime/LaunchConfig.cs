namespace SeqCore.Cuda.Runtime;

/// <summary>Launch geometry of the kernel families, shared by the backend and its emulated tests.</summary>
internal static class LaunchConfig
{
    /// <summary>Threads per block of the elementwise (grid-stride) kernels.</summary>
    public const int PointwiseBlock = 256;

    /// <summary>Blocks per multiprocessor of grid-stride kernels: enough to hide latency, few enough to reuse threads.</summary>
    public const int BlocksPerMultiprocessor = 8;

    /// <summary>A grid-stride launch over <paramref name="n"/> elements (n ≥ 1).</summary>
    public static (Dim3 Grid, Dim3 Block) Pointwise(long n, int multiprocessors)
    {
        long blocks = Math.Clamp((n + PointwiseBlock - 1) / PointwiseBlock, 1, (long)multiprocessors * BlocksPerMultiprocessor);
        return (new Dim3((uint)blocks), new Dim3(PointwiseBlock));
    }

    /// <summary>One block per row, sized to the row: 32 to 256 threads, a multiple of 32 (the block reductions need whole warps).</summary>
    public static (Dim3 Grid, Dim3 Block) Rows(int rows, int cols)
    {
        uint threads = cols <= 32 ? 32u : cols <= 64 ? 64u : cols <= 128 ? 128u : 256u;
        return (new Dim3((uint)rows), new Dim3(threads));
    }

    /// <summary>Column reductions: blocks of 32 columns × 8 row groups.</summary>
    public static (Dim3 Grid, Dim3 Block) Columns(int cols) => (new Dim3((uint)((cols + 31) / 32)), new Dim3(32, 8));

    /// <summary>Dynamic shared memory of a column reduction with <paramref name="planes"/> partial sums per thread.</summary>
    public static uint ColumnSharedBytes(int planes, int elementSize) => (uint)(planes * 32 * 8 * elementSize);

    /// <summary>Blocks of the reductions that leave one double partial per block.</summary>
    public static int PartialBlocks(long n, int multiprocessors) => (int)Pointwise(n, multiprocessors).Grid.X;
}
