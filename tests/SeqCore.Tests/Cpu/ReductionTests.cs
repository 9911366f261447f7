using System.Numerics;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Cpu;

/// <summary>SumRows, SumCols (overwrite and accumulate), SumOfSquares and ArgMaxRows against double references.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class ReductionTests<T> : CpuFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static double[] Data(int n, int seed) => Inputs.Mixed(n, seed, 3, [0.0, -0.0, 1e-6, -1e-6, 100.0, -100.0]);

    /// <summary>Reference sums in double and, per output, Σ|terms| (the scale of the summation's rounding error).</summary>
    private static (double[] Sum, double[] Scale) SumReference(double[] x, int rows, int cols, bool overRows, double[]? y0)
    {
        int m = overRows ? cols : rows;
        var sum = new double[m];
        var scale = new double[m];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int o = overRows ? c : r;
                sum[o] += x[r * cols + c];
                scale[o] += Math.Abs(x[r * cols + c]);
            }
        if (y0 is not null)
            for (int o = 0; o < m; o++) { sum[o] += y0[o]; scale[o] += Math.Abs(y0[o]); }
        return (sum, scale);
    }

    private void CheckSum(bool overRows, int rows, int cols, int threads, bool accumulate)
    {
        var b = Cpu(threads);
        int m = overRows ? cols : rows;
        double[] x = RoundTrip(Data(rows * cols, rows * 13 + cols));
        double[] y0 = RoundTrip(Inputs.Uniform(m, m, -5, 5));
        using var tx = Upload(b, x, rows, cols);
        using var ty = accumulate ? Upload(b, y0, m) : Poisoned(b, m); // NaN must not leak into y = sum
        if (overRows) b.SumRows(tx, accumulate, ty); else b.SumCols(tx, accumulate, ty);
        var (sum, scale) = SumReference(x, rows, cols, overRows, accumulate ? y0 : null);
        Approx.AssertClose(b.ToArray(ty), sum, Tol, $"{(overRows ? "SumRows" : "SumCols")} [{rows}, {cols}] accumulate={accumulate} threads={threads}", scale: scale);
        Approx.AssertIdentical(b.ToArray(tx), ToT(x), "the input must not change");
    }

    [TestCaseSource(typeof(Cases), nameof(Cases.MatrixAccumulateCases))]
    public void SumRows(int rows, int cols, int threads, bool accumulate) => CheckSum(true, rows, cols, threads, accumulate);

    [TestCaseSource(typeof(Cases), nameof(Cases.MatrixAccumulateCases))]
    public void SumCols(int rows, int cols, int threads, bool accumulate) => CheckSum(false, rows, cols, threads, accumulate);

    [Test]
    public void SumsOfRankOneAndRankThree()
    {
        var b = Cpu(1);
        double[] x = RoundTrip(Data(24, 3));
        using var v = Upload(b, x, 24); // rank 1: one row of 24 columns
        using var rowsOut = Poisoned(b, 24);
        using var colsOut = Poisoned(b, 1);
        b.SumRows(v, false, rowsOut);
        b.SumCols(v, false, colsOut);
        Approx.AssertClose(b.ToArray(rowsOut), x, Tol, "SumRows of a vector is the vector");
        var (s1, sc1) = SumReference(x, 1, 24, false, null);
        Approx.AssertClose(b.ToArray(colsOut), s1, Tol, "SumCols of a vector is its sum", scale: sc1);

        using var cube = Upload(b, x, 2, 3, 4); // rank 3: 6 rows of 4
        using var r4 = Poisoned(b, 4);
        using var c6 = Poisoned(b, 2, 3);
        b.SumRows(cube, false, r4);
        b.SumCols(cube, false, c6);
        var (s2, sc2) = SumReference(x, 6, 4, true, null);
        var (s3, sc3) = SumReference(x, 6, 4, false, null);
        Approx.AssertClose(b.ToArray(r4), s2, Tol, "SumRows of [2, 3, 4]", scale: sc2);
        Approx.AssertClose(b.ToArray(c6), s3, Tol, "SumCols of [2, 3, 4]", scale: sc3);
    }

    /// <summary>x is rows 1…k of a larger matrix (Slice); y is a Slice of a sentinel vector: only its range changes.</summary>
    [TestCase(true, 2)]
    [TestCase(false, 2)]
    [TestCase(true, 1)]
    [TestCase(false, 1)]
    public void OnViewsTouchesOnlyTheViewRange(bool overRows, int threads)
    {
        var b = Cpu(threads);
        const int rows = 9, cols = 19, k = 6;
        double[] x = RoundTrip(Data(rows * cols, 5));
        using var tx = Upload(b, x, rows, cols);
        int m = overRows ? cols : k;
        using var root = Upload(b, Inputs.Constant(m + 7, 1234.5), m + 7);
        var y = root.Slice(3, m);
        if (overRows) b.SumRows(tx.Slice(cols, k, cols), false, y); else b.SumCols(tx.Slice(cols, k, cols), false, y);
        var (sum, scale) = SumReference(x[cols..((k + 1) * cols)], k, cols, overRows, null);
        var expected = Inputs.Constant(m + 7, 1234.5);
        sum.CopyTo(expected, 3);
        var fullScale = Inputs.Constant(m + 7, 1234.5);
        scale.CopyTo(fullScale, 3);
        Approx.AssertClose(b.ToArray(root), expected, Tol, $"{(overRows ? "SumRows" : "SumCols")} on views", scale: fullScale);
    }

    [TestCaseSource(typeof(SumOfSquaresCases), nameof(SumOfSquaresCases.All))]
    public void SumOfSquares(int n, int threads)
    {
        var b = Cpu(threads);
        double[] x = RoundTrip(Data(n, n + 1));
        using var t = Upload(b, x, n);
        double expected = 0;
        foreach (double v in x) expected += v * v;
        double got = b.SumOfSquares(t);
        Assert.That(got, Is.EqualTo(expected).Within(Tolerance.SumOfSquaresRel * expected + 1e-300), $"SumOfSquares n={n}");
    }

    /// <summary>
    /// The contract says Σx² is accumulated in double: float squares of 1e20 overflow float (max ≈ 3.4e38), and
    /// 70001 × 0.1² loses digits in a float accumulator; both are exact enough in double.
    /// </summary>
    [Test]
    public void SumOfSquaresAccumulatesInDouble()
    {
        var b = Cpu(1);
        double big = RoundTrip(1e20);
        using var t = Upload(b, [big, -big, 3.0, big, 1.0, -2.0, big, 0.5, big, 0.25], 10); // 4 big in vector lanes, 1 in the remainder
        double expected = 5 * big * big + 9 + 1 + 4 + 0.25 + 0.0625;
        Assert.That(b.SumOfSquares(t), Is.EqualTo(expected).Within(1e-14 * expected));

        double tenth = RoundTrip(0.1);
        using var many = Upload(b, Inputs.Constant(70001, tenth), 70001);
        // A plain double loop (the scalar path) may be off by up to n·2⁻⁵³ ≈ 8e-12 relative; a float accumulator by ~1e-3.
        Assert.That(b.SumOfSquares(many), Is.EqualTo(70001 * (tenth * tenth)).Within(1e-11 * 70001 * tenth * tenth));
    }

    [Test]
    public void SumOfSquaresOnAViewAndOfZeros()
    {
        var b = Cpu(1);
        double[] x = RoundTrip(Data(50, 9));
        using var t = Upload(b, x, 50);
        double expected = 0;
        for (int i = 7; i < 7 + 33; i++) expected += x[i] * x[i];
        Assert.That(b.SumOfSquares(t.Slice(7, 33)), Is.EqualTo(expected).Within(1e-12 * expected));
        using var z = b.Allocate(17);
        Assert.That(b.SumOfSquares(z), Is.EqualTo(0.0));
    }

    /// <summary>torch.argmax's rule, one comparison an element: the first largest, a NaN larger than everything.</summary>
    private static int ArgMaxReference(double[] x, int offset, int n)
    {
        int best = 0;
        for (int i = 1; i < n; i++)
        {
            double a = x[offset + best], v = x[offset + i];
            if (double.IsNaN(a)) break;
            if (double.IsNaN(v) || v > a) best = i;
        }
        return best;
    }

    /// <summary>
    /// Random rows with ties and special values planted at the SIMD boundaries (first lane, last full vector, the
    /// scalar tail) against the reference, at one and two threads.
    /// </summary>
    [TestCase(1, 1, 1)]
    [TestCase(5, 7, 1)]
    [TestCase(9, 16, 2)]
    [TestCase(13, 37, 1)]
    [TestCase(64, 1000, 2)]
    [TestCase(300, 8259, 2)]
    public void ArgMaxRowsIsTheFirstLargest(int rows, int cols, int threads)
    {
        var b = Cpu(threads);
        double[] x = RoundTrip(Inputs.Uniform(rows * cols, rows * 31 + cols, -3, 3));
        var plant = new System.Random(rows + cols);
        for (int r = 0; r < rows; r++)
        {
            int at = r * cols, kind = r % 6, p = plant.Next(cols), q = plant.Next(cols);
            switch (kind)
            {
                case 1: x[at + p] = 10; x[at + q] = 10; break;                          // a tie: the smaller index wins
                case 2: x[at + p] = double.NaN; x[at + q] = double.NaN; break;          // the first NaN wins
                case 3: x[at + cols - 1] = 50; break;                                   // the last element (the tail)
                case 4: for (int c = 0; c < cols; c++) x[at + c] = c % 2 == 0 ? -0.0 : 0.0; break; // −0 = +0: index 0
                case 5: x[at + p] = double.PositiveInfinity; x[at + q] = double.NegativeInfinity; break;
            }
        }
        using var t = Upload(b, x, rows, cols);
        var got = new int[rows];
        b.ArgMaxRows(t, got);
        for (int r = 0; r < rows; r++)
            Assert.That(got[r], Is.EqualTo(ArgMaxReference(x, r * cols, cols)), $"row {r} of [{rows}, {cols}] threads={threads}");
    }

    [Test]
    public void ArgMaxRowsOfAViewAndOfRankThree()
    {
        var b = Cpu(1);
        double[] x = RoundTrip(Data(2 * 3 * 20, 4));
        using var cube = Upload(b, x, 2, 3, 20);
        var got = new int[6];
        b.ArgMaxRows(cube, got);
        Assert.That(got, Is.EqualTo(Enumerable.Range(0, 6).Select(r => ArgMaxReference(x, r * 20, 20)).ToArray()));
        var two = new int[2];
        b.ArgMaxRows(cube.Slice(40, 2, 20), two);
        Assert.That(two, Is.EqualTo(new[] { ArgMaxReference(x, 40, 20), ArgMaxReference(x, 60, 20) }));
        using var empty = b.Allocate(0, 5);
        b.ArgMaxRows(empty, []);
        using var noColumns = b.Allocate(2, 0);
        Assert.That(Assert.Throws<ArgumentException>(() => b.ArgMaxRows(noColumns, new int[2]))!.Message, Does.Contain("[2, 0]"));
        Assert.That(Assert.Throws<ArgumentException>(() => b.ArgMaxRows(cube, new int[5]))!.Message, Does.Contain("[2, 3, 20]").And.Contain("5"));
    }
}

/// <summary>(n, threads) cases for SumOfSquares.</summary>
public static class SumOfSquaresCases
{
    /// <summary>Every size with both thread counts.</summary>
    public static IEnumerable<TestCaseData> All() =>
        from n in Cases.Sizes from t in Cases.Threads select new TestCaseData(n, t);
}
