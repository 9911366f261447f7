using System.Numerics;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// The fused cell ops of <c>kernels/recurrent.cu</c> (LSTM with and without peepholes, GRU in both forms, forward and
/// backward) against <see cref="SeqCore.Cpu.CpuBackend{T}"/> on awkward sizes, including the in-place uses the CPU
/// allows and the argument errors (identical messages). Subclasses pick the device: the emulation library or a GPU.
/// </summary>
public abstract class RecurrentParityTests<T> : ParityFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>(B, H): one element, odd sizes around the warp width, more rows than columns and the reverse.</summary>
    protected static readonly int[][] Sizes = [[1, 1], [3, 17], [17, 33], [2, 65], [5, 3]];

    private static ulong Seed(int b, int h, int k) => (ulong)(b * 1000 + h * 10 + k);

    [TestCaseSource(nameof(Sizes))]
    public void LstmForward(int b, int h)
    {
        foreach (bool peep in new[] { false, true })
        {
            var (gd, gc) = Pair(Uniform(4L * b * h, Seed(b, h, 1), -3, 3), b, 4 * h);
            var (cpd, cpc) = Pair(Uniform((long)b * h, Seed(b, h, 2), -2, 2), b, h);
            var (pd, pc) = Pair(Uniform(3L * h, Seed(b, h, 3)), 3, h);
            using var cd = Device.Allocate(b, h); using var cc = Cpu.Allocate(b, h);
            using var hd = Device.Allocate(b, h); using var hc = Cpu.Allocate(b, h);
            Device.LstmCellForward(gd, cpd, peep ? pd : null, cd, hd);
            Cpu.LstmCellForward(gc, cpc, peep ? pc : null, cc, hc);
            string what = $"LstmCellForward B={b} H={h} peepholes={peep}";
            AssertParity(gd, gc, what + " gates");
            AssertParity(cd, cc, what + " c");
            AssertParity(hd, hc, what + " h");
            foreach (var t in new[] { gd, gc, cpd, cpc, pd, pc }) t.Dispose();
        }
    }

    [TestCaseSource(nameof(Sizes))]
    public void LstmForwardInPlace(int b, int h)
    {
        // c overwrites cPrev, as a layer's single-step API does.
        var (gd, gc) = Pair(Uniform(4L * b * h, Seed(b, h, 4), -3, 3), b, 4 * h);
        var (cd, cc) = Pair(Uniform((long)b * h, Seed(b, h, 5), -2, 2), b, h);
        var (pd, pc) = Pair(Uniform(3L * h, Seed(b, h, 6)), 3, h);
        using var hd = Device.Allocate(b, h); using var hc = Cpu.Allocate(b, h);
        Device.LstmCellForward(gd, cd, pd, cd, hd);
        Cpu.LstmCellForward(gc, cc, pc, cc, hc);
        AssertParity(cd, cc, $"LstmCellForward in place B={b} H={h} c");
        AssertParity(hd, hc, $"LstmCellForward in place B={b} H={h} h");
        foreach (var t in new[] { gd, gc, cd, cc, pd, pc }) t.Dispose();
    }

    /// <summary>Gate activations as forward leaves them: i, f, o in (0, 1), g in (−1, 1).</summary>
    private static T[] LstmActivations(int b, int h, ulong seed)
    {
        var a = Uniform(4L * b * h, seed, 0.02, 0.98);
        for (int r = 0; r < b; r++)
            for (int j = 0; j < h; j++)
            {
                long e = (long)r * 4 * h + 2 * h + j;
                a[e] = T.CreateTruncating(2 * double.CreateTruncating(a[e]) - 1);
            }
        return a;
    }

    [TestCaseSource(nameof(Sizes))]
    public void LstmBackward(int b, int h)
    {
        foreach (bool peep in new[] { false, true })
        {
            var (gd, gc) = Pair(LstmActivations(b, h, Seed(b, h, 7)), b, 4 * h);
            var (cpd, cpc) = Pair(Uniform((long)b * h, Seed(b, h, 8), -2, 2), b, h);
            var (cd, cc) = Pair(Uniform((long)b * h, Seed(b, h, 9), -2, 2), b, h);
            var (pd, pc) = Pair(Uniform(3L * h, Seed(b, h, 10)), 3, h);
            var (dhd, dhc) = Pair(Uniform((long)b * h, Seed(b, h, 11)), b, h);
            var (dcd, dcc) = Pair(Uniform((long)b * h, Seed(b, h, 12)), b, h);
            var (dpd, dpc) = Pair(Uniform(3L * h, Seed(b, h, 13)), 3, h); // accumulated into
            using var dgd = Device.Allocate(b, 4 * h); using var dgc = Cpu.Allocate(b, 4 * h);
            using var dcpd = Device.Allocate(b, h); using var dcpc = Cpu.Allocate(b, h);
            Device.LstmCellBackward(gd, cpd, cd, peep ? pd : null, dhd, dcd, dgd, dcpd, peep ? dpd : null);
            Cpu.LstmCellBackward(gc, cpc, cc, peep ? pc : null, dhc, dcc, dgc, dcpc, peep ? dpc : null);
            string what = $"LstmCellBackward B={b} H={h} peepholes={peep}";
            AssertParity(dgd, dgc, what + " dGates");
            AssertParity(dcpd, dcpc, what + " dcPrev");
            AssertParity(dpd, dpc, what + " dPeepholes (accumulated)");
            foreach (var t in new[] { gd, gc, cpd, cpc, cd, cc, pd, pc, dhd, dhc, dcd, dcc, dpd, dpc }) t.Dispose();
        }
    }

    [TestCaseSource(nameof(Sizes))]
    public void LstmBackwardInPlace(int b, int h)
    {
        // dGates overwrites the saved activations and dcPrev overwrites dc (what a layer does to save memory).
        var (gd, gc) = Pair(LstmActivations(b, h, Seed(b, h, 14)), b, 4 * h);
        var (cpd, cpc) = Pair(Uniform((long)b * h, Seed(b, h, 15), -2, 2), b, h);
        var (cd, cc) = Pair(Uniform((long)b * h, Seed(b, h, 16), -2, 2), b, h);
        var (pd, pc) = Pair(Uniform(3L * h, Seed(b, h, 17)), 3, h);
        var (dhd, dhc) = Pair(Uniform((long)b * h, Seed(b, h, 18)), b, h);
        var (dcd, dcc) = Pair(Uniform((long)b * h, Seed(b, h, 19)), b, h);
        var (dpd, dpc) = Pair(new T[3 * h], 3, h);
        Device.LstmCellBackward(gd, cpd, cd, pd, dhd, dcd, gd, dcd, dpd);
        Cpu.LstmCellBackward(gc, cpc, cc, pc, dhc, dcc, gc, dcc, dpc);
        AssertParity(gd, gc, $"LstmCellBackward in place B={b} H={h} dGates");
        AssertParity(dcd, dcc, $"LstmCellBackward in place B={b} H={h} dcPrev");
        AssertParity(dpd, dpc, $"LstmCellBackward in place B={b} H={h} dPeepholes");
        foreach (var t in new[] { gd, gc, cpd, cpc, cd, cc, pd, pc, dhd, dhc, dcd, dcc, dpd, dpc }) t.Dispose();
    }

    [TestCaseSource(nameof(Sizes))]
    public void GruForwardAndBackward(int b, int h)
    {
        var (gd, gc) = Pair(Uniform(3L * b * h, Seed(b, h, 20), -3, 3), b, 3 * h);
        var (pd, pc) = Pair(Uniform(3L * b * h, Seed(b, h, 21), -3, 3), b, 3 * h);
        var (hpd, hpc) = Pair(Uniform((long)b * h, Seed(b, h, 22)), b, h);
        using var hd = Device.Allocate(b, h); using var hc = Cpu.Allocate(b, h);
        Device.GruCellForward(gd, pd, hpd, hd);
        Cpu.GruCellForward(gc, pc, hpc, hc);
        AssertParity(gd, gc, $"GruCellForward B={b} H={h} gates");
        AssertParity(hd, hc, $"GruCellForward B={b} H={h} h");

        var (dhd, dhc) = Pair(Uniform((long)b * h, Seed(b, h, 23)), b, h);
        using var dgd = Device.Allocate(b, 3 * h); using var dgc = Cpu.Allocate(b, 3 * h);
        using var dpd = Device.Allocate(b, 3 * h); using var dpc = Cpu.Allocate(b, 3 * h);
        using var dhpd = Device.Allocate(b, h); using var dhpc = Cpu.Allocate(b, h);
        Device.GruCellBackward(gd, pd, hpd, dhd, dgd, dpd, dhpd);
        Cpu.GruCellBackward(gc, pc, hpc, dhc, dgc, dpc, dhpc);
        AssertParity(dgd, dgc, $"GruCellBackward B={b} H={h} dGates");
        AssertParity(dpd, dpc, $"GruCellBackward B={b} H={h} dhGates");
        AssertParity(dhpd, dhpc, $"GruCellBackward B={b} H={h} dhPrev");
        foreach (var t in new[] { gd, gc, pd, pc, hpd, hpc, dhd, dhc }) t.Dispose();
    }

    [TestCaseSource(nameof(Sizes))]
    public void GruForwardInPlace(int b, int h)
    {
        // h overwrites h_prev (the single-step API).
        var (gd, gc) = Pair(Uniform(3L * b * h, Seed(b, h, 24), -3, 3), b, 3 * h);
        var (pd, pc) = Pair(Uniform(3L * b * h, Seed(b, h, 25), -3, 3), b, 3 * h);
        var (hd, hc) = Pair(Uniform((long)b * h, Seed(b, h, 26)), b, h);
        Device.GruCellForward(gd, pd, hd, hd);
        Cpu.GruCellForward(gc, pc, hc, hc);
        AssertParity(hd, hc, $"GruCellForward in place B={b} H={h} h");
        foreach (var t in new[] { gd, gc, pd, pc, hd, hc }) t.Dispose();
    }

    [TestCaseSource(nameof(Sizes))]
    public void GruOriginalForwardAndBackward(int b, int h)
    {
        // Forward: gates pass (r, z and r⊙h_prev), then the cell pass on the n pre-activation.
        var (gd, gc) = Pair(Uniform(3L * b * h, Seed(b, h, 27), -3, 3), b, 3 * h);
        var (hpd, hpc) = Pair(Uniform((long)b * h, Seed(b, h, 28)), b, h);
        using var rhd = Device.Allocate(b, h); using var rhc = Cpu.Allocate(b, h);
        Device.GruOriginalGatesForward(gd, hpd, rhd);
        Cpu.GruOriginalGatesForward(gc, hpc, rhc);
        AssertParity(gd, gc, $"GruOriginalGatesForward B={b} H={h} gates");
        AssertParity(rhd, rhc, $"GruOriginalGatesForward B={b} H={h} resetHidden");
        using var hd = Device.Allocate(b, h); using var hc = Cpu.Allocate(b, h);
        Device.GruOriginalCellForward(gd, hpd, hd);
        Cpu.GruOriginalCellForward(gc, hpc, hc);
        AssertParity(gd, gc, $"GruOriginalCellForward B={b} H={h} gates");
        AssertParity(hd, hc, $"GruOriginalCellForward B={b} H={h} h");

        // Backward: cell pass (z, n columns and dhPrev = dh⊙z), then gates pass (r columns, dhPrev accumulated).
        var (dhd, dhc) = Pair(Uniform((long)b * h, Seed(b, h, 29)), b, h);
        var (dgd, dgc) = Pair(Uniform(3L * b * h, Seed(b, h, 30)), b, 3 * h); // r columns must survive the first pass
        using var dhpd = Device.Allocate(b, h); using var dhpc = Cpu.Allocate(b, h);
        Device.GruOriginalCellBackward(gd, hpd, dhd, dgd, dhpd);
        Cpu.GruOriginalCellBackward(gc, hpc, dhc, dgc, dhpc);
        AssertParity(dgd, dgc, $"GruOriginalCellBackward B={b} H={h} dGates");
        AssertParity(dhpd, dhpc, $"GruOriginalCellBackward B={b} H={h} dhPrev");
        var (drhd, drhc) = Pair(Uniform((long)b * h, Seed(b, h, 31)), b, h);
        Device.GruOriginalGatesBackward(gd, hpd, drhd, dgd, dhpd);
        Cpu.GruOriginalGatesBackward(gc, hpc, drhc, dgc, dhpc);
        AssertParity(dgd, dgc, $"GruOriginalGatesBackward B={b} H={h} dGates");
        AssertParity(dhpd, dhpc, $"GruOriginalGatesBackward B={b} H={h} dhPrev (accumulated)");
        foreach (var t in new[] { gd, gc, hpd, hpc, dhd, dhc, dgd, dgc, drhd, drhc }) t.Dispose();
    }

    [Test]
    public void ArgumentErrorsMatchTheCpu()
    {
        AssertSameError(be =>
        {
            using var g = be.Allocate(2, 11); using var cp = be.Allocate(2, 3); using var c = be.Allocate(2, 3); using var h = be.Allocate(2, 3);
            be.LstmCellForward(g, cp, null, c, h);
        }, "LstmCellForward gates of the wrong length");
        AssertSameError(be =>
        {
            using var g = be.Allocate(2, 12); using var cp = be.Allocate(2, 3); using var p = be.Allocate(2, 3); using var c = be.Allocate(2, 3); using var h = be.Allocate(2, 3);
            be.LstmCellForward(g, cp, p, c, h);
        }, "LstmCellForward peepholes of the wrong length");
        AssertSameError(be =>
        {
            using var g = be.Allocate(2, 12); using var cp = be.Allocate(2, 3); using var c = be.Allocate(2, 3); using var p = be.Allocate(3, 3);
            using var dh = be.Allocate(2, 3); using var dc = be.Allocate(2, 3); using var dg = be.Allocate(2, 12); using var dcp = be.Allocate(2, 3);
            be.LstmCellBackward(g, cp, c, p, dh, dc, dg, dcp, null);
        }, "LstmCellBackward peepholes without dPeepholes");
        AssertSameError(be =>
        {
            using var g = be.Allocate(2, 9); using var p = be.Allocate(2, 9); using var hp = be.Allocate(2, 3); using var h = be.Allocate(2, 4);
            be.GruCellForward(g, p, hp, h);
        }, "GruCellForward h of the wrong length");
        AssertSameError(be =>
        {
            using var g = be.Allocate(2, 8); using var hp = be.Allocate(2, 3); using var rh = be.Allocate(2, 3);
            be.GruOriginalGatesForward(g, hp, rh);
        }, "GruOriginalGatesForward gates of the wrong length");
        AssertSameError(be =>
        {
            using var g = be.Allocate(2, 9); using var hp = be.Allocate(2, 3); using var drh = be.Allocate(2, 3); using var dg = be.Allocate(2, 9); using var dhp = be.Allocate(3, 3);
            be.GruOriginalGatesBackward(g, hp, drh, dg, dhp);
        }, "GruOriginalGatesBackward dhPrev of the wrong length");
    }
}
