using System.Numerics;
using SeqCore.Cpu;
using GemmPath = SeqCore.Cpu.CpuBackend<float>.GemmPath;

namespace SeqCore.Tests.Cpu;

/// <summary>
/// The CPU GEMM against a plain triple loop that accumulates in double. Every path (reference, direct, packed) is
/// pinned in turn on the same shapes, so each is checked on tiny, awkward and block-crossing sizes. Stored operands
/// have leading dimensions wider than their rows with NaN in the gap, so a read outside the matrix shows up.
/// </summary>
/// <remarks>
/// Tolerance: entry (i, j) is a sum of k products plus beta·c. Rounded in precision u (2⁻²⁴ float, 2⁻⁵³ double),
/// the error is at most about k·u·S in the worst case and grows like √k·u·S for random rounding, where
/// S = |alpha|·Σ_p |a_ip·b_pj| + |beta·c_ij| is the size of what was added (not of the result, which can cancel).
/// Blocking splits the sum into slabs but adds no more than a few roundings. We allow 8·√(k+1)·u·S (+ a tiny
/// absolute floor), far below the size of any real mistake, e.g. a lost term of size ≈ S/k at k ≤ 1000.
/// </remarks>
[TestFixture]
public class GemmTests
{
    private static readonly int[] Tiny = [1, 3, 7, 17, 33];
    /// <summary>Every path; the packed GEMM at both vector widths (AVX-512 only where the CPU has it).</summary>
    private static readonly GemmPath[] Paths = SeqCore.Cpu.Gemm.Avx512Width.Available
        ? [GemmPath.Reference, GemmPath.Direct, GemmPath.PackedAvx2, GemmPath.PackedAvx512, GemmPath.Auto]
        : [GemmPath.Reference, GemmPath.Direct, GemmPath.PackedAvx2, GemmPath.Auto];

    /// <summary>The packed GEMM at each vector width this CPU can run.</summary>
    private static readonly GemmPath[] PackedPaths = SeqCore.Cpu.Gemm.Avx512Width.Available
        ? [GemmPath.PackedAvx2, GemmPath.PackedAvx512]
        : [GemmPath.PackedAvx2];

    // ----- reference and case runner -------------------------------------------------------------

