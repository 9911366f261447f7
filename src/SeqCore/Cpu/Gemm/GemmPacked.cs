using System.Numerics;
using System.Runtime.CompilerServices;

namespace SeqCore.Cpu.Gemm;

/// <summary>
/// The packed, cache-blocked GEMM driver. C is covered panel by panel (NC columns), each panel slab by slab of
/// depth KC (the first slab applies beta, later slabs add with beta = 1), and each slab in row slabs of at most MS
/// rows. For each (panel, k-slab, row slab) the workers first pack op(A) and op(B) into shared buffers, then split
/// the MR×NR tiles of C between them as a grid of (A block of ≤ MC rows) × (range of B slivers).
/// When the row slab is a single A block (m ≤ MC), every B sliver meets exactly one chunk: then B is not packed
/// up front but sliver by sliver into a small buffer on the computing thread's stack, just before its tiles use it.
/// </summary>
internal static unsafe class GemmPacked<T, TW> where T : unmanaged, IFloatingPointIeee754<T> where TW : struct, IGemmWidth
{
    private static int MR => GemmBlocking<T, TW>.MR;
    private static int NR => GemmBlocking<T, TW>.NR;

    /// <summary>One (panel, k-slab, row slab) step and how its packing and tiles are split into chunks.</summary>
    private struct Step
    {
        public GemmProblem<T> P;
        public T* PackedA, PackedB;
        public int Ic, Ms, Jc, Nc, Pc, Kc;
        public T Beta;
        public bool FuseB;
        public int ASlivers, BSlivers, AChunks, BChunks;
        public int TilesPerBlock, MBlocks, SliversPerPart;
    }

