using System.Runtime.InteropServices;
using SeqCore.Cuda.Runtime;

namespace SeqCore.Cuda;

// Attention (kernels/attention.cu): the tiled scaled dot-product kernels, the explicit weights and additive scores.
// Argument checks are the shared Check helpers the CPU backend uses, in the same order, so both backends reject the
// same calls with the same messages. Key lengths live on the device; they are read back (B values, one
// synchronisation) to be validated as the CPU validates them.
public sealed unsafe partial class CudaBackend<T>
{
    /// <summary>The largest tile size accepted in an <see cref="AttentionSpec"/> (the CPU backend's bound, for identical checks).</summary>
    public const int MaxAttentionTile = 1024;

    /// <summary>Threads per block of the attention kernels (the register-tiled forms need exactly 128: a 16 × 8 grid).</summary>
    internal const int AttentionBlock = 128;

    /// <summary>Shared memory a block may use without opting in to more (every architecture since sm_20).</summary>
    internal const int AttentionSharedLimit = 48 * 1024;

    /// <summary>Mirror of <c>sc_attn_params</c> in kernels/attention.cu (same fields, same order, passed by value).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct AttnParams
    {
        public long QB, QH, QR, KB, KH, KR, VB, VH, VR, OB, OH, OR;
        public int Batch, Heads, Tq, Tk, D, Dv, BQ, BK, Offset, Causal;
        public double Scale;
    }

    /// <summary>Which attention kernel a tile choice is for (their shared-memory layouts differ).</summary>
    internal enum AttentionKernel { Forward, BackwardQuery, BackwardKeyValue }

    /// <summary>Odd row stride of a shared-memory tile (kernels/attention.cu, odd_stride).</summary>
    private static int OddStride(int width) => width | 1;

    /// <summary>Whether the kernel takes its register-tiled form for these tiles and widths (mirrors fits_registers*).</summary>
    internal static bool UsesRegisterForm(AttentionKernel kernel, int bq, int bk, int d, int dv) => kernel switch
    {
        AttentionKernel.Forward => bq <= 32 && bk <= 64 && dv <= 128,
        AttentionKernel.BackwardQuery => bq <= 32 && bk <= 64 && d <= 128,
        _ => bq <= 32 && bk <= 32 && d <= 128 && dv <= 128,
    };

    /// <summary>Dynamic shared memory (elements) of one block, as the kernel lays it out.</summary>
    internal static long AttentionSharedElements(AttentionKernel kernel, int bq, int bk, int d, int dv)
    {
        long q = bq, k = bk, ldk = OddStride(d), ldv = OddStride(dv), ldq = OddStride(d), ldo = OddStride(dv);
        bool reg = UsesRegisterForm(kernel, bq, bk, d, dv);
        return kernel switch
        {
            AttentionKernel.Forward => reg
                ? q * ldq + k * ldk + k * ldv + q * k + 3 * q
                : q * d + k * ldk + k * ldv + q * k + q * dv + 3 * q,
            AttentionKernel.BackwardQuery => reg
                ? q * ldq + q * ldo + k * ldk + k * ldv + q * k + 2 * q
                : 2 * q * d + q * dv + k * ldk + k * ldv + q * k + 2 * q,
            _ => reg
                ? k * ldk + k * ldv + q * ldq + q * ldo + 2 * q * k + 2 * q
                : k * ldk + k * ldv + k * d + k * dv + q * d + q * dv + 2 * q * k + 2 * q,
        };
    }

    /// <summary>
    /// The tiles of one attention kernel: the spec's tiles as upper bounds (0 = no bound), capped at the register-tiled
    /// form's sizes (32 × 64; 32 × 32 for dK/dV) and at the sequence lengths, then halved, the larger first, until the
    /// block's shared memory fits in <see cref="AttentionSharedLimit"/>. Tiles only change the order of additions.
    /// </summary>
    internal static (int Bq, int Bk, uint SharedBytes) AttentionTiles(AttentionKernel kernel, in AttentionSpec s)
    {
        int d = s.HeadSize, dv = s.EffectiveValueSize;
        int bq = Math.Min(s.QueryTile == 0 ? 32 : s.QueryTile, 32);
        int bk = Math.Min(s.KeyTile == 0 ? 64 : s.KeyTile, kernel == AttentionKernel.BackwardKeyValue ? 32 : 64);
        bq = Math.Max(1, Math.Min(bq, s.QueryLength));
        bk = Math.Max(1, Math.Min(bk, s.KeyLength));
        long size = sizeof(T);
        while (AttentionSharedElements(kernel, bq, bk, d, dv) * size > AttentionSharedLimit)
        {
            if (bq == 1 && bk == 1)
                throw new NotSupportedException($"Attention on the CUDA backend: head widths d={d}, dv={dv} need {AttentionSharedElements(kernel, 1, 1, d, dv) * size} bytes " +
                    $"of shared memory for a single query and key, more than the {AttentionSharedLimit} bytes a block may use.");
            if (bk >= bq) bk = Math.Max(1, bk / 2); else bq = Math.Max(1, bq / 2);
        }
        return (bq, bk, (uint)(AttentionSharedElements(kernel, bq, bk, d, dv) * size));
    }

