using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    /// <summary>The largest tile size: a kernel keeps one key tile of scores and two statistics per query row of a
    /// tile on the stack (at most 3·1024 elements), so it needs no scratch memory of its own.</summary>
    public const int MaxAttentionTile = 1024;

    /// <summary>Validated, resolved arguments shared by the three attention kernels.</summary>
    private struct AttnArgs
    {
        public int B, H, Tq, Tk, D, Dv, BQ, BK, Offset;
        public bool Causal, HasLengths;
        public T Scale;
        public AttentionStrides Qs, Ks, Vs, Os;
    }

    private static void AttentionCheckOperand(string op, Tensor<T> t, string role, in AttentionSpec s, AttentionStrides st, int length, int width)
    {
        if (st.Batch < 0 || st.Head < 0 || st.Row < 0)
            throw new ArgumentException($"{op}: strides of '{role}' must be non-negative, got (batch {st.Batch}, head {st.Head}, row {st.Row}).");
        if (length > 1 && st.Row < width)
            throw new ArgumentException($"{op}: row stride of '{role}' is {st.Row} but its rows have {width} columns (shape {t.ShapeText}).");
        if (s.Batch == 0 || s.Heads == 0 || length == 0 || width == 0) return;
        long need = (s.Batch - 1) * st.Batch + (s.Heads - 1) * st.Head + (length - 1) * st.Row + width;
        if (need > t.Length)
            throw new ArgumentException($"{op}: '{role}' must hold (B {s.Batch}, heads {s.Heads}, T {length}, width {width}) with strides (batch {st.Batch}, head {st.Head}, row {st.Row}), " +
                $"{need} elements, but has shape {t.ShapeText} ({t.Length} elements).");
    }

    private AttnArgs AttentionPrepare(string op, in AttentionSpec s, Tensor<T> q, Tensor<T> k, Tensor<T>? v, Tensor<T>? o,
        Tensor<T>? keyLengths, bool checkLse, Tensor<T>? lse, out T* lengths)
    {
        if (s.Batch < 0 || s.Heads < 0 || s.QueryLength < 0 || s.KeyLength < 0 || s.HeadDim <= 0 || s.ValueDim < 0)
            throw new ArgumentException($"{op}: sizes must be non-negative and the head dimension positive, got B={s.Batch}, heads={s.Heads}, Tq={s.QueryLength}, Tk={s.KeyLength}, d={s.HeadDim}, dv={s.ValueDim}.");
        if (s.QueryTile < 0 || s.KeyTile < 0 || s.QueryTile > MaxAttentionTile || s.KeyTile > MaxAttentionTile)
            throw new ArgumentException($"{op}: tile sizes must be in 1..{MaxAttentionTile} (or 0 for the default), got query tile {s.QueryTile}, key tile {s.KeyTile}.");
        if (double.IsNaN(s.Scale) || double.IsInfinity(s.Scale))
            throw new ArgumentException($"{op}: the scale must be finite, got {s.Scale}.");
        var a = new AttnArgs
        {
            B = s.Batch, H = s.Heads, Tq = s.QueryLength, Tk = s.KeyLength, D = s.HeadDim, Dv = s.EffectiveValueDim,
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
            for (int b = 0; b < a.B; b++)
            {
                T len = lengths[b];
                if (!(len >= T.Zero && len <= T.CreateTruncating(a.Tk)) || len != T.Floor(len))
                    throw new ArgumentException($"{op}: keyLengths[{b}] is {len} but must be a whole number in 0..{a.Tk} (the key length of 'k' {k.ShapeText}).");
            }
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
        var job = JobCache<AttnForwardJob>.Get();
        job.A = a; job.Q = pq; job.K = pk; job.V = pv; job.O = po; job.Lse = pl; job.Lengths = lens;
        job.QueryTiles = (a.Tq + a.BQ - 1) / a.BQ;
        RunAttention(job, a.B * a.H * job.QueryTiles, (long)a.B * a.H * a.Tq * a.Tk * (a.D + a.Dv));
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

    /// <summary><c>y += alpha·x</c> over n elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AxpyRow(T alpha, T* x, T* y, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Vector256.Store(VectorMath.MultiplyAdd(va, Vector256.Load(x + i), Vector256.Load(y + i)), y + i);
        }
        for (; i < n; i++) y[i] += alpha * x[i];
    }

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

    /// <summary>Forward: one chunk is one tile of query rows of one (batch, head).</summary>
    private sealed class AttnForwardJob : IParallelJob
    {
        public AttnArgs A;
        public T* Q, K, V, O, Lse, Lengths;
        public int QueryTiles;

        public void Execute(int chunk)
        {
            ref readonly AttnArgs a = ref A;
            int qt = chunk % QueryTiles, bh = chunk / QueryTiles, b = bh / a.H, h = bh % a.H;
            int i0 = qt * a.BQ, i1 = Math.Min(a.Tq, i0 + a.BQ), rows = i1 - i0;
            T* q = Q + b * a.Qs.Batch + h * a.Qs.Head;
            T* k = K + b * a.Ks.Batch + h * a.Ks.Head;
            T* v = V + b * a.Vs.Batch + h * a.Vs.Head;
            T* o = O + b * a.Os.Batch + h * a.Os.Head;
            T* lse = Lse + (long)bh * a.Tq;
            T* s = stackalloc T[a.BK + 2 * a.BQ];
            T* m = s + a.BK, l = m + a.BQ;
            for (int r = 0; r < rows; r++) { m[r] = T.NegativeInfinity; l[r] = T.Zero; }
            ZeroRows(o + i0 * a.Os.Row, a.Os.Row, rows, a.Dv);

            // Keys past the length, and (causal) past the last row's diagonal, are never visited.
            int kEnd = KeyLimit(a, Lengths, b);
            if (a.Causal) kEnd = Math.Min(kEnd, Math.Max(0, i1 + a.Offset));
            for (int j0 = 0; j0 < kEnd; j0 += a.BK)
            {
                int j1 = Math.Min(kEnd, j0 + a.BK);
                T* kt = k + j0 * a.Ks.Row, vt = v + j0 * a.Vs.Row;
                for (int r = 0; r < rows; r++)
                {
                    int i = i0 + r;
                    int n = (a.Causal ? Math.Min(j1, i + a.Offset + 1) : j1) - j0; // the diagonal tile is masked here
                    if (n <= 0) continue;
                    T* oi = o + i * a.Os.Row;
                    T tileMax = ScoreRow(q + i * a.Qs.Row, kt, a.Ks.Row, a.D, n, a.Scale, s);
                    T mOld = m[r], mNew = T.Max(mOld, tileMax);
                    T sum = ExpShiftRow(s, mNew, n);
                    if (mOld != mNew)
                    {
                        T alpha = T.Exp(mOld - mNew); // 0 on the row's first tile (mOld = −∞, O and l still 0)
                        ScaleRow(alpha, oi, a.Dv);
                        l[r] *= alpha;
                    }
                    l[r] += sum;
                    m[r] = mNew;
                    for (int c = 0; c < n; c++) AxpyRow(s[c], vt + c * a.Vs.Row, oi, a.Dv);
                }
            }
            for (int r = 0; r < rows; r++)
            {
                int i = i0 + r;
                if (l[r] > T.Zero)
                {
                    ScaleRow(T.One / l[r], o + i * a.Os.Row, a.Dv);
                    lse[i] = m[r] + T.Log(l[r]);
                }
                else lse[i] = T.NegativeInfinity; // no visible key: output stays 0
            }
        }
    }

    /// <summary>
    /// Backward: one chunk is one (batch, head), so dq, dk and dv of a head have one writer (no atomics, deterministic).
    /// Key tiles are the outer loop, so a tile's k, v, dk, dv stay in cache while the query rows stream past.
    /// </summary>
    private sealed class AttnBackwardJob : IParallelJob
    {
        public AttnArgs A;
        public T* Q, K, V, O, Lse, Lengths, DO, DQ, DK, DV;

        public void Execute(int chunk)
        {
            ref readonly AttnArgs a = ref A;
            int b = chunk / a.H, h = chunk % a.H;
            T* q = Q + b * a.Qs.Batch + h * a.Qs.Head, dq = DQ + b * a.Qs.Batch + h * a.Qs.Head;
            T* k = K + b * a.Ks.Batch + h * a.Ks.Head, dk = DK + b * a.Ks.Batch + h * a.Ks.Head;
            T* v = V + b * a.Vs.Batch + h * a.Vs.Head, dv = DV + b * a.Vs.Batch + h * a.Vs.Head;
            T* o = O + b * a.Os.Batch + h * a.Os.Head, dout = DO + b * a.Os.Batch + h * a.Os.Head;
            T* lse = Lse + (long)chunk * a.Tq;
            ZeroRows(dq, a.Qs.Row, a.Tq, a.D);
            ZeroRows(dk, a.Ks.Row, a.Tk, a.D);
            ZeroRows(dv, a.Vs.Row, a.Tk, a.Dv);
            T* s = stackalloc T[a.BK];

            int kEnd = KeyLimit(a, Lengths, b);
            if (a.Causal) kEnd = Math.Min(kEnd, Math.Max(0, a.Tq + a.Offset));
            for (int j0 = 0; j0 < kEnd; j0 += a.BK)
            {
                int j1 = Math.Min(kEnd, j0 + a.BK);
                T* kt = k + j0 * a.Ks.Row, vt = v + j0 * a.Vs.Row, dkt = dk + j0 * a.Ks.Row, dvt = dv + j0 * a.Vs.Row;
                int iStart = a.Causal ? Math.Max(0, j0 - a.Offset) : 0; // rows above the tile see none of its keys
                for (int i = iStart; i < a.Tq; i++)
                {
                    T l = lse[i];
                    if (T.IsNegativeInfinity(l)) continue;
                    int n = (a.Causal ? Math.Min(j1, i + a.Offset + 1) : j1) - j0;
                    if (n <= 0) continue;
                    T* qi = q + i * a.Qs.Row, doi = dout + i * a.Os.Row, dqi = dq + i * a.Qs.Row;
                    ScoreRow(qi, kt, a.Ks.Row, a.D, n, a.Scale, s);
                    ExpShiftRow(s, l, n); // P_ij = exp(S_ij − lse_i)
                    T di = Dot(doi, o + i * a.Os.Row, a.Dv); // D_i, recomputed per key tile instead of stored: O(T) less memory

                    for (int c = 0; c < n; c++)
                    {
                        T p = s[c];
                        T* vc = vt + c * a.Vs.Row;
                        AxpyRow(p, doi, dvt + c * a.Vs.Row, a.Dv);
                        T ds = a.Scale * p * (Dot(doi, vc, a.Dv) - di);
                        AxpyRow(ds, kt + c * a.Ks.Row, dqi, a.D);
                        AxpyRow(ds, qi, dkt + c * a.Ks.Row, a.D);
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
        if (batch < 0 || tq < 0 || tk < 0)
            throw new ArgumentException($"{op}: sizes must be non-negative, got B={batch}, Tq={tq}, Tk={tk}.");
        int width = (int)v.Length;
        Check.Length(op, queryProj, "queryProj", (long)batch * tq * width, "[B, Tq, A] with A the length of 'v'", v);
        Check.Length(op, keyProj, "keyProj", (long)batch * tk * width, "[B, Tk, A] with A the length of 'v'", v);
        Check.Length(op, scores, scoresRole, (long)batch * tq * tk, "[B, Tq, Tk] of 'queryProj'", queryProj);
        if (keyLengths is null) return null;
        T* lens = Ptr(keyLengths, op, "keyLengths");
        Check.Length(op, keyLengths, "keyLengths", batch, "one length per batch entry of 'queryProj'", queryProj);
        for (int b = 0; b < batch; b++)
        {
            T len = lens[b];
            if (!(len >= T.Zero && len <= T.CreateTruncating(tk)) || len != T.Floor(len))
                throw new ArgumentException($"{op}: keyLengths[{b}] is {len} but must be a whole number in 0..{tk} (the key length of 'keyProj' {keyProj.ShapeText}).");
        }
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