    /// <summary>Runs the whole product; <paramref name="pool"/> null (or one thread) runs it on the caller.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in GemmProblem<T> g, GemmWorkspace ws, WorkerPool? pool)
    {
        if (pool is { Threads: 1 }) pool = null;
        int threads = pool?.Threads ?? 1;
        int nPanels = Ceil(g.N, GemmBlocking<T, TW>.NC), ncMax = RoundUp(Ceil(g.N, nPanels), NR);
        int kSlabs = Ceil(g.K, GemmBlocking<T, TW>.KC), kcMax = Ceil(g.K, kSlabs);
        int mSlabs = Ceil(g.M, GemmBlocking<T, TW>.MS), msMax = RoundUp(Ceil(g.M, mSlabs), MR);
        var s = new Step
        {
            P = g,
            FuseB = msMax <= GemmBlocking<T, TW>.MC,
            PackedA = (T*)ws.A((nuint)msMax * (nuint)kcMax * (nuint)sizeof(T)),
        };
        if (!s.FuseB) s.PackedB = (T*)ws.B((nuint)ncMax * (nuint)kcMax * (nuint)sizeof(T));
        for (s.Jc = 0; s.Jc < g.N; s.Jc += s.Nc)
        {
            s.Nc = Math.Min(ncMax, g.N - s.Jc);
            for (s.Pc = 0; s.Pc < g.K; s.Pc += s.Kc)
            {
                s.Kc = Math.Min(kcMax, g.K - s.Pc);
                s.Beta = s.Pc == 0 ? g.Beta : T.One;
                for (s.Ic = 0; s.Ic < g.M; s.Ic += s.Ms)
                {
                    s.Ms = Math.Min(msMax, g.M - s.Ic);
                    Plan(ref s, threads, packB: s.Ic == 0 && !s.FuseB);
                    int computeChunks = s.MBlocks * Ceil(s.BSlivers, s.SliversPerPart);
                    // Fused mode packs only an A slab of at most MC×KC: quicker on the caller than as a parallel step.
                    if (pool is null || s.FuseB)
                    {
                        for (int c = 0; c < s.AChunks + s.BChunks; c++) Pack(in s, c);
                    }
                    else
                    {
                        var pack = JobCache<PackJob>.Get();
                        pack.S = s;
                        pool.Run(pack, s.AChunks + s.BChunks);
                    }
                    if (pool is null)
                    {
                        for (int c = 0; c < computeChunks; c++) Compute(in s, c);
                    }
                    else
                    {
                        var compute = JobCache<ComputeJob>.Get();
                        compute.S = s;
                        pool.Run(compute, computeChunks);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Splits the step. Packing: about two chunks per thread for each operand. Tiles: a single A block when the
    /// slab fits one (B slivers then split into about four parts per thread); otherwise A blocks of at most MC rows,
    /// their count a multiple of the threads so they come out even, and B parts too when blocks are scarce.
    /// </summary>
    private static void Plan(ref Step s, int threads, bool packB)
    {
        s.ASlivers = Ceil(s.Ms, MR);
        s.BSlivers = Ceil(s.Nc, NR);
        s.AChunks = Math.Min(s.ASlivers, 2 * threads);
        s.BChunks = packB ? Math.Min(s.BSlivers, 2 * threads) : 0;
        int parts;
        if (s.FuseB)
        {
            s.MBlocks = 1;
            s.TilesPerBlock = s.ASlivers;
            parts = threads == 1 ? 1 : Math.Min(s.BSlivers, 4 * threads);
        }
        else
        {
            int blocks = Math.Min(RoundUp(Ceil(s.ASlivers, GemmBlocking<T, TW>.MC / MR), threads), s.ASlivers);
            s.TilesPerBlock = Ceil(s.ASlivers, blocks);
            s.MBlocks = Ceil(s.ASlivers, s.TilesPerBlock);
            parts = s.MBlocks >= 2 * threads ? 1 : Math.Min(s.BSlivers, Ceil(2 * threads, s.MBlocks));
        }
        s.SliversPerPart = Ceil(s.BSlivers, parts);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack(in Step s, int chunk)
    {
        ref readonly var g = ref s.P;
        if (chunk < s.AChunks)
        {
            int s0 = (int)((long)s.ASlivers * chunk / s.AChunks), s1 = (int)((long)s.ASlivers * (chunk + 1) / s.AChunks);
            GemmPacking<T, TW>.PackA(g.TransA, g.AAt(s.Ic, s.Pc), g.Lda, s.Ms, s.Kc, s.PackedA, s0, s1);
        }
        else
        {
            chunk -= s.AChunks;
            int s0 = (int)((long)s.BSlivers * chunk / s.BChunks), s1 = (int)((long)s.BSlivers * (chunk + 1) / s.BChunks);
            GemmPacking<T, TW>.PackB(g.TransB, g.BAt(s.Pc, s.Jc), g.Ldb, s.Nc, s.Kc, s.PackedB, s0, s1);
        }
    }

    /// <summary>One A block × one range of B slivers: B sliver outer (it stays in L1), A slivers inner (from L2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Compute(in Step s, int chunk)
    {
        int mb = chunk % s.MBlocks, part = chunk / s.MBlocks;
        int t0 = mb * s.TilesPerBlock, t1 = Math.Min(t0 + s.TilesPerBlock, s.ASlivers);
        int j0 = part * s.SliversPerPart, j1 = Math.Min(j0 + s.SliversPerPart, s.BSlivers);
        ref readonly var g = ref s.P;
        long kc = s.Kc;
        T* edge = stackalloc T[GemmBlocking<T, TW>.MR * GemmBlocking<T, TW>.NR];
        // alpha, beta for C, then 1, 0 for the edge scratch; by address (see GemmMicroKernels.Tile).
        T* scale = stackalloc T[4];
        scale[0] = g.Alpha; scale[1] = s.Beta; scale[2] = T.One; scale[3] = T.Zero;
        // Fused mode: one B sliver (≤ KC×NR: 16 KiB, 32 KiB at the AVX-512 width) packed on this stack, 64-byte aligned.
        byte* sliverBytes = stackalloc byte[s.FuseB ? GemmBlocking<T, TW>.KC * GemmBlocking<T, TW>.NR * sizeof(T) + 64 : 1];
        T* sliver = (T*)(((nuint)sliverBytes + 63) & ~(nuint)63);
        T* bPanel = s.FuseB ? null : s.PackedB;
        T* bCorner = g.BAt(s.Pc, s.Jc);
        for (int j = j0; j < j1; j++)
        {
            int col = j * NR, w = Math.Min(NR, s.Nc - col);
            T* bp;
            T* cCol = g.C + s.Ic * g.Ldc + s.Jc + col;
            int t = t0;
            if (s.FuseB)
            {
                bp = sliver;
                if (!g.TransB && w == NR && Math.Min(MR, s.Ms - t * MR) == MR)
                {
                    // B as stored has the sliver's rows contiguous: the first tile packs while it computes.
                    if (TW.Wide) GemmMicroKernels.PackingTileWide(s.Kc, s.PackedA + t * MR * kc, bCorner + col, g.Ldb, sliver, cCol + t * MR * g.Ldc, g.Ldc, scale);
                    else GemmMicroKernels.PackingTile(s.Kc, s.PackedA + t * MR * kc, bCorner + col, g.Ldb, sliver, cCol + t * MR * g.Ldc, g.Ldc, scale);
                    t++;
                }
                else GemmPacking<T, TW>.PackBSliver(g.TransB, bCorner, g.Ldb, s.Nc, s.Kc, j, sliver);
            }
            else bp = bPanel + j * NR * kc;
            for (; t < t1; t++)
            {
                int row = t * MR, h = Math.Min(MR, s.Ms - row);
                T* ap = s.PackedA + t * MR * kc;
                T* cp = cCol + row * g.Ldc;
                if (h == MR && w == NR)
                {
                    if (TW.Wide) GemmMicroKernels.TileWide(s.Kc, ap, bp, cp, g.Ldc, scale);
                    else GemmMicroKernels.Tile(s.Kc, ap, bp, cp, g.Ldc, scale);
                }
                else
                {
                    if (TW.Wide)
                    {
                        if (h <= 4) GemmMicroKernels.Edge4Wide(s.Kc, ap, bp, edge);
                        else GemmMicroKernels.TileWide(s.Kc, ap, bp, edge, NR, scale + 2);
                    }
                    else if (h <= 4) GemmMicroKernels.Edge4(s.Kc, ap, bp, edge);
                    else GemmMicroKernels.Tile(s.Kc, ap, bp, edge, NR, scale + 2);
                    StoreEdge(edge, cp, g.Ldc, h, w, g.Alpha, s.Beta);
                }
            }
        }
    }

    /// <summary>The h×w corner of a tile computed into scratch: <c>C = alpha·acc + beta·C</c>, C unread when beta = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreEdge(T* acc, T* c, long ldc, int h, int w, T alpha, T beta)
    {
        for (int r = 0; r < h; r++, acc += NR, c += ldc)
        {
            if (beta == T.Zero) for (int x = 0; x < w; x++) c[x] = alpha * acc[x];
            else for (int x = 0; x < w; x++) c[x] = alpha * acc[x] + beta * c[x];
        }
    }

    private static int Ceil(int a, int b) => (a + b - 1) / b;

    private static int RoundUp(int a, int b) => Ceil(a, b) * b;

    private sealed class PackJob : IParallelJob
    {
        public Step S;
        public void Execute(int chunk) => Pack(in S, chunk);
    }

    private sealed class ComputeJob : IParallelJob
    {
        public Step S;
        public void Execute(int chunk) => Compute(in S, chunk);
    }
}
