using System.Numerics;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// The kernels of <c>kernels/attention.cu</c> against <see cref="SeqCore.Cpu.CpuBackend{T}"/>: tiled forward (output
/// and log-sum-exp), backward (dq, dk, dv), explicit weights and additive scores with their backward, on awkward sizes
/// (T = 1, lengths that are not multiples of the tile, odd head widths), causal with top-left, bottom-right and negative
/// offsets, key padding (including an entry with no visible key), cross attention, heads read straight out of packed
/// projection buffers, and both the register-tiled and the plain kernel forms. Subclasses pick the device.
/// </summary>
public abstract class AttentionParityTests<T> : ParityFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>One attention call. Packed: q, k, v read from one batch-first [B·T, 3E] buffer, output time-major.</summary>
    public sealed record Case(int B, int H, int Tq, int Tk, int D, int Dv = 0, bool Causal = false, int Offset = 0,
        int[]? Lengths = null, int QTile = 0, int KTile = 0, bool Packed = false)
    {
        /// <inheritdoc />
        public override string ToString() =>
            $"B{B}.H{H}.Tq{Tq}.Tk{Tk}.d{D}.dv{(Dv == 0 ? D : Dv)}{(Causal ? $".causal{Offset:+0;-0;+0}" : "")}" +
            $"{(Lengths is null ? "" : ".len" + string.Join('-', Lengths))}{(QTile + KTile > 0 ? $".tiles{QTile}x{KTile}" : "")}{(Packed ? ".packed" : "")}";
    }

    /// <summary>The cases; the comments say which kernel form and which edge each one reaches.</summary>
    public static IEnumerable<Case> Cases =>
    [
        new(1, 1, 1, 1, 1),                                                          // T = 1, d = 1
        new(2, 3, 17, 17, 5, 3, Causal: true, QTile: 4, KTile: 3),                   // tiles that divide nothing, diagonal tiles
        new(3, 2, 17, 13, 8, Lengths: [13, 0, 5], QTile: 5, KTile: 4),               // cross, padding, an entry with no key
        new(3, 2, 9, 21, 4, 6, Causal: true, Offset: 12, Lengths: [21, 7, 0]),       // bottom-right causal over a cache, default tiles
        new(2, 1, 33, 33, 3, Causal: true, Offset: -2, Lengths: [33, 20], QTile: 16, KTile: 16), // rows that see no key
        new(1, 2, 65, 40, 7, 2, Causal: true, Offset: -10, QTile: 8, KTile: 16),
        new(2, 2, 65, 65, 64, Causal: true),                                         // d = 64: register forms, default tiles
        new(1, 1, 40, 90, 16, 130, Lengths: [77]),                                   // dv > 128: plain forms
        new(1, 1, 17, 17, 3, QTile: 100, KTile: 100),                                // tiles larger than T (plain forms)
        new(2, 4, 19, 19, 8, Causal: true, Lengths: [19, 11], QTile: 4, KTile: 8, Packed: true), // heads in a packed QKV buffer
        new(3, 2, 33, 33, 17, Packed: true),
    ];

    /// <summary>Offsets and lengths of the operands: dense, or packed as a layer's projections are.</summary>
    private static (AttentionSpec Spec, long QLen, long OLen, long KOff, long VOff) Layout(Case c)
    {
        var spec = new AttentionSpec
        {
            Batch = c.B, Heads = c.H, QueryLength = c.Tq, KeyLength = c.Tk, HeadSize = c.D, ValueSize = c.Dv,
            Causal = c.Causal, CausalOffset = c.Offset, QueryTile = c.QTile, KeyTile = c.KTile,
        };
        int dv = spec.EffectiveValueSize;
        if (!c.Packed) return (spec, (long)c.B * c.H * c.Tq * c.D, (long)c.B * c.H * c.Tq * dv, 0, 0);
        // Self-attention projections, batch-first [B·T, 3E] with E = H·d (d = dv), output time-major [T, B, E].
        int e = c.H * c.D, t = c.Tq;
        var qkv = new AttentionStrides((long)t * 3 * e, c.D, 3 * e);
        spec = spec with { QueryStrides = qkv, KeyStrides = qkv, ValueStrides = qkv, OutputStrides = new AttentionStrides(e, c.D, (long)c.B * e) };
        return (spec, (long)c.B * t * 3 * e, (long)t * c.B * e, e, 2 * e);
    }

    private sealed class Operands(IBackend<T> be, Case c, T[] qkvData, T[]? kData, T[]? vData, T[] lengths) : IDisposable
    {
        public readonly List<Tensor<T>> Owned = [];
        public Tensor<T> Q = null!, K = null!, V = null!, Lengths = null!;

        public Operands Build(long qLen, long kOff, long vOff, long kLen, long vLen)
        {
            var q = be.FromHost(qkvData, checked((int)qLen));
            Owned.Add(q);
            Q = q;
            if (kData is null)
            {
                K = q.Slice(kOff, checked((int)(qLen - kOff)));
                V = q.Slice(vOff, checked((int)(qLen - vOff)));
            }
            else
            {
                K = be.FromHost(kData, checked((int)kLen)); Owned.Add(K);
                V = be.FromHost(vData!, checked((int)vLen)); Owned.Add(V);
            }
            if (c.Lengths is not null) { Lengths = be.FromHost(lengths, c.B); Owned.Add(Lengths); }
            return this;
        }

        public Tensor<T> New(long n) { var t = be.FromHost(new T[n], checked((int)n)); Owned.Add(t); return t; }

        public void Dispose() { foreach (var t in Owned) t.Dispose(); }
    }

    [TestCaseSource(nameof(Cases))]
    public void ForwardBackwardAndWeights(Case c)
    {
        var (spec, qLen, oLen, kOff, vOff) = Layout(c);
        int dv = spec.EffectiveValueSize;
        long kLen = (long)c.B * c.H * c.Tk * c.D, vLen = (long)c.B * c.H * c.Tk * dv;
        ulong seed = (ulong)(c.B * 7919 + c.Tq * 31 + c.Tk);
        T[] qData = Uniform(qLen, seed, -2, 2);
        T[]? kData = c.Packed ? null : Uniform(kLen, seed + 1, -2, 2), vData = c.Packed ? null : Uniform(vLen, seed + 2);
        T[] lens = c.Lengths is null ? [] : c.Lengths.Select(l => T.CreateTruncating(l)).ToArray();
        T[] dO = Uniform(oLen, seed + 3);

        using var dev = new Operands(Device, c, qData, kData, vData, lens).Build(qLen, kOff, vOff, kLen, vLen);
        using var cpu = new Operands(Cpu, c, qData, kData, vData, lens).Build(qLen, kOff, vOff, kLen, vLen);
        long lseLen = (long)c.B * c.H * c.Tq;
        string what = $"attention {c}";

        var od = dev.New(oLen); var oc = cpu.New(oLen);
        var ld = dev.New(lseLen); var lc = cpu.New(lseLen);
        Device.AttentionForward(dev.Q, dev.K, dev.V, c.Lengths is null ? null : dev.Lengths, spec, od, ld);
        Cpu.AttentionForward(cpu.Q, cpu.K, cpu.V, c.Lengths is null ? null : cpu.Lengths, spec, oc, lc);
        AssertParity(od, oc, what + " output");
        AssertParity(ld, lc, what + " logSumExp");

        // Backward from the CPU's forward results on both sides, so it is compared on its own.
        var odIn = Device.FromHost(Cpu.ToArray(oc), checked((int)oLen)); dev.Owned.Add(odIn);
        var ldIn = Device.FromHost(Cpu.ToArray(lc), checked((int)lseLen)); dev.Owned.Add(ldIn);
        var dOd = Device.FromHost(dO, checked((int)oLen)); dev.Owned.Add(dOd);
        var dOc = Cpu.FromHost(dO, checked((int)oLen)); cpu.Owned.Add(dOc);
        long qAll = qLen, kAll = c.Packed ? qLen : kLen, vAll = c.Packed ? qLen : vLen;
        // Gradient buffers poisoned with NaN: every element the op must write is compared, the rest must stay NaN.
        var dqd = Poison(dev, qAll); var dqc = Poison(cpu, qAll);
        var dkd = c.Packed ? dqd : Poison(dev, kAll); var dkc = c.Packed ? dqc : Poison(cpu, kAll);
        var dvd = c.Packed ? dqd : Poison(dev, vAll); var dvc = c.Packed ? dqc : Poison(cpu, vAll);
        Device.AttentionBackward(dev.Q, dev.K, dev.V, odIn, ldIn, dOd, c.Lengths is null ? null : dev.Lengths, spec,
            dqd, c.Packed ? dqd.Slice(kOff, checked((int)(qLen - kOff))) : dkd, c.Packed ? dqd.Slice(vOff, checked((int)(qLen - vOff))) : dvd);
        Cpu.AttentionBackward(cpu.Q, cpu.K, cpu.V, oc, lc, dOc, c.Lengths is null ? null : cpu.Lengths, spec,
            dqc, c.Packed ? dqc.Slice(kOff, checked((int)(qLen - kOff))) : dkc, c.Packed ? dqc.Slice(vOff, checked((int)(qLen - vOff))) : dvc);
        AssertParity(dqd, dqc, what + (c.Packed ? " dq, dk, dv (packed)" : " dq"));
        if (!c.Packed)
        {
            AssertParity(dkd, dkc, what + " dk");
            AssertParity(dvd, dvc, what + " dv");
        }

        long wLen = (long)c.B * c.H * c.Tq * c.Tk;
        var wd = dev.New(wLen); var wc = cpu.New(wLen);
        Device.AttentionWeights(dev.Q, dev.K, c.Lengths is null ? null : dev.Lengths, spec, wd);
        Cpu.AttentionWeights(cpu.Q, cpu.K, c.Lengths is null ? null : cpu.Lengths, spec, wc);
        AssertParity(wd, wc, what + " weights");
    }

    private static Tensor<T> Poison(Operands o, long n)
    {
        var t = o.New(n);
        t.Backend.CopyFromHost(Enumerable.Repeat(T.NaN, checked((int)n)).ToArray(), t);
        return t;
    }

    [Test]
    public void PoisonedGradientsAreFullyWritten()
    {
        // Backward overwrites dq, dk, dv, including the rows no query or key reaches (zeros there).
        var c = new Case(2, 1, 6, 5, 3, Causal: true, Offset: -1, Lengths: [5, 0], QTile: 2, KTile: 2);
        var (spec, qLen, oLen, _, _) = Layout(c);
        long kLen = (long)c.B * c.Tk * c.D;
        using var q = Device.FromHost(Uniform(qLen, 1), checked((int)qLen));
        using var k = Device.FromHost(Uniform(kLen, 2), checked((int)kLen));
        using var v = Device.FromHost(Uniform(kLen, 3), checked((int)kLen));
        using var lengths = Device.FromHost([T.CreateTruncating(5), T.Zero], 2);
        using var o = Device.Allocate(checked((int)oLen));
        using var lse = Device.Allocate(c.B * c.Tq);
        Device.AttentionForward(q, k, v, lengths, spec, o, lse);
        using var dO = Device.FromHost(Uniform(oLen, 4), checked((int)oLen));
        using var dq = Device.FromHost(Enumerable.Repeat(T.NaN, (int)qLen).ToArray(), checked((int)qLen));
        using var dk = Device.FromHost(Enumerable.Repeat(T.NaN, (int)kLen).ToArray(), checked((int)kLen));
        using var dv = Device.FromHost(Enumerable.Repeat(T.NaN, (int)kLen).ToArray(), checked((int)kLen));
        Device.AttentionBackward(q, k, v, o, lse, dO, lengths, spec, dq, dk, dv);
        foreach (var (t, name) in new[] { (dq, "dq"), (dk, "dk"), (dv, "dv") })
            Assert.That(Device.ToArray(t).Count(T.IsNaN), Is.Zero, $"{name} has elements the backward left unwritten");
        // Row 0 of batch entry 0 sees no key (offset −1): output 0, lse −∞, dq 0; entry 1 sees nothing at all.
        var lseHost = Device.ToArray(lse);
        Assert.That(lseHost[0], Is.EqualTo(T.NegativeInfinity));
        Assert.That(lseHost.Skip(c.Tq).All(T.IsNegativeInfinity), "batch entry 1 has no key");
        Assert.That(Device.ToArray(dq).Take(c.D).All(x => x == T.Zero));
        Assert.That(Device.ToArray(dk).Skip(c.Tk * c.D).All(x => x == T.Zero));
    }

    /// <summary>Additive (Bahdanau) cases: (B, Tq, Tk, A, lengths).</summary>
    public static IEnumerable<object?[]> AdditiveCases =>
    [
        [1, 1, 1, 1, null],
        [3, 4, 5, 6, new[] { 5, 2, 0 }],
        [2, 3, 17, 33, null],
        [2, 5, 9, 17, new[] { 1, 9 }],
    ];

    [TestCaseSource(nameof(AdditiveCases))]
    public void AdditiveScoresForwardAndBackward(int b, int tq, int tk, int a, int[]? lengths)
    {
        ulong seed = (ulong)(b * 100 + tq * 10 + tk + a);
        var (qd, qc) = Pair(Uniform((long)b * tq * a, seed), b, tq, a);
        var (kd, kc) = Pair(Uniform((long)b * tk * a, seed + 1), b, tk, a);
        var (vd, vc) = Pair(Uniform(a, seed + 2), a);
        Tensor<T>? ld = null, lc = null;
        if (lengths is not null) (ld, lc) = Pair(lengths.Select(l => T.CreateTruncating(l)).ToArray(), b);
        using var sd = Device.Allocate(b, tq, tk); using var sc = Cpu.Allocate(b, tq, tk);
        Device.AdditiveScores(qd, kd, vd, ld, b, tq, tk, sd);
        Cpu.AdditiveScores(qc, kc, vc, lc, b, tq, tk, sc);
        string what = $"additive B={b} Tq={tq} Tk={tk} A={a} lengths={(lengths is null ? "none" : string.Join(',', lengths))}";
        AssertParity(sd, sc, what + " scores");

        var (dsd, dsc) = Pair(Uniform((long)b * tq * tk, seed + 3), b, tq, tk);
        using var dqd = Device.Allocate(b, tq, a); using var dqc = Cpu.Allocate(b, tq, a);
        using var dkd = Device.Allocate(b, tk, a); using var dkc = Cpu.Allocate(b, tk, a);
        using var dvd = Device.Allocate(a); using var dvc = Cpu.Allocate(a);
        Device.AdditiveScoresBackward(qd, kd, vd, dsd, ld, b, tq, tk, dqd, dkd, dvd);
        Cpu.AdditiveScoresBackward(qc, kc, vc, dsc, lc, b, tq, tk, dqc, dkc, dvc);
        AssertParity(dqd, dqc, what + " dQueryProj");
        AssertParity(dkd, dkc, what + " dKeyProj");
        AssertParity(dvd, dvc, what + " dv");
        foreach (var t in new[] { qd, qc, kd, kc, vd, vc, dsd, dsc, ld, lc }) t?.Dispose();
    }

    [Test]
    public void ArgumentErrorsMatchTheCpu()
    {
        var spec = new AttentionSpec { Batch = 2, Heads = 1, QueryLength = 3, KeyLength = 4, HeadSize = 2 };
        void Run(IBackend<T> be, AttentionSpec s, int qLen, int kLen, int lseLen, T[]? lengths)
        {
            using var q = be.Allocate(qLen); using var k = be.Allocate(kLen); using var v = be.Allocate(kLen);
            using var o = be.Allocate(qLen); using var lse = be.Allocate(lseLen);
            using var l = lengths is null ? null : be.FromHost(lengths, lengths.Length);
            be.AttentionForward(q, k, v, l, s, o, lse);
        }
        AssertSameError(be => Run(be, spec, 11, 16, 6, null), "q too short");
        AssertSameError(be => Run(be, spec, 12, 16, 5, null), "logSumExp of the wrong length");
        AssertSameError(be => Run(be, spec with { KeyTile = 2000 }, 12, 16, 6, null), "tile too large");
        AssertSameError(be => Run(be, spec with { HeadSize = 0 }, 12, 16, 6, null), "head dimension 0");
        AssertSameError(be => Run(be, spec with { Scale = double.NaN }, 12, 16, 6, null), "NaN scale");
        AssertSameError(be => Run(be, spec, 12, 16, 6, [T.CreateTruncating(4), T.CreateTruncating(5)]), "length beyond Tk");
        AssertSameError(be => Run(be, spec, 12, 16, 6, [T.CreateTruncating(1.5), T.One]), "fractional length");
        AssertSameError(be => Run(be, spec, 12, 16, 6, [T.One]), "one length for two batch entries");
        AssertSameError(be => Run(be, spec with { QueryStrides = new AttentionStrides(6, 0, 1) }, 12, 16, 6, null), "row stride below the width");
        AssertSameError(be =>
        {
            using var q = be.Allocate(2, 3, 4); using var k = be.Allocate(2, 5, 4); using var v = be.Allocate(4); using var s = be.Allocate(2, 3, 6);
            be.AdditiveScores(q, k, v, null, 2, 3, 5, s);
        }, "additive scores of the wrong length");
        AssertSameError(be =>
        {
            using var q = be.Allocate(2, 3, 4); using var k = be.Allocate(2, 5, 4); using var v = be.Allocate(4); using var s = be.Allocate(2, 3, 5);
            using var dq = be.Allocate(2, 3, 4); using var dk = be.Allocate(2, 5, 3); using var dv = be.Allocate(4);
            be.AdditiveScoresBackward(q, k, v, s, null, 2, 3, 5, dq, dk, dv);
        }, "additive backward dKeyProj of the wrong length");
    }
}
