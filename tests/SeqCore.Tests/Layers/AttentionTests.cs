using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Layers.Attention;
using SeqCore.Random;

namespace SeqCore.Tests.Layers;

/// <summary>
/// The tiled attention kernels against a naive reference written here (scores materialised, plain softmax, the
/// backward from the explicit P), on awkward sizes, in float and double, with every mask and several tile sizes;
/// plus the memory bound, steady-state allocation and error messages.
/// </summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class AttentionTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly bool IsFloat = typeof(T) == typeof(float);
    // Float: the kernel accumulates in float over ≤ 33 keys and ≤ 17 features; relative to the tensor's largest value.
    private static double Tol => IsFloat ? 2e-5 : 1e-12;

    private CpuBackend<T> _be = null!;
    [OneTimeSetUp] public void SetUp() => _be = new CpuBackend<T>();
    [OneTimeTearDown] public void TearDown() => _be.Dispose();

    private static double[] Uniform(RandomStream r, long n, double scale = 1)
    {
        var v = new double[n];
        for (long i = 0; i < n; i++) v[i] = scale * (2 * r.NextDouble() - 1);
        return v;
    }

    private Tensor<T> Up(double[] v, params int[] shape) => _be.FromHost(v.Select(T.CreateTruncating).ToArray(), shape);
    private double[] Down(Tensor<T> t) => _be.ToArray(t).Select(double.CreateTruncating).ToArray();

    /// <summary>Naive attention of dense [B, H, T, ·] tensors: O, lse, P and the backward from P.</summary>
    private static (double[] O, double[] Lse, double[] P, double[] Dq, double[] Dk, double[] Dv) Reference(
        double[] q, double[] k, double[] v, double[] dO, int B, int H, int Tq, int Tk, int d, int dv, bool causal, int offset, int[]? lengths, double scale)
    {
        var o = new double[B * H * Tq * dv];
        var lse = new double[B * H * Tq];
        var p = new double[B * H * Tq * Tk];
        var dq = new double[B * H * Tq * d];
        var dk = new double[B * H * Tk * d];
        var dvv = new double[B * H * Tk * dv];
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++)
            {
                int bh = b * H + h, kLen = lengths?[b] ?? Tk;
                var dp = new double[Tq * Tk];
                for (int i = 0; i < Tq; i++)
                {
                    var s = new double[Tk];
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < Tk; j++)
                    {
                        bool visible = j < kLen && (!causal || j <= i + offset);
                        if (!visible) { s[j] = double.NegativeInfinity; continue; }
                        double acc = 0;
                        for (int c = 0; c < d; c++) acc += q[(bh * Tq + i) * d + c] * k[(bh * Tk + j) * d + c];
                        s[j] = scale * acc;
                        max = Math.Max(max, s[j]);
                    }
                    if (double.IsNegativeInfinity(max)) { lse[bh * Tq + i] = double.NegativeInfinity; continue; }
                    double sum = 0;
                    for (int j = 0; j < Tk; j++) sum += Math.Exp(s[j] - max);
                    lse[bh * Tq + i] = max + Math.Log(sum);
                    for (int j = 0; j < Tk; j++) p[(bh * Tq + i) * Tk + j] = Math.Exp(s[j] - max) / sum;
                }
                for (int i = 0; i < Tq; i++)
                {
                    for (int j = 0; j < Tk; j++)
                    {
                        double pij = p[(bh * Tq + i) * Tk + j];
                        for (int c = 0; c < dv; c++)
                        {
                            o[(bh * Tq + i) * dv + c] += pij * v[(bh * Tk + j) * dv + c];
                            dvv[(bh * Tk + j) * dv + c] += pij * dO[(bh * Tq + i) * dv + c];
                            dp[i * Tk + j] += dO[(bh * Tq + i) * dv + c] * v[(bh * Tk + j) * dv + c];
                        }
                    }
                    double rowDot = 0;
                    for (int j = 0; j < Tk; j++) rowDot += p[(bh * Tq + i) * Tk + j] * dp[i * Tk + j];
                    for (int j = 0; j < Tk; j++)
                    {
                        double ds = scale * p[(bh * Tq + i) * Tk + j] * (dp[i * Tk + j] - rowDot);
                        for (int c = 0; c < d; c++)
                        {
                            dq[(bh * Tq + i) * d + c] += ds * k[(bh * Tk + j) * d + c];
                            dk[(bh * Tk + j) * d + c] += ds * q[(bh * Tq + i) * d + c];
                        }
                    }
                }
            }
        return (o, lse, p, dq, dk, dvv);
    }

    private static void AssertClose(double[] actual, double[] expected, double tol, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        // Inputs are O(1), so every term is too: a floor of 1 keeps gradients that are exactly 0 in exact arithmetic
        // (one visible key: dS = P·(dP − D) with P = 1 and dP = D) from being compared with rounding noise alone.
        double scale = Math.Max(1.0, expected.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max());
        for (int i = 0; i < actual.Length; i++)
        {
            if (double.IsNegativeInfinity(expected[i])) { Assert.That(actual[i], Is.EqualTo(double.NegativeInfinity), $"{what}[{i}]"); continue; }
            if (Math.Abs(actual[i] - expected[i]) > tol * scale)
                Assert.Fail($"{what}[{i}]: {actual[i]:R} vs reference {expected[i]:R} (|diff| {Math.Abs(actual[i] - expected[i]):E2} > {tol:E0}·{scale:E2})");
        }
    }

    private void RunOne(int B, int H, int Tq, int Tk, int d, int dv, bool causal, int offset, int[]? lengths, int qTile, int kTile, ulong seed)
    {
        var r = new RandomStream(seed);
        double[] q = Uniform(r, B * H * Tq * d, 2), k = Uniform(r, B * H * Tk * d, 2), v = Uniform(r, B * H * Tk * dv), dO = Uniform(r, B * H * Tq * dv);
        var spec = new AttentionSpec
        {
            Batch = B, Heads = H, QueryLength = Tq, KeyLength = Tk, HeadSize = d, ValueSize = dv, Causal = causal, CausalOffset = offset,
            QueryTile = qTile, KeyTile = kTile,
        };
        var expect = Reference(q, k, v, dO, B, H, Tq, Tk, d, dv, causal, offset, lengths, spec.EffectiveScale);
        using var tq = Up(q, B, H, Tq, d);
        using var tk = Up(k, B, H, Tk, d);
        using var tv = Up(v, B, H, Tk, dv);
        using var tdo = Up(dO, B, H, Tq, dv);
        using var len = lengths is null ? null : Up(lengths.Select(x => (double)x).ToArray(), B);
        using var o = Up(Enumerable.Repeat(double.NaN, B * H * Tq * dv).ToArray(), B, H, Tq, dv); // must be overwritten
        using var lse = _be.Allocate(B, H, Tq);
        using var w = _be.Allocate(B, H, Tq, Tk);
        using var dq = Up(Enumerable.Repeat(double.NaN, B * H * Tq * d).ToArray(), B, H, Tq, d);
        using var dk = Up(Enumerable.Repeat(double.NaN, B * H * Tk * d).ToArray(), B, H, Tk, d);
        using var dvt = Up(Enumerable.Repeat(double.NaN, B * H * Tk * dv).ToArray(), B, H, Tk, dv);
        _be.AttentionForward(tq, tk, tv, len, spec, o, lse);
        _be.AttentionWeights(tq, tk, len, spec, w);
        _be.AttentionBackward(tq, tk, tv, o, lse, tdo, len, spec, dq, dk, dvt);
        string what = $"B{B} H{H} Tq{Tq} Tk{Tk} d{d} dv{dv} causal{causal}+{offset} lengths[{string.Join(",", lengths ?? [])}] tiles {qTile}/{kTile}";
        AssertClose(Down(o), expect.O, Tol, $"{what} output");
        AssertClose(Down(lse), expect.Lse, Tol, $"{what} lse");
        AssertClose(Down(w), expect.P, Tol, $"{what} weights");
        AssertClose(Down(dq), expect.Dq, 4 * Tol, $"{what} dq");
        AssertClose(Down(dk), expect.Dk, 4 * Tol, $"{what} dk");
        AssertClose(Down(dvt), expect.Dv, 4 * Tol, $"{what} dv");
    }

    [Test]
    public void TiledMatchesNaiveReferenceOnAwkwardSizes(
        [Values(1, 3, 7, 17, 33)] int t, [Values(1, 3, 8, 17)] int d)
    {
        (int, int)[] tiles = [(0, 0), (3, 5), (16, 7), (1, 1)];
        ulong seed = 1;
        foreach (bool causal in new[] { false, true })
            foreach (bool padded in new[] { false, true })
                foreach (var (qt, kt) in tiles)
                {
                    int[]? lengths = padded ? [t, Math.Max(1, t / 2), (t + 1) / 3] : null;
                    RunOne(3, 2, t, t, d, d, causal, 0, lengths, qt, kt, seed++);
                }
    }

    [Test]
    public void CrossAttentionWithDifferentLengthsAndValueWidth(
        [Values(1, 7, 33)] int tq, [Values(3, 17)] int tk)
    {
        ulong seed = 100;
        foreach (bool causal in new[] { false, true })
            foreach (int offset in causal ? new[] { 0, tk - tq } : [0])
                foreach (var (qt, kt) in new[] { (0, 0), (2, 3), (5, 4) })
                {
                    RunOne(2, 3, tq, tk, 5, 3, causal, offset, null, qt, kt, seed++);
                    RunOne(2, 3, tq, tk, 5, 3, causal, offset, new[] { tk, Math.Min(tk, 2) }, qt, kt, seed++);
                }
    }

    [Test]
    public void DefaultTilesOnSequencesLongerThanATile()
    {
        // T = 300 is more than two default tiles (128 query rows forward, 64 backward, 64 keys) and not a multiple.
        RunOne(1, 2, 300, 300, 16, 16, true, 0, [300], 0, 0, 11);
        RunOne(2, 1, 200, 300, 9, 8, false, 0, [290, 131], 0, 0, 12);
    }

    [Test]
    public void EmptyKeyRangeGivesZeroOutputAndNoGradient()
    {
        RunOne(2, 1, 4, 5, 3, 3, false, 0, [0, 5], 2, 2, 7);
        RunOne(1, 1, 4, 5, 3, 3, true, -2, null, 2, 2, 8); // rows 0 and 1 see no key
    }

    [Test]
    public void StridedLayoutOfAPackedProjectionMatchesDense()
    {
        // q, k, v of 2 heads read in place from a time-major [T·B, 3E] buffer, as MultiHeadAttention does.
        const int B = 2, H = 2, T = 6, Dh = 3, E = H * Dh;
        var r = new RandomStream(3);
        double[] packed = Uniform(r, T * B * 3 * E, 2);
        double[] Dense(int part)
        {
            var x = new double[B * H * T * Dh];
            for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) for (int t = 0; t < T; t++) for (int c = 0; c < Dh; c++)
                x[((b * H + h) * T + t) * Dh + c] = packed[(t * B + b) * 3 * E + part * E + h * Dh + c];
            return x;
        }
        using var qkv = Up(packed, T * B, 3 * E);
        using var kView = qkv.Slice(E, T * B * 3 * E - E);
        using var vView = qkv.Slice(2 * E, T * B * 3 * E - 2 * E);
        using var ctx = _be.Allocate(T * B, E);
        using var lse = _be.Allocate(B, H, T);
        var strides = new AttentionStrides(3 * E, Dh, B * 3 * E);
        var spec = new AttentionSpec
        {
            Batch = B, Heads = H, QueryLength = T, KeyLength = T, HeadSize = Dh, Causal = true, QueryTile = 4, KeyTile = 4,
            QueryStrides = strides, KeyStrides = strides, ValueStrides = strides, OutputStrides = new AttentionStrides(E, Dh, B * E),
        };
        _be.AttentionForward(qkv, kView, vView, null, spec, ctx, lse);
        var expect = Reference(Dense(0), Dense(1), Dense(2), new double[B * H * T * Dh], B, H, T, T, Dh, Dh, true, 0, null, spec.EffectiveScale);
        double[] got = Down(ctx), gotDense = new double[got.Length];
        for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) for (int t = 0; t < T; t++) for (int c = 0; c < Dh; c++)
            gotDense[((b * H + h) * T + t) * Dh + c] = got[(t * B + b) * E + h * Dh + c];
        AssertClose(gotDense, expect.O, Tol, "strided output");
    }

    [Test]
    public void MultiHeadWorkspaceGrowsLinearlyAndNoTTBufferIsAllocated()
    {
        // Causal self-attention at T = 2048 and 4096: the arena doubles (O(T·E)); Forward + Backward allocate nothing
        // else from the backend (LiveBytes is unchanged beyond the arena), whereas one T×T buffer of the larger run alone
        // would be 4096² elements. The kernels' per-thread scratch depends on the tiles and head widths only.
        const int B = 1, E = 8;
        long Run(int t, out long extra)
        {
            using var be = new CpuBackend<T>();
            using var mha = new MultiHeadAttention<T>(be, new MultiHeadAttentionOptions { EmbeddingSize = E, Heads = 2 }, new RandomStream(1));
            using var x = be.FromHost(Uniform(new RandomStream(2), (long)t * B * E).Select(T.CreateTruncating).ToArray(), t, B, E);
            using var y = be.Allocate(t, B, E);
            using var dx = be.Allocate(t, B, E);
            long before = be.LiveBytes;
            mha.Forward(x, x, x, [], causal: true, y);
            mha.Backward(y, dx);
            extra = be.LiveBytes - before - mha.WorkspaceBytes;
            return mha.WorkspaceBytes;
        }
        long small = Run(2048, out long extraSmall), large = Run(4096, out long extraLarge);
        // The only difference allowed is the backend's 64-byte minimum for the arena's tiny [B] and [h] buffers.
        Assert.That(extraSmall, Is.InRange(0, 128), "bytes allocated outside the arena at T=2048");
        Assert.That(extraLarge, Is.InRange(0, 128), "bytes allocated outside the arena at T=4096");
        Assert.That((double)large / small, Is.LessThan(2.01), $"workspace {small} B at T=2048, {large} B at T=4096");
        Assert.That(large, Is.LessThan(4096L * 4096 * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() / 16), "far below one T×T buffer");
        var spec = new AttentionSpec { Batch = B, Heads = 2, QueryLength = 2048, KeyLength = 2048, HeadSize = E / 2, Causal = true };
        var longer = spec with { QueryLength = 4096, KeyLength = 4096 };
        Assert.That(CpuBackend<T>.AttentionForwardScratchElements(longer), Is.EqualTo(CpuBackend<T>.AttentionForwardScratchElements(spec)));
        Assert.That(CpuBackend<T>.AttentionBackwardScratchElements(longer), Is.EqualTo(CpuBackend<T>.AttentionBackwardScratchElements(spec)));
        Assert.That(CpuBackend<T>.AttentionBackwardScratchElements(longer), Is.LessThan(64 * 64 * 4));
    }

    [Test]
    public void PerHeadWeightsAverageToTheHeadAveragedWeights()
    {
        const int B = 2, Tq = 5, Tk = 7, E = 8, H = 4;
        using var mha = new MultiHeadAttention<T>(_be, new MultiHeadAttentionOptions { EmbeddingSize = E, Heads = H, QueryTile = 2, KeyTile = 3 }, new RandomStream(4));
        var r = new RandomStream(5);
        using var q = Up(Uniform(r, Tq * B * E, 2), Tq, B, E);
        using var kv = Up(Uniform(r, Tk * B * E, 2), Tk, B, E);
        using var y = _be.Allocate(Tq, B, E);
        using var perHead = _be.Allocate(B, H, Tq, Tk);
        using var averaged = _be.Allocate(B, Tq, Tk);
        mha.Forward(q, kv, kv, [7, 4], causal: true, y, perHead, averageWeights: false);
        mha.Forward(q, kv, kv, [7, 4], causal: true, y, averaged);
        double[] ph = Down(perHead), av = Down(averaged), expect = new double[av.Length];
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++)
                for (int i = 0; i < Tq; i++)
                {
                    double rowSum = 0;
                    for (int j = 0; j < Tk; j++)
                    {
                        double w = ph[((b * H + h) * Tq + i) * Tk + j];
                        if (j > i || j >= (b == 0 ? 7 : 4)) Assert.That(w, Is.EqualTo(0.0), $"masked weight b{b} h{h} i{i} j{j}");
                        rowSum += w;
                        expect[(b * Tq + i) * Tk + j] += w / H;
                    }
                    Assert.That(rowSum, Is.EqualTo(1.0).Within(IsFloat ? 1e-5 : 1e-12), $"row b{b} h{h} i{i}");
                }
        AssertClose(av, expect, Tol, "averaged weights");
    }

    [Test]
    public void EncoderDecoderAttentionMatchesNaiveReference([Values("additive", "dot", "general")] string kind)
    {
        const int B = 3, Tq = 4, Tk = 6, Dq = 5, A = 7;
        int dk = kind == "dot" ? Dq : 3;
        int[] lengths = [6, 2, 4];
        var r = new RandomStream(9);
        double[] qh = Uniform(r, B * Tq * Dq), mh = Uniform(r, B * Tk * dk);
        using var q = Up(qh, B, Tq, Dq);
        using var mem = Up(mh, B, Tk, dk);
        using var ctx = _be.Allocate(B, Tq, dk);
        using var w = _be.Allocate(B, Tq, Tk);
        Func<int, int, int, double> score;
        IDisposable layer;
        if (kind == "additive")
        {
            var add = new AdditiveAttention<T>(_be, Dq, dk, A, new RandomStream(10));
            layer = add;
            double[] wq = Down(add.QueryWeight.Value), wk = Down(add.KeyWeight.Value), bk = Down(add.KeyBias!.Value), v = Down(add.V.Value);
            score = (b, i, j) =>
            {
                double s = 0;
                for (int a = 0; a < A; a++)
                {
                    double x = bk[a];
                    for (int c = 0; c < Dq; c++) x += wq[a * Dq + c] * qh[(b * Tq + i) * Dq + c];
                    for (int c = 0; c < dk; c++) x += wk[a * dk + c] * mh[(b * Tk + j) * dk + c];
                    s += v[a] * Math.Tanh(x);
                }
                return s;
            };
            add.Forward(q, mem, lengths, ctx, w);
        }
        else
        {
            var luong = new DotProductAttention<T>(_be, kind == "dot" ? LuongScore.Dot : LuongScore.General, Dq, dk, new RandomStream(10));
            layer = luong;
            double[] wg = luong.Weight is null ? [] : Down(luong.Weight.Value);
            score = (b, i, j) =>
            {
                double s = 0;
                for (int c = 0; c < dk; c++)
                {
                    double qc = 0;
                    if (wg.Length == 0) qc = qh[(b * Tq + i) * Dq + c];
                    else for (int e = 0; e < Dq; e++) qc += wg[c * Dq + e] * qh[(b * Tq + i) * Dq + e];
                    s += qc * mh[(b * Tk + j) * dk + c];
                }
                return s;
            };
            luong.Forward(q, mem, lengths, ctx, w);
        }
        using (layer)
        {
            double[] ew = new double[B * Tq * Tk], ec = new double[B * Tq * dk];
            for (int b = 0; b < B; b++)
                for (int i = 0; i < Tq; i++)
                {
                    double[] s = Enumerable.Range(0, lengths[b]).Select(j => score(b, i, j)).ToArray();
                    double max = s.Max(), sum = s.Sum(x => Math.Exp(x - max));
                    for (int j = 0; j < lengths[b]; j++)
                    {
                        double p = Math.Exp(s[j] - max) / sum;
                        ew[(b * Tq + i) * Tk + j] = p;
                        for (int c = 0; c < dk; c++) ec[(b * Tq + i) * dk + c] += p * mh[(b * Tk + j) * dk + c];
                    }
                }
            AssertClose(Down(w), ew, Tol, $"{kind} weights");
            AssertClose(Down(ctx), ec, Tol, $"{kind} context");
        }
    }

    [Test]
    public void KeyPaddingMaskConvertsToLengths()
    {
        bool[] mask = [false, false, true, true, false, false, false, false, true, true, true, true];
        Assert.That(MultiHeadAttention<T>.KeyLengthsFromPaddingMask(mask, 3, 4), Is.EqualTo(new[] { 2, 4, 0 }));
        bool[] holes = [false, true, false, false];
        var e = Assert.Throws<ArgumentException>(() => MultiHeadAttention<T>.KeyLengthsFromPaddingMask(holes, 1, 4))!;
        Assert.That(e.Message, Does.Contain("row 0").And.Contain("right padding"));
        Assert.Throws<ArgumentException>(() => MultiHeadAttention<T>.KeyLengthsFromPaddingMask(mask, 2, 4));
    }

    [Test]
    public void ReleasedArgumentsAreNamed()
    {
        using var q = _be.Allocate(1, 1, 3, 2);
        using var k = _be.Allocate(1, 1, 3, 2);
        var v = _be.Allocate(1, 1, 3, 2);
        using var o = _be.Allocate(1, 1, 3, 2);
        using var lse = _be.Allocate(1, 1, 3);
        v.Dispose();
        var spec = new AttentionSpec { Batch = 1, Heads = 1, QueryLength = 3, KeyLength = 3, HeadSize = 2 };
        var e = Assert.Throws<ObjectDisposedException>(() => _be.AttentionForward(q, k, v, null, spec, o, lse))!;
        Assert.That(e.Message, Does.Contain("'v'").And.Contain("[1, 1, 3, 2]"));
    }

    [Test]
    public void SteadyStateCallsAllocateNothing()
    {
        using var be = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        using var mha = new MultiHeadAttention<T>(be, new MultiHeadAttentionOptions { EmbeddingSize = 16, Heads = 4, QueryTile = 8, KeyTile = 8 }, new RandomStream(1));
        using var x = be.FromHost(Uniform(new RandomStream(2), 40 * 4 * 16).Select(T.CreateTruncating).ToArray(), 40, 4, 16);
        using var y = be.Allocate(40, 4, 16);
        using var dx = be.Allocate(40, 4, 16);
        int[] lengths = [40, 30, 20, 10];
        mha.Forward(x, x, x, lengths, causal: true, y);
        mha.Backward(y, dx);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            mha.Forward(x, x, x, lengths, causal: true, y);
            mha.Backward(y, dx);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), "managed bytes allocated by 3 steady-state steps");
    }

    [Test]
    public void EncoderDecoderLayersAllocateNothingInSteadyState()
    {
        using var be = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        using var additive = new AdditiveAttention<T>(be, 6, 5, 7, new RandomStream(1));
        using var general = new DotProductAttention<T>(be, LuongScore.General, 6, 5, new RandomStream(2));
        using var q = be.FromHost(Uniform(new RandomStream(3), 4 * 1 * 6).Select(T.CreateTruncating).ToArray(), 4, 1, 6);
        using var mem = be.FromHost(Uniform(new RandomStream(4), 4 * 9 * 5).Select(T.CreateTruncating).ToArray(), 4, 9, 5);
        using var ctx = be.Allocate(4, 1, 5);
        using var w = be.Allocate(4, 1, 9);
        using var dq = be.Allocate(4, 1, 6);
        using var dm = be.Allocate(4, 9, 5);
        int[] lengths = [9, 3, 5, 1];
        void Step()
        {
            additive.Forward(q, mem, lengths, ctx, w);
            additive.Backward(ctx, dq, dm);
            general.Forward(q, mem, lengths, ctx, w);
            general.Backward(ctx, dq, dm);
        }
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Step();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), "managed bytes allocated by 3 decoder steps");
    }

    [Test]
    public void ErrorsNameTheShapes()
    {
        using var q = _be.Allocate(2, 2, 5, 4);
        using var k = _be.Allocate(2, 2, 6, 4);
        using var v = _be.Allocate(2, 2, 6, 4);
        using var o = _be.Allocate(2, 2, 5, 4);
        using var lse = _be.Allocate(2, 2, 5);
        var spec = new AttentionSpec { Batch = 2, Heads = 2, QueryLength = 5, KeyLength = 6, HeadSize = 4 };
        Assert.DoesNotThrow(() => _be.AttentionForward(q, k, v, null, spec, o, lse));
        var e = Assert.Throws<ArgumentException>(() => _be.AttentionForward(q, k, v, null, spec with { KeyLength = 7 }, o, lse))!;
        Assert.That(e.Message, Does.Contain("AttentionForward").And.Contain("'k'").And.Contain("[2, 2, 6, 4]"));
        using var badLse = _be.Allocate(2, 5);
        e = Assert.Throws<ArgumentException>(() => _be.AttentionForward(q, k, v, null, spec, o, badLse))!;
        Assert.That(e.Message, Does.Contain("logSumExp").And.Contain("[2, 5]"));
        using var lengths = _be.FromHost([T.CreateTruncating(6), T.CreateTruncating(9)], 2);
        e = Assert.Throws<ArgumentException>(() => _be.AttentionForward(q, k, v, lengths, spec, o, lse))!;
        Assert.That(e.Message, Does.Contain("keyLengths[1]").And.Contain("9"));
        e = Assert.Throws<ArgumentException>(() => _be.AttentionForward(q, k, v, null, spec with { KeyTile = CpuBackend<T>.MaxAttentionTile + 1 }, o, lse))!;
        Assert.That(e.Message, Does.Contain("tile"));

        using var mha = new MultiHeadAttention<T>(_be, new MultiHeadAttentionOptions { EmbeddingSize = 4, Heads = 2 }, new RandomStream(1));
        using var x = _be.Allocate(5, 2, 3);
        using var y = _be.Allocate(5, 2, 3);
        e = Assert.Throws<ArgumentException>(() => mha.Forward(x, x, x, [], false, y))!;
        Assert.That(e.Message, Does.Contain("[5, 2, 3]").And.Contain("4]"));
        Assert.Throws<ArgumentException>(() => new MultiHeadAttention<T>(_be, new MultiHeadAttentionOptions { EmbeddingSize = 6, Heads = 4 }, new RandomStream(1)));
    }
}