    /// <summary>The CPU backend's attention checks, in its order; returns the kernel parameters (tiles not yet set).</summary>
    private AttnParams AttentionPrepare(string op, in AttentionSpec s, Tensor<T> q, Tensor<T> k, Tensor<T>? v, Tensor<T>? o,
        Tensor<T>? keyLengths, bool checkLse, Tensor<T>? lse, out ulong lengths)
    {
        Check.AttentionSpec(op, s, MaxAttentionTile);
        int h = s.Heads, tq = s.QueryLength, tk = s.KeyLength, d = s.HeadSize, dv = s.EffectiveValueSize;
        var qs = s.QueryStrides.OrDense(h, tq, d);
        var ks = s.KeyStrides.OrDense(h, tk, d);
        var vs = s.ValueStrides.OrDense(h, tk, dv);
        var os = s.OutputStrides.OrDense(h, tq, dv);
        Check.AttentionOperand(op, q, "q", s, qs, tq, d);
        Check.AttentionOperand(op, k, "k", s, ks, tk, d);
        if (v is not null) Check.AttentionOperand(op, v, "v", s, vs, tk, dv);
        if (o is not null) Check.AttentionOperand(op, o, "output", s, os, tq, dv);
        if (checkLse) Check.Length(op, lse!, "logSumExp", (long)s.Batch * h * tq, "[B, heads, Tq] of 'q'", q);
        lengths = 0;
        if (keyLengths is not null)
        {
            lengths = Ptr(keyLengths, op, "keyLengths");
            Check.Length(op, keyLengths, "keyLengths", s.Batch, "one length per batch entry of 'q'", q);
            CheckDeviceKeyLengths(op, keyLengths, s.Batch, tk, "k", k);
        }
        return new AttnParams
        {
            QB = qs.Batch, QH = qs.Head, QR = qs.Row, KB = ks.Batch, KH = ks.Head, KR = ks.Row,
            VB = vs.Batch, VH = vs.Head, VR = vs.Row, OB = os.Batch, OH = os.Head, OR = os.Row,
            Batch = s.Batch, Heads = h, Tq = tq, Tk = tk, D = d, Dv = dv, Offset = s.CausalOffset, Causal = s.Causal ? 1 : 0,
            Scale = s.EffectiveScale,
        };
    }

    /// <summary>Reads the B key lengths back from the device (synchronises) and validates them with the CPU's check.</summary>
    private void CheckDeviceKeyLengths(string op, Tensor<T> keyLengths, int batch, int keyLength, string keysRole, Tensor<T> keys)
    {
        if (batch == 0) return;
        T[]? rented = null;
        Span<T> host = batch <= 256 ? stackalloc T[batch] : (rented = System.Buffers.ArrayPool<T>.Shared.Rent(batch)).AsSpan(0, batch);
        try
        {
            CopyToHost(keyLengths, host);
            Check.KeyLengths(op, host, keyLength, keysRole, keys);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<T>.Shared.Return(rented);
        }
    }

    /// <inheritdoc />
    public void AttentionForward(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T>? keyLengths, in AttentionSpec spec,
        Tensor<T> output, Tensor<T> logSumExp)
    {
        const string op = "AttentionForward";
        ulong pq = Ptr(q, op, "q"), pk = Ptr(k, op, "k"), pv = Ptr(v, op, "v"), po = Ptr(output, op, "output"), pl = Ptr(logSumExp, op, "logSumExp");
        var a = AttentionPrepare(op, spec, q, k, v, output, keyLengths, true, logSumExp, out ulong plen);
        if (a.Batch == 0 || a.Heads == 0 || a.Tq == 0) return;
        var (bq, bk, smem) = AttentionTiles(AttentionKernel.Forward, spec);
        a.BQ = bq; a.BK = bk;
        void** args = stackalloc void*[] { &pq, &pk, &pv, &plen, &po, &pl, &a };
        LaunchAttention("attn_fwd", (long)a.Batch * a.Heads * ((a.Tq + bq - 1) / bq), smem, args);
    }