    private static double U<T>() => typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);

    /// <summary>One problem: shapes, scalars and the stored operands (with NaN padding past each row).</summary>
    private sealed class Case<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public bool TA, TB;
        public int M, N, K, Lda, Ldb, Ldc;
        public T Alpha, Beta;
        public T[] A = [], B = [], C = [];

        public static Case<T> Make(bool ta, bool tb, int m, int n, int k, double alpha, double beta, int seed, int pad = 3, bool nanC = false)
        {
            var rnd = new System.Random(seed);
            var c = new Case<T>
            {
                TA = ta, TB = tb, M = m, N = n, K = k, Alpha = T.CreateChecked(alpha), Beta = T.CreateChecked(beta),
                Lda = (ta ? m : k) + pad, Ldb = (tb ? k : n) + pad, Ldc = n + pad,
            };
            c.A = Fill(rnd, ta ? k : m, ta ? m : k, c.Lda, nanC: false);
            c.B = Fill(rnd, tb ? n : k, tb ? k : n, c.Ldb, nanC: false);
            c.C = Fill(rnd, m, n, c.Ldc, nanC);
            return c;
        }

        /// <summary>rows×cols values in [-1, 1) with row stride ld; the gap past each row is NaN (all NaN if <paramref name="nanC"/>).</summary>
        private static T[] Fill(System.Random rnd, int rows, int cols, int ld, bool nanC)
        {
            var x = new T[Math.Max(1, (rows - 1) * ld + Math.Max(cols, 1))];
            Array.Fill(x, T.NaN);
            if (nanC) return x;
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    x[i * ld + j] = T.CreateChecked(rnd.NextDouble() * 2 - 1);
            return x;
        }

        public double Av(int i, int p) => double.CreateChecked(TA ? A[p * Lda + i] : A[i * Lda + p]);
        public double Bv(int p, int j) => double.CreateChecked(TB ? B[j * Ldb + p] : B[p * Ldb + j]);

        /// <summary>Expected C (only the m×n entries) and the size S of what each entry sums.</summary>
        public (double[] Value, double[] Size) Expected(T[] cBefore)
        {
            var value = new double[M * N];
            var size = new double[M * N];
            double alpha = double.CreateChecked(Alpha), beta = double.CreateChecked(Beta);
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                {
                    double sum = 0, abs = 0;
                    for (int p = 0; p < K; p++)
                    {
                        double t = Av(i, p) * Bv(p, j);
                        sum += t;
                        abs += Math.Abs(t);
                    }
                    double c = beta == 0 ? 0 : beta * double.CreateChecked(cBefore[i * Ldc + j]);
                    value[i * N + j] = alpha * sum + c;
                    size[i * N + j] = Math.Abs(alpha) * abs + Math.Abs(c);
                }
            return (value, size);
        }

        /// <summary>Runs the case on <paramref name="cpu"/> and returns the whole C buffer (padding included).</summary>
        public T[] Run(CpuBackend<T> cpu)
        {
            using var a = cpu.FromHost(A, A.Length);
            using var b = cpu.FromHost(B, B.Length);
            using var c = cpu.FromHost(C, C.Length);
            cpu.Gemm(TA ? Transpose.Yes : Transpose.No, TB ? Transpose.Yes : Transpose.No, M, N, K, Alpha, a, Lda, b, Ldb, Beta, c, Ldc);
            return cpu.ToArray(c);
        }

        public string Describe() =>
            $"{(TA ? "T" : "N")}{(TB ? "T" : "N")} m={M} n={N} k={K} alpha={Alpha} beta={Beta} lda={Lda} ldb={Ldb} ldc={Ldc}";
    }

    /// <summary>Checks C's m×n entries against the reference and that the padding past each row of C is untouched.</summary>
    private static void AssertMatches<T>(Case<T> cs, T[] got, T[] cBefore, string context) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (value, size) = cs.Expected(cBefore);
        double tolFactor = 8 * Math.Sqrt(cs.K + 1) * U<T>();
        for (int i = 0; i < cs.M; i++)
        {
            for (int j = 0; j < cs.N; j++)
            {
                double g = double.CreateChecked(got[i * cs.Ldc + j]), e = value[i * cs.N + j];
                double tol = tolFactor * size[i * cs.N + j] + 1e-300;
                if (!(Math.Abs(g - e) <= tol))
                    Assert.Fail($"{context} {cs.Describe()}: C[{i},{j}] = {g:R}, expected {e:R} (tolerance {tol:G3}).");
            }
            for (int j = cs.N; j < cs.Ldc && i * cs.Ldc + j < got.Length; j++)
                if (!got[i * cs.Ldc + j].Equals(cBefore[i * cs.Ldc + j]))
                    Assert.Fail($"{context} {cs.Describe()}: wrote C[{i},{j}] past the n={cs.N} columns.");
        }
    }

    private static void Check<T>(CpuBackend<T> cpu, GemmPath path, Case<T> cs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        cpu.GemmPathOverride = (CpuBackend<T>.GemmPath)(int)path;
        AssertMatches(cs, cs.Run(cpu), cs.C, $"{typeof(T).Name} path {path} threads {cpu.Threads}:");
    }

    private static IEnumerable<(bool, bool)> Transposes()
    {
        yield return (false, false);
        yield return (false, true);
        yield return (true, false);
        yield return (true, true);
    }

    // ----- shapes ---------------------------------------------------------------------------------

    [Test]
    public void TinyShapesAllTransposesAllPaths_Float() => TinyShapes<float>();

    [Test]
    public void TinyShapesAllTransposesAllPaths_Double() => TinyShapes<double>();

    private static void TinyShapes<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        int seed = 0;
        foreach (var path in Paths)
            foreach (var (ta, tb) in Transposes())
                foreach (int m in Tiny) foreach (int n in Tiny) foreach (int k in Tiny)
                            Check(cpu, path, Case<T>.Make(ta, tb, m, n, k, alpha: 0.75, beta: -0.5, seed: seed++));
    }

    /// <summary>
    /// Awkward and block-crossing shapes. Float blocking is KC 256, MC 144, NC 2048, MS 4032 rows (double: 256, 144,
    /// 1024, 2016): k = 520 makes three k-slabs, m = 290 several A blocks with an edge tile, n = 4100 three panels,
    /// m = 4100 two row slabs; m ≤ MC takes the fused-B route, larger m the shared panel.
    /// </summary>
    private static readonly (int M, int N, int K)[] LargeShapes =
    [
        (127, 1000, 33), (1000, 17, 127), (33, 127, 1000), (290, 150, 520), (150, 4100, 40), (13, 4100, 260),
        (4100, 20, 10), (2030, 17, 9), (80, 2060, 270),
    ];

    [Test]
    public void LargeAndBlockCrossingShapes_Float() => LargeShapesCheck<float>();

    [Test]
    public void LargeAndBlockCrossingShapes_Double() => LargeShapesCheck<double>();

    private static void LargeShapesCheck<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        int seed = 100;
        foreach (var (m, n, k) in LargeShapes)
            foreach (var (ta, tb) in Transposes())
            {
                var cs = Case<T>.Make(ta, tb, m, n, k, alpha: 1.25, beta: 0.5, seed: seed++, pad: 5);
                foreach (var path in PackedPaths) Check(cpu, path, cs);
                if ((long)m * n * k <= 200_000) Check(cpu, GemmPath.Direct, cs);
            }
    }

    [Test]
    public void ThinShapes([Values] bool useDouble)
    {
        if (useDouble) Thin<double>(); else Thin<float>();
    }

    /// <summary>Matrix-vector-like products (m or n of 1 or 2), which the auto path sends to the direct kernels.</summary>
    private static void Thin<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        int seed = 300;
        foreach (var (m, n, k) in new[] { (1, 1000, 300), (2, 300, 1000), (300, 1, 1000), (1000, 2, 33), (5, 2, 9000), (1, 1, 5000) })
            foreach (var (ta, tb) in Transposes())
            {
                var cs = Case<T>.Make(ta, tb, m, n, k, alpha: -0.5, beta: 2, seed: seed++);
                Check(cpu, GemmPath.Auto, cs);
                Check(cpu, GemmPath.Direct, cs);
            }
    }

    [Test]
    public void ShapesOfARecurrentStep([Values] bool transB)
    {
        // The LSTM step h[32×256]·Whhᵀ: B stored 1024×256 (transB) or 256×1024.
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 2 });
        var cs = Case<float>.Make(false, transB, 32, 1024, 256, alpha: 1, beta: 1, seed: 7, pad: 0);
        Check(cpu, GemmPath.Auto, cs);
    }

    // ----- scalars and edge cases -------------------------------------------------------------------

    [Test]
    public void BetaZeroIgnoresNaNInC([Values] bool useDouble)
    {
        if (useDouble) BetaZeroIgnoresNaN<double>(); else BetaZeroIgnoresNaN<float>();
    }

    private static void BetaZeroIgnoresNaN<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        foreach (var path in Paths)
            foreach (var (ta, tb) in Transposes())
                foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 17, 3), (33, 7, 17), (200, 130, 300), (13, 70, 1), (40, 50, 300) })
                {
                    var cs = Case<T>.Make(ta, tb, m, n, k, alpha: -1.5, beta: 0, seed: m * 31 + n, nanC: true);
                    Check(cpu, path, cs);
                }
    }

    [Test]
    public void KZeroScalesC()
    {
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 2 });
        foreach (var path in Paths)
        {
            Check(cpu, path, Case<float>.Make(false, false, 5, 9, 0, alpha: 2, beta: -0.5, seed: 1));
            Check(cpu, path, Case<float>.Make(true, true, 9, 5, 0, alpha: 2, beta: 1, seed: 2));
            // k = 0 and beta = 0: zeros, even over NaN.
            var cs = Case<float>.Make(false, true, 4, 6, 0, alpha: 1, beta: 0, seed: 3, nanC: true);
            cpu.GemmPathOverride = (CpuBackend<float>.GemmPath)(int)path;
            var got = cs.Run(cpu);
            for (int i = 0; i < cs.M; i++)
                for (int j = 0; j < cs.N; j++)
                    Assert.That(got[i * cs.Ldc + j], Is.EqualTo(0f), $"C[{i},{j}]");
        }
    }

    [Test]
    public void AlphaZeroScalesCWithoutReadingAB()
    {
        using var cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 2 });
        var cs = Case<double>.Make(false, false, 20, 30, 40, alpha: 0, beta: 3, seed: 4);
        Array.Fill(cs.A, double.NaN);
        var got = cs.Run(cpu);
        for (int i = 0; i < cs.M; i++)
            for (int j = 0; j < cs.N; j++)
                Assert.That(got[i * cs.Ldc + j], Is.EqualTo(3 * cs.C[i * cs.Ldc + j]), $"C[{i},{j}]");
    }

    [Test]
    public void EmptyProductsDoNothing()
    {
        using var cpu = new CpuBackend<float>();
        using var a = cpu.Allocate(4);
        using var c = cpu.FromHost([float.NaN, 1f], 2);
        cpu.Gemm(Transpose.No, Transpose.No, 0, 2, 2, 1f, a, 2, a, 2, 0f, c, 2);
        cpu.Gemm(Transpose.No, Transpose.No, 1, 0, 2, 1f, a, 2, a, 2, 0f, c, 2);
        Assert.That(float.IsNaN(cpu.ToArray(c)[0]) && cpu.ToArray(c)[1] == 1f);
    }

    // ----- threads ----------------------------------------------------------------------------------

    [Test]
    public void TwoThreadsAgreeWithOne([Values] bool useDouble)
    {
        if (useDouble) ThreadsAgree<double>(); else ThreadsAgree<float>();
    }

    private static void ThreadsAgree<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var one = new CpuBackend<T>(new CpuBackendOptions { Threads = 1 });
        using var two = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        int seed = 50;
        foreach (var (m, n, k) in new[] { (300, 257, 300), (32, 1024, 256), (64, 64, 64), (1000, 33, 17) })
            foreach (var (ta, tb) in Transposes())
            {
                var cs = Case<T>.Make(ta, tb, m, n, k, alpha: 1, beta: 0.25, seed: seed++);
                var r1 = cs.Run(one);
                var r2 = cs.Run(two);
                AssertMatches(cs, r1, cs.C, "1 thread:");
                // Same blocking, same order of additions: the split across threads does not change the sums.
                for (int i = 0; i < r1.Length; i++)
                    if (!r1[i].Equals(r2[i])) Assert.Fail($"{cs.Describe()}: element {i} is {r1[i]} on 1 thread, {r2[i]} on 2.");
            }
    }

    [Test]
    public void BothVectorWidthsGiveTheSameBits([Values] bool useDouble)
    {
        if (!SeqCore.Cpu.Gemm.Avx512Width.Available) Assert.Ignore("this CPU has no accelerated Vector512: only the AVX2 width runs here.");
        if (useDouble) WidthsAgree<double>(); else WidthsAgree<float>();
    }

    /// <summary>
    /// Each entry of C is one lane of one accumulator whichever the tile width, summed over the same k-slabs in the same
    /// order with the same fused multiply-adds, so the AVX-512 and the AVX2 tiles agree bit for bit where the final
    /// store is one rounding either way: alpha = 1 with beta = 0 (C = acc) or beta = 1 (C = acc + C), which is how
    /// the layers call the GEMM. (Other alpha, beta round differently in a full tile, fused, and an edge tile, not
    /// fused; a column can be a full tile at one width and an edge at the other.)
    /// </summary>
    private static void WidthsAgree<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        int seed = 80;
        foreach (var (m, n, k) in new[] { (300, 257, 600), (32, 1024, 256), (7, 45, 13), (1000, 33, 17), (150, 4100, 40) })
            foreach (var (ta, tb) in Transposes())
            foreach (var beta in new[] { 0.0, 1.0 })
            {
                var cs = Case<T>.Make(ta, tb, m, n, k, alpha: 1, beta: beta, seed: seed++);
                cpu.GemmPathOverride = CpuBackend<T>.GemmPath.PackedAvx2;
                var narrow = cs.Run(cpu);
                cpu.GemmPathOverride = CpuBackend<T>.GemmPath.PackedAvx512;
                var wide = cs.Run(cpu);
                for (int i = 0; i < narrow.Length; i++)
                    if (!narrow[i].Equals(wide[i])) Assert.Fail($"{cs.Describe()}: element {i} is {narrow[i]} with AVX2 tiles, {wide[i]} with AVX-512.");
            }
    }

    [Test]
    public void ConcurrentCallersShareOneBackend()
    {
        // Two threads calling into one backend: one gets the workers, the other runs inline, each with its own pack
        // buffers. Every result must still match.
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 2 });
        var cases = new[]
        {
            Case<float>.Make(false, false, 200, 180, 300, alpha: 1, beta: 0.5, seed: 71),
            Case<float>.Make(true, true, 150, 220, 260, alpha: -1, beta: 0, seed: 72),
        };
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = cases.Select(cs => new Thread(() =>
        {
            try { for (int r = 0; r < 10; r++) AssertMatches(cs, cs.Run(cpu), cs.C, "concurrent:"); }
            catch (Exception e) { errors.Add(e); }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.That(errors, Is.Empty);
    }

    // ----- strided batches --------------------------------------------------------------------------

    [TestCase(4, 5, 6, 7, false, true)]       // small products: spread across the workers whole
    [TestCase(3, 150, 130, 120, true, false)]   // large products: each split across the workers
    public void StridedBatched(int batch, int m, int n, int k, bool ta, bool tb)
    {
        foreach (var (shareA, shareB) in new[] { (false, false), (true, false), (false, true) })
        {
            using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 2 });
            var rnd = new System.Random(batch * 7 + m);
            int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
            int aSize = (ta ? k : m) * lda, bSize = (tb ? n : k) * ldb, cSize = m * ldc;
            long strideA = shareA ? 0 : aSize + 5, strideB = shareB ? 0 : bSize, strideC = cSize + 2;
            float[] Rand(long len) => Enumerable.Range(0, (int)len).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();
            float[] ha = Rand(strideA * (batch - 1) + aSize), hb = Rand(strideB * (batch - 1) + bSize), hc = Rand(strideC * (batch - 1) + cSize);
            using var a = cpu.FromHost(ha, ha.Length);
            using var b = cpu.FromHost(hb, hb.Length);
            using var c = cpu.FromHost(hc, hc.Length);
            cpu.GemmStridedBatched(ta ? Transpose.Yes : Transpose.No, tb ? Transpose.Yes : Transpose.No, m, n, k,
                0.5f, a, lda, strideA, b, ldb, strideB, -1f, c, ldc, strideC, batch);
            var got = cpu.ToArray(c);
            for (int e = 0; e < batch; e++)
            {
                var cs = new Case<float>
                {
                    TA = ta, TB = tb, M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc, Alpha = 0.5f, Beta = -1f,
                    A = ha.AsSpan((int)(e * strideA), aSize).ToArray(),
                    B = hb.AsSpan((int)(e * strideB), bSize).ToArray(),
                    C = hc.AsSpan((int)(e * strideC), cSize).ToArray(),
                };
                AssertMatches(cs, got.AsSpan((int)(e * strideC), cSize).ToArray(), cs.C, $"batch entry {e} (shareA {shareA}, shareB {shareB}):");
            }
        }
    }

    // ----- errors -----------------------------------------------------------------------------------

    [Test]
    public void TooSmallOperandNamesItsShape()
    {
        using var cpu = new CpuBackend<float>();
        using var a = cpu.Allocate(4, 5);
        using var b = cpu.Allocate(5, 6);
        using var c = cpu.Allocate(4, 6);
        var e = Assert.Throws<ArgumentException>(() => cpu.Gemm(Transpose.No, Transpose.No, 4, 6, 6, 1f, a, 6, b, 6, 0f, c, 6))!;
        Assert.That(e.Message, Does.Contain("'a'").And.Contain("[4, 5]"));
        e = Assert.Throws<ArgumentException>(() => cpu.Gemm(Transpose.No, Transpose.Yes, 4, 6, 5, 1f, a, 5, b, 6, 0f, c, 6))!;
        Assert.That(e.Message, Does.Contain("'b'").And.Contain("[5, 6]"));
        e = Assert.Throws<ArgumentException>(() => cpu.Gemm(Transpose.No, Transpose.No, 5, 6, 5, 1f, b, 6, b, 6, 0f, c, 6))!;
        Assert.That(e.Message, Does.Contain("'c'").And.Contain("[4, 6]"));
    }

    [Test]
    public void LeadingDimensionTooSmallNamesItsShape()
    {
        using var cpu = new CpuBackend<double>();
        using var a = cpu.Allocate(4, 5);
        using var b = cpu.Allocate(5, 6);
        using var c = cpu.Allocate(4, 6);
        var e = Assert.Throws<ArgumentException>(() => cpu.Gemm(Transpose.No, Transpose.No, 4, 6, 5, 1d, a, 4, b, 6, 0d, c, 6))!;
        Assert.That(e.Message, Does.Contain("leading dimension").And.Contain("[4, 5]"));
    }

    [Test]
    public void MismatchedMatMulNamesTheShapes()
    {
        using var cpu = new CpuBackend<float>();
        using var a = cpu.Allocate(4, 5);
        using var b = cpu.Allocate(6, 7);
        using var c = cpu.Allocate(4, 7);
        var e = Assert.Throws<ArgumentException>(() => cpu.MatMul(a, b, c))!;
        Assert.That(e.Message, Does.Contain("[4, 5]").And.Contain("[6, 7]"));
    }

    [Test]
    public void OverlappingBatchOutputsAreRejected()
    {
        using var cpu = new CpuBackend<float>();
        using var a = cpu.Allocate(2, 4, 4);
        using var c = cpu.Allocate(2, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => cpu.GemmStridedBatched(Transpose.No, Transpose.No, 4, 4, 4,
            1f, a, 4, 16, a, 4, 16, 0f, c, 4, 8, 2))!;
        Assert.That(e.Message, Does.Contain("overlap"));
    }

    // ----- allocation -------------------------------------------------------------------------------

    [Test]
    public void SteadyStateCallsAllocateNothing()
    {
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 2 });
        using var a = cpu.Allocate(300 * 300);
        using var b = cpu.Allocate(300 * 300);
        using var c = cpu.Allocate(300 * 300);
        void Calls()
        {
            cpu.Gemm(Transpose.No, Transpose.No, 300, 300, 300, 1f, a, 300, b, 300, 0f, c, 300);     // packed, threaded
            cpu.Gemm(Transpose.No, Transpose.Yes, 32, 1024, 64, 1f, a, 64, b, 64, 1f, c, 1024);       // packed, fused B
            cpu.Gemm(Transpose.Yes, Transpose.No, 10, 10, 10, 1f, a, 10, b, 10, 0f, c, 10);          // direct
            cpu.Gemm(Transpose.No, Transpose.No, 1, 300, 300, 1f, a, 300, b, 300, 0f, c, 300);       // thin: direct
            cpu.GemmStridedBatched(Transpose.No, Transpose.No, 20, 20, 20, 1f, a, 20, 400, b, 20, 0, 0f, c, 20, 400, 8);
            cpu.GemmStridedBatched(Transpose.No, Transpose.No, 150, 150, 150, 1f, a, 150, 0, b, 150, 0, 0f, c, 150, 22500, 4);
            cpu.Gemm(Transpose.No, Transpose.No, 5, 5, 0, 1f, a, 5, b, 5, 0.5f, c, 5);               // k = 0
        }
        for (int i = 0; i < 3; i++) Calls();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) Calls();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.EqualTo(0), "bytes allocated by 20 rounds of GEMM calls");
    }
}
