using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SeqCore.Cpu.Gemm;

/// <summary>
/// The vector width of the packed GEMM's micro-kernels, as a type argument so that every size derived from it is a
/// constant in each compiled instantiation (<see cref="Avx2Width"/>, <see cref="Avx512Width"/>).
/// </summary>
internal interface IGemmWidth
{
    /// <summary>Whether the micro-kernels use Vector512 (AVX-512F) rather than Vector256 (AVX2 + FMA).</summary>
    static abstract bool Wide { get; }
}

/// <summary>Micro-tiles of two Vector256 per row: 6×16 float, 6×8 double.</summary>
internal struct Avx2Width : IGemmWidth
{
    public static bool Wide => false;
}

/// <summary>Micro-tiles of two Vector512 per row: 6×32 float, 6×16 double.</summary>
internal struct Avx512Width : IGemmWidth
{
    public static bool Wide => true;

    /// <summary>
    /// Whether the packed GEMM uses this width: AVX-512F present and Vector512 accelerated. On a core with full-width
    /// 512-bit FMA units (this VM's Zen 5: 261 against 132 GFLOP/s per core in a loop of independent FMAs) it doubles the
    /// tile's arithmetic per instruction; on Zen 4 (512-bit ops issued as two halves) it measured the same as AVX2 in
    /// whole products (docs/benchmarks.md, session 8), so it is used wherever it is available.
    /// </summary>
    public static readonly bool Available = Vector512.IsHardwareAccelerated && Avx512F.IsSupported;
}

/// <summary>
/// Register and cache blocking of the packed GEMM, per element type and vector width (the <c>typeof</c> and
/// <c>TW.Wide</c> tests fold to constants).
/// </summary>
/// <remarks>
/// A micro-tile of C is MR×NR and lives in 12 vector registers (6 rows × 2 vectors). For one k-slab of depth
/// KC, a packed sliver of B (KC×NR) stays in L1 while the packed MC×KC block of A it meets stays in L2; the
/// packed KC×NC panel of B is shared by all threads and lives in L3. Sizes were picked by measurement on this
/// machine's AMD cores (Zen 4: 32 KiB L1d; Zen 5: 48 KiB L1d; 1 MiB L2; shared L3), see each constant.
/// </remarks>
internal static class GemmBlocking<T, TW> where T : unmanaged where TW : struct, IGemmWidth
{
    /// <summary>Rows of a micro-tile.</summary>
    public static int MR => 6;

    /// <summary>Columns of a micro-tile: two vectors.</summary>
    public static int NR => TW.Wide ? 2 * Vector512<T>.Count : 2 * Vector256<T>.Count;

    /// <summary>Depth of a k-slab. AVX2: a B sliver of KC×NR is 16 KiB for both types, half of L1 (384 measured the
    /// same). AVX-512: the sliver is 32 KiB, in Zen 5's 48 KiB L1; 128, 192 and 384 measured the same or up to 7% slower.</summary>
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