    /// <inheritdoc />
    public void AttentionBackward(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> output, Tensor<T> logSumExp, Tensor<T> dOutput,
        Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> dq, Tensor<T> dk, Tensor<T> dv)
    {
        const string op = "AttentionBackward";
        ulong pq = Ptr(q, op, "q"), pk = Ptr(k, op, "k"), pv = Ptr(v, op, "v"), po = Ptr(output, op, "output"), pl = Ptr(logSumExp, op, "logSumExp");
        ulong pdo = Ptr(dOutput, op, "dOutput"), pdq = Ptr(dq, op, "dq"), pdk = Ptr(dk, op, "dk"), pdv = Ptr(dv, op, "dv");
        var a = AttentionPrepare(op, spec, q, k, v, output, keyLengths, true, logSumExp, out ulong plen);
        Check.AttentionOperand(op, dOutput, "dOutput", spec, new AttentionStrides(a.OB, a.OH, a.OR), a.Tq, a.Dv);
        Check.AttentionOperand(op, dq, "dq", spec, new AttentionStrides(a.QB, a.QH, a.QR), a.Tq, a.D);
        Check.AttentionOperand(op, dk, "dk", spec, new AttentionStrides(a.KB, a.KH, a.KR), a.Tk, a.D);
        Check.AttentionOperand(op, dv, "dv", spec, new AttentionStrides(a.VB, a.VH, a.VR), a.Tk, a.Dv);
        if (a.Batch == 0 || a.Heads == 0) return;
        long bh = (long)a.Batch * a.Heads;
        if (a.Tk > 0)
        {
            // dK, dV: a block per key tile (every key row is written, 0 where no query sees it).
            var (bq, bk, smem) = AttentionTiles(AttentionKernel.BackwardKeyValue, spec);
            var kv = a;
            kv.BQ = bq; kv.BK = bk;
            void** args = stackalloc void*[] { &pq, &pk, &pv, &po, &pl, &pdo, &plen, &pdk, &pdv, &kv };
            LaunchAttention("attn_bwd_kv", bh * ((a.Tk + bk - 1) / bk), smem, args);
        }
        if (a.Tq > 0)
        {
            // dQ: a block per query tile (every query row is written, 0 where it sees no key).
            var (bq, bk, smem) = AttentionTiles(AttentionKernel.BackwardQuery, spec);
            var qp = a;
            qp.BQ = bq; qp.BK = bk;
            void** args = stackalloc void*[] { &pq, &pk, &pv, &po, &pl, &pdo, &plen, &pdq, &qp };
            LaunchAttention("attn_bwd_q", bh * ((a.Tq + bq - 1) / bq), smem, args);
        }
    }

    /// <inheritdoc />
    public void AttentionWeights(Tensor<T> q, Tensor<T> k, Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> weights)
    {
        const string op = "AttentionWeights";
        ulong pq = Ptr(q, op, "q"), pk = Ptr(k, op, "k"), pw = Ptr(weights, op, "weights");
        var a = AttentionPrepare(op, spec, q, k, null, null, keyLengths, false, null, out ulong plen);
        Check.Length(op, weights, "weights", (long)a.Batch * a.Heads * a.Tq * a.Tk, "[B, heads, Tq, Tk] of 'q'", q);
        if (a.Batch == 0 || a.Heads == 0 || a.Tq == 0 || a.Tk == 0) return;
        void** args = stackalloc void*[] { &pq, &pk, &plen, &pw, &a };
        long rows = (long)a.Batch * a.Heads * a.Tq, warps = AttentionBlock / 32; // one warp per query row
        LaunchAttention("attn_weights", (rows + warps - 1) / warps, 0, args);
    }

    /// <summary>One block of <see cref="AttentionBlock"/> threads per work item of a tiled attention kernel.</summary>
    private void LaunchAttention(string kernel, long blocks, uint sharedBytes, void** args)
    {
        if (blocks <= 0) return;
        if (blocks > int.MaxValue)
            throw new NotSupportedException($"Attention on the CUDA backend: {blocks} blocks exceed the grid limit of {int.MaxValue}.");
        _device.Launch(Fn(kernel), new Dim3((uint)blocks), new Dim3(AttentionBlock), sharedBytes, args);
    }

