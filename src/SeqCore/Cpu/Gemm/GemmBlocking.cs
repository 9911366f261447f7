namespace SeqCore.Cpu.Gemm;

/// <summary>
/// Register and cache blocking of the packed GEMM, per element type (the <c>typeof</c> tests fold to constants).
/// </summary>
/// <remarks>
/// A micro-tile of C is MR×NR and lives in 12 Vector256 registers (6 rows × 2 vectors). For one k-slab of depth
/// KC, a packed sliver of B (KC×NR) stays in L1 while the packed MC×KC block of A it meets stays in L2; the
/// packed KC×NC panel of B is shared by all threads and lives in L3. Sizes are for this machine's Zen 4 cores
/// (32 KiB L1d, 1 MiB L2, 32 MiB shared L3) and were picked by measurement, see each constant.
/// </remarks>
internal static class GemmBlocking<T> where T : unmanaged
{
    /// <summary>Rows of a micro-tile.</summary>
    public static int MR => 6;

    /// <summary>Columns of a micro-tile: two vectors.</summary>
    public static int NR => typeof(T) == typeof(float) ? 16 : 8;

    /// <summary>Depth of a k-slab (B sliver of KC×NR: 16 KiB for both types, half of L1). 384 measured the same.</summary>
    public static int KC => 256;

    /// <summary>Upper bound on the rows of one A block (a multiple of MR): 144×256 is 144 KiB of float (288 KiB of
    /// double) in the 1 MiB L2. Measured flat from 144 to 288 for float; double lost 10% at 72.</summary>
    public static int MC => 144;

    /// <summary>Upper bound on the columns of one B panel (a multiple of NR): KC×NC is 2 MiB, which every A block
    /// streams from L3. Float at n = 8192 measured 105 GFLOP/s at NC 2048 against 96 at 4096.</summary>
    public static int NC => typeof(T) == typeof(float) ? 2048 : 1024;

    /// <summary>Upper bound on the rows of A packed at once (the A slab shared by all threads, 4 MiB).</summary>
    public static int MS => typeof(T) == typeof(float) ? 4032 : 2016;
}
