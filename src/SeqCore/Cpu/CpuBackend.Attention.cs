using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    /// <summary>The largest tile size (the per-thread scratch grows with the product of the tile sizes).</summary>
    public const int MaxAttentionTile = 1024;

    /// <summary>Validated, resolved arguments shared by the three attention kernels.</summary>
    private struct AttnArgs
    {
        public int B, H, Tq, Tk, D, Dv, BQ, BK, Offset;
        public bool Causal, HasLengths;
        public T Scale;
        public AttentionStrides Qs, Ks, Vs, Os;
    }

    private static void AttentionCheckOperand(string op, Tensor<T> t, string role, in AttentionSpec s, AttentionStrides st, int length, int width) =>
        Check.AttentionOperand(op, t, role, s, st, length, width);

    private AttnArgs AttentionPrepare(string op, in AttentionSpec s, Tensor<T> q, Tensor<T> k, Tensor<T>? v, Tensor<T>? o,
        Tensor<T>? keyLengths, bool checkLse, Tensor<T>? lse, out T* lengths)
    {
        Check.AttentionSpec(op, s, MaxAttentionTile);
        var a = new AttnArgs
        {
            B = s.Batch, H = s.Heads, Tq = s.QueryLength, Tk = s.KeyLength, D = s.HeadSize, Dv = s.EffectiveValueSize,
            BQ = s.EffectiveQueryTile, BK = s.EffectiveKeyTile, Offset = s.CausalOffset, Causal = s.Causal,
            Scale = T.CreateTruncating(s.EffectiveScale), HasLengths = keyLengths is not null,
        };
        a.Qs = s.QueryStrides.OrDense(a.H, a.Tq, a.D);
        a.Ks = s.KeyStrides.OrDense(a.H, a.Tk, a.D);
        a.Vs = s.ValueStrides.OrDense(a.H, a.Tk, a.Dv);
        a.Os = s.OutputStrides.OrDense(a.H, a.Tq, a.Dv);
        AttentionCheckOperand(op, q, "q", s, a.Qs, a.Tq, a.D);
        AttentionCheckOperand(op, k, "k", s, a.Ks, a.Tk, a.D);
        if (v is not null) AttentionCheckOperand(op, v, "v", s, a.Vs, a.Tk, a.Dv);
        if (o is not null) AttentionCheckOperand(op, o, "output", s, a.Os, a.Tq, a.Dv);
        if (checkLse) Check.Length(op, lse!, "logSumExp", (long)a.B * a.H * a.Tq, "[B, heads, Tq] of 'q'", q);
        lengths = null;
        if (keyLengths is not null)
        {
            lengths = Ptr(keyLengths, op, "keyLengths");
            Check.Length(op, keyLengths, "keyLengths", a.B, "one length per batch entry of 'q'", q);
            Check.KeyLengths(op, new ReadOnlySpan<T>(lengths, a.B), a.Tk, "k", k);
        }
        return a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KeyLimit(in AttnArgs a, T* lengths, int b) => lengths == null ? a.Tk : int.CreateTruncating(lengths[b]);

    /// <inheritdoc />
    public void AttentionForward(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T>? keyLengths, in AttentionSpec spec,
        Tensor<T> output, Tensor<T> logSumExp)
    {
        const string op = "AttentionForward";
        T* pq = Ptr(q, op, "q"), pk = Ptr(k, op, "k"), pv = Ptr(v, op, "v"), po = Ptr(output, op, "output"), pl = Ptr(logSumExp, op, "logSumExp");
        var a = AttentionPrepare(op, spec, q, k, v, output, keyLengths, true, logSumExp, out T* lens);
        if (a.B == 0 || a.H == 0 || a.Tq == 0) return;
        a.BQ = spec.EffectiveForwardQueryTile;
        var job = JobCache<AttnForwardJob>.Get();
        job.A = a; job.Q = pq; job.K = pk; job.V = pv; job.O = po; job.Lse = pl; job.Lengths = lens;
        job.QueryTiles = (a.Tq + a.BQ - 1) / a.BQ;
        long tiles = (long)a.B * a.H * job.QueryTiles;
        job.Tiles = tiles;
        job.TilesPerChunk = (int)((tiles + WorkerPool.MaxChunks - 1) / WorkerPool.MaxChunks); // 1 unless a run has over 10⁶ tiles
        RunAttention(job, (int)((tiles + job.TilesPerChunk - 1) / job.TilesPerChunk), (long)a.B * a.H * a.Tq * a.Tk * (a.D + a.Dv));
    }

    /// <inheritdoc />
    public void AttentionBackward(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> output, Tensor<T> logSumExp, Tensor<T> dOutput,
        Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> dq, Tensor<T> dk, Tensor<T> dv)
    {
        const string op = "AttentionBackward";
        T* pq = Ptr(q, op, "q"), pk = Ptr(k, op, "k"), pv = Ptr(v, op, "v"), po = Ptr(output, op, "output"), pl = Ptr(logSumExp, op, "logSumExp");
        T* pdo = Ptr(dOutput, op, "dOutput"), pdq = Ptr(dq, op, "dq"), pdk = Ptr(dk, op, "dk"), pdv = Ptr(dv, op, "dv");
        var a = AttentionPrepare(op, spec, q, k, v, output, keyLengths, true, logSumExp, out T* lens);
        AttentionCheckOperand(op, dOutput, "dOutput", spec, a.Os, a.Tq, a.Dv);
        AttentionCheckOperand(op, dq, "dq", spec, a.Qs, a.Tq, a.D);
        AttentionCheckOperand(op, dk, "dk", spec, a.Ks, a.Tk, a.D);
        AttentionCheckOperand(op, dv, "dv", spec, a.Vs, a.Tk, a.Dv);
        if (a.B == 0 || a.H == 0) return;
        var job = JobCache<AttnBackwardJob>.Get();
        job.A = a; job.Q = pq; job.K = pk; job.V = pv; job.O = po; job.Lse = pl; job.Lengths = lens;
        job.DO = pdo; job.DQ = pdq; job.DK = pdk; job.DV = pdv;
        RunAttention(job, a.B * a.H, 2L * a.B * a.H * a.Tq * a.Tk * (a.D + a.Dv));
    }

    /// <inheritdoc />
    public void AttentionWeights(Tensor<T> q, Tensor<T> k, Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> weights)
    {
        const string op = "AttentionWeights";
        T* pq = Ptr(q, op, "q"), pk = Ptr(k, op, "k"), pw = Ptr(weights, op, "weights");
        var a = AttentionPrepare(op, spec, q, k, null, null, keyLengths, false, null, out T* lens);
        Check.Length(op, weights, "weights", (long)a.B * a.H * a.Tq * a.Tk, "[B, heads, Tq, Tk] of 'q'", q);
        if (a.B == 0 || a.H == 0 || a.Tq == 0) return;
        var job = JobCache<AttnWeightsJob>.Get();
        job.A = a; job.Q = pq; job.K = pk; job.W = pw; job.Lengths = lens;
        RunAttention(job, a.B * a.H, (long)a.B * a.H * a.Tq * a.Tk * a.D);
    }

    private void RunAttention(IParallelJob job, int chunks, long work)
    {
        if (work < Pointwise.ParallelThreshold || _pool.Threads == 1)
            for (int c = 0; c < chunks; c++) job.Execute(c);
        else _pool.Run(job, chunks);
    }

    // ----- row helpers (SIMD over the feature dimension) ----------------------------------------------------------

    /// <summary><c>y *= alpha</c> over n elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleRow(T alpha, T* y, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) Vector256.Store(va * Vector256.Load(y + i), y + i);
        }
        for (; i < n; i++) y[i] *= alpha;
    }

    /// <summary><c>s[c] = exp(s[c] − shift)</c> in place; returns the sum.</summary>
    private static T ExpShiftRow(T* s, T shift, int n)
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256<T>.Zero;
            var vm = Vector256.Create(shift);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var e = VectorMath.Exp(Vector256.Load(s + i) - vm);
                Vector256.Store(e, s + i);
                vs += e;
            }
            sum = Vector256.Sum(vs);
        }
        for (; i < n; i++) { T e = T.Exp(s[i] - shift); s[i] = e; sum += e; }
        return sum;
    }

    /// <summary>Scores of one query row against keys <c>k[0 .. n)</c> (row stride ldk): <c>s[c] = scale·q·k_c</c>; returns the maximum.</summary>
    private static T ScoreRow(T* q, T* k, long ldk, int d, int n, T scale, T* s)
    {
        T max = T.NegativeInfinity;
        for (int c = 0; c < n; c++)
        {
            T x = scale * Dot(q, k + c * ldk, d);
            s[c] = x;
            if (x > max) max = x;
        }
        return max;
    }

    private static void ZeroRows(T* p, long ld, int rows, int width)
    {
        for (int r = 0; r < rows; r++) new Span<T>(p + r * ld, width).Clear();
    }

    // ----- small GEMM micro-kernel for the tiles ------------------------------------------------------------------

    /// <summary>
    /// <c>C[m, n] += A[m, k]·B[k, n]</c> for the tiles of the attention kernels. A is addressed with a row step and a
    /// k step (<c>a[i·rsA + p·csA]</c>, so a transposed tile is just other steps), B and C are row-major with
    /// leading dimensions. Register blocking of 4 rows × 2 vectors (8 accumulators, 2 B loads and 4 broadcasts per
    /// k step); remainders take one vector column at a time with partial loads.
    /// <para>Causal tiles: with <paramref name="visibleBase"/> = b, row i of the tile sees only columns (or, with
    /// <paramref name="limitsK"/>, k indices) below <c>i + b + 1</c>, so a block of rows stops at the last one its
    /// bottom row needs: on the diagonal tile about half the work is skipped instead of computed and masked. The
    /// skipped C entries are left as they are (the callers mask them, or the skipped A entries are 0).</para>
    /// </summary>
    private static void TileGemm(int m, int n, int k, T* a, long rsA, long csA, T* b, long ldb, T* c, long ldc,
        int visibleBase = int.MaxValue / 2, bool limitsK = false)
    {
        if (m <= 0 || n <= 0 || k <= 0) return;
        if (!Vector256.IsHardwareAccelerated)
        {
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++)
                {
                    T x = a[i * rsA + p * csA];
                    for (int j = 0; j < n; j++) c[i * ldc + j] += x * b[p * ldb + j];
                }
            return;
        }
        int w = Vector256<T>.Count;
        int i0 = 0;
        for (; i0 + 4 <= m; i0 += 4)
        {
            int limit = (int)Math.Clamp((long)visibleBase + i0 + 4, 0, int.MaxValue);
            // Columns are cut at whole vector pairs (partial vectors take the slow lane-by-lane path).
            int nb = limitsK ? n : Math.Min(n, RoundUp(limit, 2 * w)), kb = limitsK ? Math.Min(k, limit) : k;
            if (nb <= 0 || kb <= 0) continue;
            int j = 0;
            for (; j + 2 * w <= nb; j += 2 * w) Kernel4x2(kb, a + i0 * rsA, rsA, csA, b + j, ldb, c + i0 * ldc + j, ldc);
            for (; j < nb; j += w) KernelColumn(4, Math.Min(w, nb - j), kb, a + i0 * rsA, rsA, csA, b + j, ldb, c + i0 * ldc + j, ldc);
        }
        if (i0 < m)
        {
            int limit = (int)Math.Clamp((long)visibleBase + m, 0, int.MaxValue);
            int nb = limitsK ? n : Math.Min(n, RoundUp(limit, w)), kb = limitsK ? Math.Min(k, limit) : k;
            if (nb <= 0 || kb <= 0) return;
            for (int j = 0; j < nb; j += w) KernelColumn(m - i0, Math.Min(w, nb - j), kb, a + i0 * rsA, rsA, csA, b + j, ldb, c + i0 * ldc + j, ldc);
        }
    }

    private static int RoundUp(int x, int multiple) => x >= int.MaxValue - multiple ? int.MaxValue : (x + multiple - 1) / multiple * multiple;

    private static void Kernel4x2(int k, T* a, long rsA, long csA, T* b, long ldb, T* c, long ldc)
    {
        int w = Vector256<T>.Count;
        T* c0 = c, c1 = c + ldc, c2 = c + 2 * ldc, c3 = c + 3 * ldc;
        T* a0 = a, a1 = a + rsA, a2 = a + 2 * rsA, a3 = a + 3 * rsA;
        var x00 = Vector256.Load(c0); var x01 = Vector256.Load(c0 + w);
        var x10 = Vector256.Load(c1); var x11 = Vector256.Load(c1 + w);
        var x20 = Vector256.Load(c2); var x21 = Vector256.Load(c2 + w);
        var x30 = Vector256.Load(c3); var x31 = Vector256.Load(c3 + w);
        for (int p = 0; p < k; p++)
        {
            T* bp = b + p * ldb;
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + w);
            long o = p * csA;
            var v = Vector256.Create(a0[o]); x00 = VectorMath.MultiplyAdd(v, b0, x00); x01 = VectorMath.MultiplyAdd(v, b1, x01);
            v = Vector256.Create(a1[o]); x10 = VectorMath.MultiplyAdd(v, b0, x10); x11 = VectorMath.MultiplyAdd(v, b1, x11);
            v = Vector256.Create(a2[o]); x20 = VectorMath.MultiplyAdd(v, b0, x20); x21 = VectorMath.MultiplyAdd(v, b1, x21);
            v = Vector256.Create(a3[o]); x30 = VectorMath.MultiplyAdd(v, b0, x30); x31 = VectorMath.MultiplyAdd(v, b1, x31);
        }
        Vector256.Store(x00, c0); Vector256.Store(x01, c0 + w);
        Vector256.Store(x10, c1); Vector256.Store(x11, c1 + w);
        Vector256.Store(x20, c2); Vector256.Store(x21, c2 + w);
        Vector256.Store(x30, c3); Vector256.Store(x31, c3 + w);
    }

    /// <summary>Up to 4 rows × one vector column of <paramref name="count"/> ≤ W lanes (the remainder path).</summary>
    private static void KernelColumn(int rows, int count, int k, T* a, long rsA, long csA, T* b, long ldb, T* c, long ldc)
    {
        for (int r = 0; r < rows; r++)
        {
            T* cr = c + r * ldc, ar = a + r * rsA;
            var acc = Lanes.Load(cr, count);
            if (count == Vector256<T>.Count)
                for (int p = 0; p < k; p++) acc = VectorMath.MultiplyAdd(Vector256.Create(ar[p * csA]), Vector256.Load(b + p * ldb), acc);
            else
                for (int p = 0; p < k; p++) acc = VectorMath.MultiplyAdd(Vector256.Create(ar[p * csA]), Lanes.Load(b + p * ldb, count), acc);
            Lanes.Store(acc, cr, count);
        }
    }

    /// <summary>Copies rows <c>x[c·ld ..][0..d)</c>, c &lt; n, transposed into <c>y[p·ldy + c]</c>.</summary>
    private static void PackTransposed(T* x, long ld, int n, int d, T* y, int ldy)
    {
        for (int c = 0; c < n; c++)
        {
            T* xc = x + c * ld;
            for (int p = 0; p < d; p++) y[p * ldy + c] = xc[p];
        }
    }

    // Per-thread scratch for the tiles, a managed array (collected with its thread), grown on demand and then reused,
    // so steady-state calls allocate nothing. Its size depends on the tile sizes and head widths only, never on T.
    [ThreadStatic] private static T[]? t_attnScratch;

    private static T[] AttentionScratch(long length)
    {
        var s = t_attnScratch;
        if (s is null || s.Length < length) t_attnScratch = s = new T[length];
        return s;
    }

    /// <summary>Elements of per-thread scratch the forward kernel uses for <paramref name="spec"/> (independent of Tq and Tk).</summary>
    public static long AttentionForwardScratchElements(in AttentionSpec spec)
    {
        long bq = spec.EffectiveForwardQueryTile, bk = spec.EffectiveKeyTile;
        return bq * bk + spec.HeadSize * bk + bq * spec.EffectiveValueSize + 2 * bq;
    }

    /// <summary>Elements of per-thread scratch the backward kernel uses for <paramref name="spec"/> (independent of Tq and Tk).</summary>
    public static long AttentionBackwardScratchElements(in AttentionSpec spec)
    {
        long bq = spec.EffectiveQueryTile, bk = spec.EffectiveKeyTile, d = spec.HeadSize, dv = spec.EffectiveValueSize;
        return 2 * (d + dv) * bk + 2 * bq * bk + bq;
    }

    /// <summary>Forward: one chunk is one tile of query rows of one (batch, head).</summary>
    private sealed class AttnForwardJob : IParallelJob
    {
        public AttnArgs A;
        public T* Q, K, V, O, Lse, Lengths;
        public int QueryTiles, TilesPerChunk;
        public long Tiles;

        public void Execute(int chunk)
        {
            long end = Math.Min(Tiles, (long)(chunk + 1) * TilesPerChunk);
            for (long tile = (long)chunk * TilesPerChunk; tile < end; tile++) Tile((int)tile);
        }

        private void Tile(int tile)
        {
            ref readonly AttnArgs a = ref A;
            int qt = tile % QueryTiles, bh = tile / QueryTiles, b = bh / a.H, h = bh % a.H;
            int i0 = qt * a.BQ, i1 = Math.Min(a.Tq, i0 + a.BQ), rows = i1 - i0;
            int bk = a.BK, d = a.D, dv = a.Dv;
            T* q = Q + b * a.Qs.Batch + h * a.Qs.Head + i0 * a.Qs.Row;
            T* k = K + b * a.Ks.Batch + h * a.Ks.Head;
            T* v = V + b * a.Vs.Batch + h * a.Vs.Head;
            T* o = O + b * a.Os.Batch + h * a.Os.Head + i0 * a.Os.Row;
            T* lse = Lse + (long)bh * a.Tq + i0;
            var scratch = AttentionScratch((long)a.BQ * bk + (long)d * bk + (long)a.BQ * dv + 2L * a.BQ);
            fixed (T* sp = scratch)
            {
                T* s = sp, kt = s + (long)a.BQ * bk, acc = kt + (long)d * bk, m = acc + (long)a.BQ * dv, l = m + a.BQ;
                for (int r = 0; r < rows; r++) { m[r] = T.NegativeInfinity; l[r] = T.Zero; }
                new Span<T>(acc, rows * dv).Clear();

                // Keys past the length, and (causal) past the last row's diagonal, are never visited.
                int kEnd = KeyLimit(a, Lengths, b);
                if (a.Causal) kEnd = Math.Min(kEnd, Math.Max(0, i1 + a.Offset));
                for (int j0 = 0; j0 < kEnd; j0 += bk)
                {
                    int n = Math.Min(kEnd, j0 + bk) - j0;
                    PackTransposed(k + j0 * a.Ks.Row, a.Ks.Row, n, d, kt, bk);
                    new Span<T>(s, rows * bk).Clear();
                    int vb = a.Causal ? i0 + a.Offset - j0 : int.MaxValue / 2; // row r sees keys below r + vb + 1 of the tile
                    TileGemm(rows, n, d, q, a.Qs.Row, 1, kt, bk, s, bk, vb); // S = Q·Kᵀ (unscaled)
                    for (int r = 0; r < rows; r++)
                    {
                        T* sr = s + r * bk;
                        int visible = a.Causal ? Math.Clamp(i0 + r + a.Offset + 1 - j0, 0, n) : n; // the diagonal tile is masked here
                        if (visible == 0) { new Span<T>(sr, n).Clear(); continue; }
                        ScaleRow(a.Scale, sr, visible);
                        T mOld = m[r], mNew = T.Max(mOld, RowMax(sr, visible));
                        T sum = ExpShiftRow(sr, mNew, visible);
                        if (visible < n) new Span<T>(sr + visible, n - visible).Clear();
                        if (mOld != mNew)
                        {
                            T alpha = T.Exp(mOld - mNew); // 0 on the row's first tile (mOld = −∞, acc and l still 0)
                            ScaleRow(alpha, acc + r * dv, dv);
                            l[r] *= alpha;
                        }
                        l[r] += sum;
                        m[r] = mNew;
                    }
                    TileGemm(rows, dv, n, s, bk, 1, v + j0 * a.Vs.Row, a.Vs.Row, acc, dv, vb, limitsK: true); // acc += P·V
                }
                for (int r = 0; r < rows; r++)
                {
                    T* orow = o + r * a.Os.Row;
                    if (l[r] > T.Zero)
                    {
                        T inv = T.One / l[r];
                        T* ar = acc + r * dv;
                        for (int c = 0; c < dv; c++) orow[c] = ar[c] * inv;
                        lse[r] = m[r] + T.Log(l[r]);
                    }
                    else
                    {
                        new Span<T>(orow, dv).Clear(); // no visible key
                        lse[r] = T.NegativeInfinity;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Backward: one chunk is one (batch, head), so dq, dk and dv of a head have one writer (no atomics, deterministic).
    /// Key tiles are the outer loop: a tile's Kᵀ and Vᵀ are packed once and its dk, dv accumulate in scratch while the
    /// query tiles stream past; per (query tile, key tile) five small GEMMs: S = Q·Kᵀ, dP = dO·Vᵀ, dV += Pᵀ·dO,
    /// dK += dSᵀ·Q, dQ += dS·K.
    /// </summary>
    private sealed class AttnBackwardJob : IParallelJob
    {
        public AttnArgs A;
        public T* Q, K, V, O, Lse, Lengths, DO, DQ, DK, DV;

        public void Execute(int chunk)
        {
            ref readonly AttnArgs a = ref A;
            int b = chunk / a.H, h = chunk % a.H;
            int bq = a.BQ, bk = a.BK, d = a.D, dv = a.Dv;
            T* q = Q + b * a.Qs.Batch + h * a.Qs.Head, dq = DQ + b * a.Qs.Batch + h * a.Qs.Head;
            T* k = K + b * a.Ks.Batch + h * a.Ks.Head, dk = DK + b * a.Ks.Batch + h * a.Ks.Head;
            T* v = V + b * a.Vs.Batch + h * a.Vs.Head, dvp = DV + b * a.Vs.Batch + h * a.Vs.Head;
            T* o = O + b * a.Os.Batch + h * a.Os.Head, dout = DO + b * a.Os.Batch + h * a.Os.Head;
            T* lse = Lse + (long)chunk * a.Tq;
            ZeroRows(dq, a.Qs.Row, a.Tq, d);
            var scratch = AttentionScratch(2L * (d + dv) * bk + 2L * bq * bk + bq);
            fixed (T* sp = scratch)
            {
                T* kt = sp, vt = kt + (long)d * bk, dkAcc = vt + (long)dv * bk, dvAcc = dkAcc + (long)bk * d;
                T* p = dvAcc + (long)bk * dv, ds = p + (long)bq * bk, dRow = ds + (long)bq * bk;
                int kEnd = KeyLimit(a, Lengths, b);
                if (a.Causal) kEnd = Math.Min(kEnd, Math.Max(0, a.Tq + a.Offset));
                ZeroRows(dk + (long)kEnd * a.Ks.Row, a.Ks.Row, a.Tk - kEnd, d); // keys no query sees
                ZeroRows(dvp + (long)kEnd * a.Vs.Row, a.Vs.Row, a.Tk - kEnd, dv);
                for (int j0 = 0; j0 < kEnd; j0 += bk)
                {
                    int n = Math.Min(kEnd, j0 + bk) - j0;
                    T* kj = k + j0 * a.Ks.Row, vj = v + j0 * a.Vs.Row;
                    PackTransposed(kj, a.Ks.Row, n, d, kt, bk);
                    PackTransposed(vj, a.Vs.Row, n, dv, vt, bk);
                    new Span<T>(dkAcc, n * d).Clear();
                    new Span<T>(dvAcc, n * dv).Clear();
                    int iFirst = a.Causal ? Math.Max(0, j0 - a.Offset) : 0; // rows above it see none of the tile's keys
                    for (int i0 = iFirst / bq * bq; i0 < a.Tq; i0 += bq)
                    {
                        int rows = Math.Min(a.Tq, i0 + bq) - i0;
                        T* qi = q + i0 * a.Qs.Row, doi = dout + i0 * a.Os.Row;
                        new Span<T>(p, rows * bk).Clear();
                        new Span<T>(ds, rows * bk).Clear();
                        int vb = a.Causal ? i0 + a.Offset - j0 : int.MaxValue / 2;
                        TileGemm(rows, n, d, qi, a.Qs.Row, 1, kt, bk, p, bk, vb);   // S = Q·Kᵀ
                        TileGemm(rows, n, dv, doi, a.Os.Row, 1, vt, bk, ds, bk, vb); // dP = dO·Vᵀ
                        for (int r = 0; r < rows; r++)
                        {
                            int i = i0 + r;
                            T* pr = p + r * bk, dsr = ds + r * bk;
                            T li = lse[i];
                            int visible = T.IsNegativeInfinity(li) ? 0 : a.Causal ? Math.Clamp(i + a.Offset + 1 - j0, 0, n) : n;
                            if (visible < n) { new Span<T>(pr + visible, n - visible).Clear(); new Span<T>(dsr + visible, n - visible).Clear(); }
                            if (visible == 0) continue;
                            ScaleRow(a.Scale, pr, visible);
                            ExpShiftRow(pr, li, visible); // P = exp(S − lse)
                            T di = Dot(doi + r * a.Os.Row, o + i * a.Os.Row, dv); // D_i, recomputed per tile instead of stored
                            for (int c = 0; c < visible; c++) dsr[c] = a.Scale * pr[c] * (dsr[c] - di);
                        }
                        TileGemm(n, dv, rows, p, 1, bk, doi, a.Os.Row, dvAcc, dv);  // dV += Pᵀ·dO
                        TileGemm(n, d, rows, ds, 1, bk, qi, a.Qs.Row, dkAcc, d);    // dK += dSᵀ·Q
                        TileGemm(rows, d, n, ds, bk, 1, kj, a.Ks.Row, dq + i0 * a.Qs.Row, a.Qs.Row, vb, limitsK: true); // dQ += dS·K
                    }
                    for (int c = 0; c < n; c++)
                    {
                        new Span<T>(dkAcc + c * d, d).CopyTo(new Span<T>(dk + (j0 + c) * a.Ks.Row, d));
                        new Span<T>(dvAcc + c * dv, dv).CopyTo(new Span<T>(dvp + (j0 + c) * a.Vs.Row, dv));
                    }
                }
            }
        }
    }

    /// <summary>Explicit probabilities: one chunk is one (batch, head).</summary>
    private sealed class AttnWeightsJob : IParallelJob
    {
        public AttnArgs A;
        public T* Q, K, W, Lengths;

        public void Execute(int chunk)
        {
            ref readonly AttnArgs a = ref A;
            int b = chunk / a.H, h = chunk % a.H;
            T* q = Q + b * a.Qs.Batch + h * a.Qs.Head, k = K + b * a.Ks.Batch + h * a.Ks.Head;
            int kLen = KeyLimit(a, Lengths, b);
            for (int i = 0; i < a.Tq; i++)
            {
                T* w = W + ((long)chunk * a.Tq + i) * a.Tk;
                new Span<T>(w, a.Tk).Clear();
                int n = a.Causal ? Math.Min(kLen, Math.Max(0, i + a.Offset + 1)) : kLen;
                if (n <= 0) continue;
                T max = ScoreRow(q + i * a.Qs.Row, k, a.Ks.Row, a.D, n, a.Scale, w);
                T sum = ExpShiftRow(w, max, n);
                ScaleRow(T.One / sum, w, n);
            }
        }
    }

    // ----- additive (Bahdanau) scores ----------------------------------------------------------------------------

    private T* AdditiveArgs(string op, Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T>? keyLengths,
        int batch, int tq, int tk, Tensor<T> scores, string scoresRole)
    {
        Check.AdditiveSizes(op, batch, tq, tk);
        int width = (int)v.Length;
        Check.Length(op, queryProj, "queryProj", (long)batch * tq * width, "[B, Tq, A] with A the length of 'v'", v);
        Check.Length(op, keyProj, "keyProj", (long)batch * tk * width, "[B, Tk, A] with A the length of 'v'", v);
        Check.Length(op, scores, scoresRole, (long)batch * tq * tk, "[B, Tq, Tk] of 'queryProj'", queryProj);
        if (keyLengths is null) return null;
        T* lens = Ptr(keyLengths, op, "keyLengths");
        Check.Length(op, keyLengths, "keyLengths", batch, "one length per batch entry of 'queryProj'", queryProj);
        Check.KeyLengths(op, new ReadOnlySpan<T>(lens, batch), tk, "keyProj", keyProj);
        return lens;
    }

    /// <inheritdoc />
    public void AdditiveScores(Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T>? keyLengths,
        int batch, int queryLength, int keyLength, Tensor<T> scores)
    {
        const string op = "AdditiveScores";
        T* pq = Ptr(queryProj, op, "queryProj"), pk = Ptr(keyProj, op, "keyProj"), pv = Ptr(v, op, "v"), ps = Ptr(scores, op, "scores");
        T* lens = AdditiveArgs(op, queryProj, keyProj, v, keyLengths, batch, queryLength, keyLength, scores, "scores");
        var job = JobCache<AdditiveJob>.Get();
        job.Q = pq; job.K = pk; job.V = pv; job.S = ps; job.Lengths = lens;
        job.Tq = queryLength; job.Tk = keyLength; job.A = (int)v.Length;
        RunAttention(job, batch * queryLength, (long)batch * queryLength * keyLength * job.A * 8);
    }

    /// <inheritdoc />
    public void AdditiveScoresBackward(Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T> dScores, Tensor<T>? keyLengths,
        int batch, int queryLength, int keyLength, Tensor<T> dQueryProj, Tensor<T> dKeyProj, Tensor<T> dv)
    {
        const string op = "AdditiveScoresBackward";
        T* pq = Ptr(queryProj, op, "queryProj"), pk = Ptr(keyProj, op, "keyProj"), pv = Ptr(v, op, "v"), pds = Ptr(dScores, op, "dScores");
        T* pdq = Ptr(dQueryProj, op, "dQueryProj"), pdk = Ptr(dKeyProj, op, "dKeyProj"), pdv = Ptr(dv, op, "dv");
        T* lens = AdditiveArgs(op, queryProj, keyProj, v, keyLengths, batch, queryLength, keyLength, dScores, "dScores");
        Check.SameLength(op, queryProj, "queryProj", dQueryProj, "dQueryProj");
        Check.SameLength(op, keyProj, "keyProj", dKeyProj, "dKeyProj");
        Check.SameLength(op, v, "v", dv, "dv");
        int a = (int)v.Length;
        new Span<T>(pdq, (int)dQueryProj.Length).Clear();
        new Span<T>(pdk, (int)dKeyProj.Length).Clear();
        new Span<T>(pdv, a).Clear();
        // Serial: dkeyProj rows are shared by all queries of a batch entry and dv by everything. The work is
        // B·Tq·Tk·A, small next to the projections for the encoder–decoder sizes this serves.
        for (int b = 0; b < batch; b++)
        {
            int kLen = lens == null ? keyLength : int.CreateTruncating(lens[b]);
            for (int i = 0; i < queryLength; i++)
            {
                long row = (long)b * queryLength + i;
                T* qi = pq + row * a, dqi = pdq + row * a, dsi = pds + row * keyLength;
                for (int j = 0; j < kLen; j++)
                {
                    T ds = dsi[j];
                    if (ds == T.Zero) continue;
                    long krow = (long)b * keyLength + j;
                    AdditiveBackwardRow(qi, pk + krow * a, pv, ds, dqi, pdk + krow * a, pdv, a);
                }
            }
        }
    }

    /// <summary>s = Σ_a v_a·tanh(q_a + k_a).</summary>
    private static T AdditiveScore(T* q, T* k, T* v, int n)
    {
        int i = 0;
        T s = T.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                acc = VectorMath.MultiplyAdd(Vector256.Load(v + i), VectorMath.Tanh(Vector256.Load(q + i) + Vector256.Load(k + i)), acc);
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++) s += v[i] * T.Tanh(q[i] + k[i]);
        return s;
    }

    /// <summary>With t = tanh(q + k): g = ds·v⊙(1 − t²); dq += g; dk += g; dv += ds·t.</summary>
    private static void AdditiveBackwardRow(T* q, T* k, T* v, T ds, T* dq, T* dk, T* dv, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vds = Vector256.Create(ds);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var t = VectorMath.Tanh(Vector256.Load(q + i) + Vector256.Load(k + i));
                var g = vds * Vector256.Load(v + i) * (Vector256<T>.One - t * t);
                Vector256.Store(Vector256.Load(dq + i) + g, dq + i);
                Vector256.Store(Vector256.Load(dk + i) + g, dk + i);
                Vector256.Store(VectorMath.MultiplyAdd(vds, t, Vector256.Load(dv + i)), dv + i);
            }
        }
        for (; i < n; i++)
        {
            T t = T.Tanh(q[i] + k[i]);
            T g = ds * v[i] * (T.One - t * t);
            dq[i] += g;
            dk[i] += g;
            dv[i] += ds * t;
        }
    }

    /// <summary>One chunk is one query row (b, i).</summary>
    private sealed class AdditiveJob : IParallelJob
    {
        public T* Q, K, V, S, Lengths;
        public int Tq, Tk, A;

        public void Execute(int chunk)
        {
            int b = chunk / Tq;
            int kLen = Lengths == null ? Tk : int.CreateTruncating(Lengths[b]);
            T* q = Q + (long)chunk * A, s = S + (long)chunk * Tk;
            for (int j = 0; j < kLen; j++) s[j] = AdditiveScore(q, K + ((long)b * Tk + j) * A, V, A);
            for (int j = kLen; j < Tk; j++) s[j] = T.NegativeInfinity;
        }
    }
}