    // ----- additive (Bahdanau) scores -------------------------------------------------------------------------------

    /// <summary>The CPU backend's additive-attention checks, in its order; returns the lengths' device address or 0.</summary>
    private ulong AdditiveArgs(string op, Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T>? keyLengths,
        int batch, int tq, int tk, Tensor<T> scores, string scoresRole)
    {
        Check.AdditiveSizes(op, batch, tq, tk);
        int width = (int)v.Length;
        Check.Length(op, queryProj, "queryProj", (long)batch * tq * width, "[B, Tq, A] with A the length of 'v'", v);
        Check.Length(op, keyProj, "keyProj", (long)batch * tk * width, "[B, Tk, A] with A the length of 'v'", v);
        Check.Length(op, scores, scoresRole, (long)batch * tq * tk, "[B, Tq, Tk] of 'queryProj'", queryProj);
        if (keyLengths is null) return 0;
        ulong lens = Ptr(keyLengths, op, "keyLengths");
        Check.Length(op, keyLengths, "keyLengths", batch, "one length per batch entry of 'queryProj'", queryProj);
        CheckDeviceKeyLengths(op, keyLengths, batch, tk, "keyProj", keyProj);
        return lens;
    }

    /// <inheritdoc />
    public void AdditiveScores(Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T>? keyLengths,
        int batch, int queryLength, int keyLength, Tensor<T> scores)
    {
        const string op = "AdditiveScores";
        ulong pq = Ptr(queryProj, op, "queryProj"), pk = Ptr(keyProj, op, "keyProj"), pv = Ptr(v, op, "v"), ps = Ptr(scores, op, "scores");
        ulong plen = AdditiveArgs(op, queryProj, keyProj, v, keyLengths, batch, queryLength, keyLength, scores, "scores");
        int width = (int)v.Length;
        void** args = stackalloc void*[] { &pq, &pk, &pv, &plen, &ps, &batch, &queryLength, &keyLength, &width };
        LaunchElements("additive_scores", (long)batch * queryLength * keyLength, args);
    }

    /// <inheritdoc />
    public void AdditiveScoresBackward(Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T> dScores, Tensor<T>? keyLengths,
        int batch, int queryLength, int keyLength, Tensor<T> dQueryProj, Tensor<T> dKeyProj, Tensor<T> dv)
    {
        const string op = "AdditiveScoresBackward";
        ulong pq = Ptr(queryProj, op, "queryProj"), pk = Ptr(keyProj, op, "keyProj"), pv = Ptr(v, op, "v"), pds = Ptr(dScores, op, "dScores");
        ulong pdq = Ptr(dQueryProj, op, "dQueryProj"), pdk = Ptr(dKeyProj, op, "dKeyProj"), pdv = Ptr(dv, op, "dv");
        ulong plen = AdditiveArgs(op, queryProj, keyProj, v, keyLengths, batch, queryLength, keyLength, dScores, "dScores");
        Check.SameLength(op, queryProj, "queryProj", dQueryProj, "dQueryProj");
        Check.SameLength(op, keyProj, "keyProj", dKeyProj, "dKeyProj");
        Check.SameLength(op, v, "v", dv, "dv");
        int width = (int)v.Length;
        if (width == 0) return;
        // Each output element has one writer that sums in a fixed order (deterministic, no atomics, no zero-fill).
        void** qa = stackalloc void*[] { &pq, &pk, &pv, &pds, &plen, &pdq, &batch, &queryLength, &keyLength, &width };
        LaunchElements("additive_bwd_query", (long)batch * queryLength * width, qa);
        void** ka = stackalloc void*[] { &pq, &pk, &pv, &pds, &plen, &pdk, &batch, &queryLength, &keyLength, &width };
        LaunchElements("additive_bwd_key", (long)batch * keyLength * width, ka);
        // dv: one 256-thread block per column (grid-stride over columns), a fixed-order tree reduction.
        const int block = 256;
        void** va = stackalloc void*[] { &pq, &pk, &pds, &plen, &pdv, &batch, &queryLength, &keyLength, &width };
        uint blocks = (uint)Math.Min(width, _device.Multiprocessors * LaunchConfig.BlocksPerMultiprocessor);
        _device.Launch(Fn("additive_bwd_v"), new Dim3(blocks), new Dim3(block), (uint)(block * sizeof(T)), va);
    }
}
