using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Layers;
using SeqCore.Random;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Layers;

/// <summary>
/// The block ops (LayerNorm, positional rows, im2col/col2im, global pooling) against plain scalar loops written here,
/// on awkward widths (1, 3, 7, 17, 33, 127) and one shape above the parallel threshold, with 1 and 2 threads; plus
/// LayerNorm's precision on rows with a large mean, Conv1d's output lengths, dropout, positional tables, argument
/// errors that name shapes, and steady-state allocation. References are computed in double from the inputs already
/// rounded to T.
/// </summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class BlockTests<T> : CpuFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int[] Widths = [1, 3, 7, 17, 33, 127];

    /// <summary>(rows, cols, threads): every width with 3 rows, and 600×127 (76 200 elements) for the parallel path.</summary>
    public static IEnumerable<TestCaseData> RowCases()
    {
        foreach (int t in Cases.Threads)
        {
            foreach (int w in Widths) yield return new TestCaseData(3, w, t);
            yield return new TestCaseData(600, 127, t);
        }
    }

    private static (double Abs, double Rel) Loose => IsSingle ? (1e-5, 1e-5) : (1e-12, 1e-12);

    // ----- LayerNorm -----------------------------------------------------------------------------------------

    private static void LayerNormReference(double[] x, double[]? w, double[]? b, double eps, int rows, int cols,
        double[] y, double[] mean, double[] rstd)
    {
        for (int r = 0; r < rows; r++)
        {
            // The mean as x₀ + mean(x − x₀): for rows with a large mean the differences are exact in double, so the
            // reference stays exact where a plain Σx/D in double would carry the rounding of the large partial sums.
            double x0 = x[r * cols], m = 0, v = 0;
            for (int j = 0; j < cols; j++) m += x[r * cols + j] - x0;
            m = x0 + m / cols;
            for (int j = 0; j < cols; j++) v += (x[r * cols + j] - m) * (x[r * cols + j] - m);
            double s = 1 / Math.Sqrt(v / cols + eps);
            for (int j = 0; j < cols; j++)
            {
                double xh = (x[r * cols + j] - m) * s;
                y[r * cols + j] = w is null ? xh : xh * w[j] + b![j];
            }
            mean[r] = m;
            rstd[r] = s;
        }
    }

    [TestCaseSource(nameof(RowCases))]
    public void LayerNormForwardMatchesReference(int rows, int cols, int threads)
    {
        var be = Cpu(threads);
        foreach (bool affine in new[] { true, false })
        {
            double[] x = RoundTrip(Inputs.Uniform(rows * cols, 1, -2, 3));
            double[]? w = affine ? RoundTrip(Inputs.Uniform(cols, 2, -1.5, 1.5)) : null;
            double[]? b = affine ? RoundTrip(Inputs.Uniform(cols, 3, -1, 1)) : null;
            using var tx = Upload(be, x, rows, cols);
            using var tw = w is null ? null : Upload(be, w, cols);
            using var tb = b is null ? null : Upload(be, b, cols);
            using var ty = Poisoned(be, rows, cols);
            using var tm = Poisoned(be, rows);
            using var ts = Poisoned(be, rows);
            double eps = 1e-5;
            be.LayerNormForward(tx, tw, tb, T.CreateTruncating(eps), ty, tm, ts);
            double[] y = new double[rows * cols], m = new double[rows], s = new double[rows];
            LayerNormReference(x, w, b, RoundTrip(eps), rows, cols, y, m, s);
            Approx.AssertClose(be.ToArray(ty), y, Loose, $"LayerNormForward y (affine {affine})");
            Approx.AssertClose(be.ToArray(tm), m, Loose, "LayerNormForward mean");
            Approx.AssertClose(be.ToArray(ts), s, Loose, "LayerNormForward rstd");
        }
    }

    [TestCaseSource(nameof(RowCases))]
    public void LayerNormBackwardMatchesReference(int rows, int cols, int threads)
    {
        var be = Cpu(threads);
        foreach (bool affine in new[] { true, false })
        {
            double[] x = RoundTrip(Inputs.Uniform(rows * cols, 4, -2, 3));
            double[] dy = RoundTrip(Inputs.Uniform(rows * cols, 5, -1, 1));
            double[]? w = affine ? RoundTrip(Inputs.Uniform(cols, 6, -1.5, 1.5)) : null;
            double[] dw0 = RoundTrip(Inputs.Uniform(cols, 7, -1, 1)), db0 = RoundTrip(Inputs.Uniform(cols, 8, -1, 1));
            using var tx = Upload(be, x, rows, cols);
            using var tw = w is null ? null : Upload(be, w, cols);
            using var tdy = Upload(be, dy, rows, cols);
            using var tm = be.Allocate(rows);
            using var ts = be.Allocate(rows);
            using var scratch = be.Allocate(rows, cols);
            be.LayerNormForward(tx, tw, tw is null ? null : tw, T.CreateTruncating(1e-5), scratch, tm, ts);
            double[] m = ToDouble(be.ToArray(tm)), s = ToDouble(be.ToArray(ts));
            using var tdx = Poisoned(be, rows, cols);
            using var tdw = Upload(be, dw0, cols);
            using var tdb = Upload(be, db0, cols);
            be.LayerNormBackward(tx, tw, tm, ts, tdy, tdx, affine ? tdw : null, affine ? tdb : null);

            // Reference from the saved statistics (the op's contract), with scales for the cancelling sums.
            double[] dx = new double[rows * cols], dxScale = new double[rows * cols];
            double[] dw = (double[])dw0.Clone(), db = (double[])db0.Clone(), dwScale = dw0.Select(Math.Abs).ToArray(), dbScale = db0.Select(Math.Abs).ToArray();
            for (int r = 0; r < rows; r++)
            {
                double a = 0, c = 0, aa = 0, ca = 0;
                for (int j = 0; j < cols; j++)
                {
                    int i = r * cols + j;
                    double g = w is null ? dy[i] : dy[i] * w[j], xh = (x[i] - m[r]) * s[r];
                    a += g; c += g * xh; aa += Math.Abs(g); ca += Math.Abs(g * xh);
                    dw[j] += dy[i] * xh; db[j] += dy[i];
                    dwScale[j] += Math.Abs(dy[i] * xh); dbScale[j] += Math.Abs(dy[i]);
                }
                for (int j = 0; j < cols; j++)
                {
                    int i = r * cols + j;
                    double g = w is null ? dy[i] : dy[i] * w[j], xh = (x[i] - m[r]) * s[r];
                    dx[i] = s[r] * (g - a / cols - xh * c / cols);
                    dxScale[i] = s[r] * (Math.Abs(g) + aa / cols + Math.Abs(xh) * ca / cols);
                }
            }
            Approx.AssertClose(be.ToArray(tdx), dx, Loose, $"LayerNormBackward dx (affine {affine})", scale: dxScale);
            Approx.AssertClose(be.ToArray(tdw), affine ? dw : dw0, Loose, "LayerNormBackward dWeight (accumulated)", scale: dwScale);
            Approx.AssertClose(be.ToArray(tdb), affine ? db : db0, Loose, "LayerNormBackward dBias (accumulated)", scale: dbScale);
        }
    }

    [Test]
    public void LayerNormBackwardAllowsDxToAliasDy()
    {
        var be = Cpu(2);
        const int rows = 5, cols = 19;
        using var x = Upload(be, Inputs.Uniform(rows * cols, 9, -1, 1), rows, cols);
        using var w = Upload(be, Inputs.Uniform(cols, 10, 0.5, 1.5), cols);
        using var m = be.Allocate(rows);
        using var s = be.Allocate(rows);
        using var y = be.Allocate(rows, cols);
        be.LayerNormForward(x, w, null, T.CreateTruncating(1e-5), y, m, s);
        double[] dyHost = Inputs.Uniform(rows * cols, 11, -1, 1);
        using var dy = Upload(be, dyHost, rows, cols);
        using var dx = be.Allocate(rows, cols);
        using var dw1 = be.Allocate(cols);
        using var dw2 = be.Allocate(cols);
        be.LayerNormBackward(x, w, m, s, dy, dx, dw1, null);
        be.LayerNormBackward(x, w, m, s, dy, dy, dw2, null);
        Approx.AssertIdentical(be.ToArray(dy), be.ToArray(dx), "dx written over dy");
        Approx.AssertIdentical(be.ToArray(dw2), be.ToArray(dw1), "dWeight with aliased dx");
    }

    /// <summary>
    /// Rows of 1e4 + U(−1, 1) in float: the one-pass formula E[x²] − E[x]² loses everything here (E[x²] ≈ 1e8 has an ulp
    /// of 8, the variance is ≈ 1/3). The shifted two-pass kernel keeps y to a few float ulp of the true result.
    /// </summary>
    [Test]
    public void LayerNormIsAccurateForRowsWithALargeMean()
    {
        var be = Cpu(1);
        const int rows = 6, cols = 127;
        double[] x = RoundTrip(Inputs.Uniform(rows * cols, 12, -1, 1).Select((v, i) => 1e4 * (1 + i / cols) + v).ToArray());
        using var tx = Upload(be, x, rows, cols);
        using var ty = be.Allocate(rows, cols);
        using var tm = be.Allocate(rows);
        using var ts = be.Allocate(rows);
        be.LayerNormForward(tx, null, null, T.CreateTruncating(1e-5), ty, tm, ts);
        double[] y = new double[rows * cols], m = new double[rows], s = new double[rows];
        LayerNormReference(x, null, null, RoundTrip(1e-5), rows, cols, y, m, s);
        var tol = IsSingle ? (2e-5, 0.0) : (1e-11, 0.0);
        Approx.AssertClose(be.ToArray(ty), y, tol, "LayerNormForward y with mean ≈ 1e4·k");
        Approx.AssertClose(be.ToArray(tm), m, IsSingle ? (0.0, 1e-7) : (0.0, 1e-15), "mean (to T's precision)");
        Approx.AssertClose(be.ToArray(ts), s, IsSingle ? (0.0, 1e-5) : (0.0, 1e-12), "rstd");
        double[] ya = ToDouble(be.ToArray(ty));
        for (int r = 0; r < rows; r++)
        {
            var row = ya.Skip(r * cols).Take(cols).ToArray();
            double mean = row.Average(), variance = row.Select(v => (v - mean) * (v - mean)).Average();
            Assert.That(Math.Abs(mean), Is.LessThan(1e-5), $"row {r}: output mean");
            Assert.That(variance, Is.EqualTo(1.0).Within(1e-4), $"row {r}: output variance");
        }
    }

    [Test]
    public void LayerNormLayerHasPyTorchNamesAndInit()
    {
        var be = Cpu(1);
        using var ln = new LayerNorm<T>(be, 5, prefix: "norm1.");
        Assert.That(ln.Parameters.Select(p => p.Name), Is.EqualTo(new[] { "norm1.weight", "norm1.bias" }));
        Approx.AssertAll(be.ToArray(ln.Weight!.Value), T.One, "weight init");
        Approx.AssertAll(be.ToArray(ln.Bias!.Value), T.Zero, "bias init");
        using var plain = new LayerNorm<T>(be, 5, elementwiseAffine: false);
        Assert.That(plain.Parameters, Is.Empty);
    }

    // ----- positional rows -----------------------------------------------------------------------------------

    [TestCase(1, 1, 1, 0, false, 1)]
    [TestCase(4, 3, 7, 2, false, 1)]
    [TestCase(5, 2, 17, 0, true, 2)]
    [TestCase(3, 3, 33, 6, true, 1)]
    [TestCase(2, 5, 127, 1, false, 2)]
    public void PositionRowsMatchReference(int steps, int batch, int dim, int start, bool batchFirst, int threads)
    {
        var be = Cpu(threads);
        int positions = start + steps + 1;
        int[] shape = batchFirst ? [batch, steps, dim] : [steps, batch, dim];
        double[] x = RoundTrip(Inputs.Uniform(steps * batch * dim, 13, -1, 1));
        double[] table = RoundTrip(Inputs.Uniform(positions * dim, 14, -1, 1));
        double[] dt0 = RoundTrip(Inputs.Uniform(positions * dim, 15, -1, 1));
        using var tx = Upload(be, x, shape);
        using var tt = Upload(be, table, positions, dim);
        using var ty = Poisoned(be, shape);
        be.AddPositionRows(tx, tt, start, batchFirst, ty);
        using var tdt = Upload(be, dt0, positions, dim);
        be.AccumulatePositionRows(tx, start, batchFirst, tdt);

        double[] y = new double[x.Length], dt = (double[])dt0.Clone();
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < dim; j++)
                {
                    int i = ((batchFirst ? b * steps + t : t * batch + b) * dim) + j;
                    y[i] = x[i] + table[(start + t) * dim + j];
                    dt[(start + t) * dim + j] += x[i];
                }
        Approx.AssertClose(be.ToArray(ty), y, Tol, "AddPositionRows");
        Approx.AssertClose(be.ToArray(tdt), dt, Loose, "AccumulatePositionRows", scale: dt.Select(v => Math.Abs(v) + batch).ToArray());
    }

    [Test]
    public void SinusoidalTableFollowsTheFormulaAndStepsMatchTheWholeSequence()
    {
        var be = Cpu(1);
        const int dim = 7, steps = 5;
        using var pe = new SinusoidalPositionalEncoding<T>(be, 12, dim);
        double[] table = ToDouble(be.ToArray(pe.Table));
        foreach (int p in new[] { 0, 1, 5, 11 })
            for (int i = 0; i < dim; i++)
            {
                double angle = p / Math.Pow(10000, 2 * (i / 2) / (double)dim);
                double expected = i % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle);
                Assert.That(table[p * dim + i], Is.EqualTo(expected).Within(IsSingle ? 1e-7 : 1e-15), $"PE[{p}, {i}]");
            }
        // Incremental decoding: step t alone with start = t gives row t of the whole-sequence result.
        double[] x = RoundTrip(Inputs.Uniform(steps * 2 * dim, 16, -1, 1));
        using var tx = Upload(be, x, steps, 2, dim);
        using var ty = be.Allocate(steps, 2, dim);
        pe.Forward(tx, ty);
        T[] whole = be.ToArray(ty);
        for (int t = 0; t < steps; t++)
        {
            using var xt = Upload(be, x.Skip(t * 2 * dim).Take(2 * dim).ToArray(), 1, 2, dim);
            using var yt = be.Allocate(1, 2, dim);
            pe.Forward(xt, yt, start: t);
            Approx.AssertIdentical(be.ToArray(yt), whole.Skip(t * 2 * dim).Take(2 * dim).ToArray(), $"step {t}");
        }
        var ex = Assert.Throws<ArgumentException>(() => pe.Forward(tx, ty, start: 8))!;
        Assert.That(ex.Message, Does.Contain("[12, 7]").And.Contain("[5, 2, 7]"));
    }

    // ----- im2col / col2im -------------------------------------------------------------------------------------

    /// <summary>(batch, channels, length, kernel, stride, dilation, padding, threads): every width, several geometries, one parallel.</summary>
    public static IEnumerable<TestCaseData> ConvCases()
    {
        var geometries = new (int K, int S, int D, Conv1dPadding P)[]
        {
            (1, 1, 1, Conv1dPadding.Valid), (3, 1, 1, Conv1dPadding.Same), (3, 2, 2, Conv1dPadding.Causal),
            (5, 2, 1, Conv1dPadding.Same), (4, 3, 2, Conv1dPadding.Valid),
        };
        foreach (int t in Cases.Threads)
        {
            foreach (int l in Widths)
                foreach (var (k, s, d, p) in geometries)
                    yield return new TestCaseData(2, 3, l, k, s, d, p, t);
            yield return new TestCaseData(4, 8, 1000, 3, 1, 1, Conv1dPadding.Same, t);
            yield return new TestCaseData(3, 8, 1000, 5, 2, 2, Conv1dPadding.Causal, t);
        }
    }

    [TestCaseSource(nameof(ConvCases))]
    public void Im2ColAndCol2ImMatchReference(int batch, int channels, int length, int kernel, int stride, int dilation, Conv1dPadding padding, int threads)
    {
        var be = Cpu(threads);
        var (left, _, outLength) = Conv1d<T>.Geometry(length, kernel, stride, dilation, padding);
        int rows = channels * kernel, width = batch * outLength;
        double[] x = RoundTrip(Inputs.Uniform(batch * channels * length, 17, -1, 1));
        double[] cols = RoundTrip(Inputs.Uniform(rows * width, 18, -1, 1));
        using var tx = Upload(be, x, batch, channels, length);
        using var tc = Poisoned(be, rows, width);
        be.Im2Col(tx, channels, length, kernel, stride, dilation, left, outLength, tc);
        using var tcols = Upload(be, cols, rows, width);
        using var tdx = Poisoned(be, batch, channels, length);
        be.Col2Im(tcols, channels, length, kernel, stride, dilation, left, outLength, tdx);

        var expectedCols = new double[rows * width];
        double[] dx = new double[x.Length], dxScale = new double[x.Length];
        for (int c = 0; c < channels; c++)
            for (int k = 0; k < kernel; k++)
                for (int b = 0; b < batch; b++)
                    for (int t = 0; t < outLength; t++)
                    {
                        int i = t * stride + k * dilation - left, col = (c * kernel + k) * width + b * outLength + t;
                        if (i < 0 || i >= length) continue;
                        expectedCols[col] = x[(b * channels + c) * length + i];
                        dx[(b * channels + c) * length + i] += cols[col];
                        dxScale[(b * channels + c) * length + i] += Math.Abs(cols[col]);
                    }
        Approx.AssertIdentical(be.ToArray(tc), ToT(expectedCols), "Im2Col");
        Approx.AssertClose(be.ToArray(tdx), dx, Tol, "Col2Im", scale: dxScale);
    }

    [Test]
    public void Conv1dMatchesADirectConvolution()
    {
        var be = Cpu(2);
        const int batch = 3, cin = 5, cout = 4, length = 23;
        foreach (var (k, s, d, p) in new[] { (3, 1, 1, Conv1dPadding.Causal), (5, 2, 2, Conv1dPadding.Same), (4, 3, 1, Conv1dPadding.Valid) })
        {
            using var conv = new Conv1d<T>(be, cin, cout, k, new RandomStream(3), s, d, p);
            var (left, _, lout) = Conv1d<T>.Geometry(length, k, s, d, p);
            double[] x = RoundTrip(Inputs.Uniform(batch * cin * length, 19, -1, 1));
            double[] dyh = RoundTrip(Inputs.Uniform(batch * cout * lout, 20, -1, 1));
            double[] w = ToDouble(be.ToArray(conv.Weight.Value)), bias = ToDouble(be.ToArray(conv.Bias!.Value));
            using var tx = Upload(be, x, batch, cin, length);
            using var ty = Poisoned(be, batch, cout, lout);
            using var tdy = Upload(be, dyh, batch, cout, lout);
            using var tdx = Poisoned(be, batch, cin, length);
            conv.Forward(tx, ty);
            conv.Backward(tdy, tdx);

            double[] y = new double[batch * cout * lout], dx = new double[x.Length], dw = new double[w.Length], db = new double[cout];
            for (int b = 0; b < batch; b++)
                for (int o = 0; o < cout; o++)
                    for (int t = 0; t < lout; t++)
                    {
                        int yi = (b * cout + o) * lout + t;
                        double sum = bias[o];
                        db[o] += dyh[yi];
                        for (int c = 0; c < cin; c++)
                            for (int j = 0; j < k; j++)
                            {
                                int i = t * s + j * d - left;
                                if (i < 0 || i >= length) continue;
                                int wi = (o * cin + c) * k + j, xi = (b * cin + c) * length + i;
                                sum += w[wi] * x[xi];
                                dw[wi] += dyh[yi] * x[xi];
                                dx[xi] += dyh[yi] * w[wi];
                            }
                        y[yi] = sum;
                    }
            var tol = IsSingle ? (1e-5, 1e-5) : (1e-13, 1e-13);
            string what = $"k{k} s{s} d{d} {p}";
            Approx.AssertClose(be.ToArray(ty), y, tol, $"Conv1d y ({what})");
            Approx.AssertClose(be.ToArray(tdx), dx, tol, $"Conv1d dx ({what})");
            Approx.AssertClose(be.ToArray(conv.Weight.Gradient), dw, tol, $"Conv1d dWeight ({what})");
            Approx.AssertClose(be.ToArray(conv.Bias.Gradient), db, tol, $"Conv1d dBias ({what})");
        }
    }

    /// <summary>Output lengths worked out by hand from PyTorch's and Keras' definitions (not from the code).</summary>
    [TestCase(10, 3, 1, 1, 8, 10, 1, 1, 10)]
    [TestCase(11, 3, 2, 1, 5, 6, 1, 1, 6)]
    [TestCase(17, 5, 2, 2, 5, 9, 4, 4, 9)]
    [TestCase(9, 4, 1, 1, 6, 9, 1, 2, 9)]
    [TestCase(2, 5, 1, 1, 0, 2, 2, 2, 2)]
    [TestCase(13, 3, 3, 2, 3, 5, 2, 2, 5)]
    [TestCase(1, 1, 2, 1, 1, 1, 0, 0, 1)]
    [TestCase(8, 2, 2, 3, 3, 4, 1, 1, 4)]
    [TestCase(8, 2, 1, 3, 5, 8, 1, 2, 8)]
    public void Conv1dOutputLengthsForEveryPaddingMode(int length, int kernel, int stride, int dilation,
        int validOut, int sameOut, int sameLeft, int sameRight, int causalOut)
    {
        Assert.That(Conv1d<T>.Geometry(length, kernel, stride, dilation, Conv1dPadding.Valid), Is.EqualTo((0, 0, validOut)), "valid");
        Assert.That(Conv1d<T>.Geometry(length, kernel, stride, dilation, Conv1dPadding.Same), Is.EqualTo((sameLeft, sameRight, sameOut)), "same");
        Assert.That(Conv1d<T>.Geometry(length, kernel, stride, dilation, Conv1dPadding.Causal), Is.EqualTo((dilation * (kernel - 1), 0, causalOut)), "causal");
        var be = Cpu(1);
        foreach (var p in Enum.GetValues<Conv1dPadding>())
        {
            using var conv = new Conv1d<T>(be, 2, 3, kernel, new RandomStream(1), stride, dilation, p);
            int lout = conv.OutputLength(length);
            using var x = be.Allocate(1, 2, length);
            using var y = be.Allocate(1, 3, lout);
            Assert.DoesNotThrow(() => conv.Forward(x, y), $"{p}: Forward accepts y [1, 3, {lout}]");
        }
    }

    [Test]
    public void CausalConvolutionDoesNotSeeTheFuture()
    {
        var be = Cpu(1);
        using var conv = new Conv1d<T>(be, 2, 3, 3, new RandomStream(4), dilation: 2, padding: Conv1dPadding.Causal);
        double[] x = Inputs.Uniform(2 * 12, 21, -1, 1);
        using var tx = Upload(be, x, 1, 2, 12);
        using var y1 = be.Allocate(1, 3, 12);
        conv.Forward(tx, y1);
        for (int c = 0; c < 2; c++) x[c * 12 + 7] += 5; // change step 7 only
        using var tx2 = Upload(be, x, 1, 2, 12);
        using var y2 = be.Allocate(1, 3, 12);
        conv.Forward(tx2, y2);
        T[] a = be.ToArray(y1), b = be.ToArray(y2);
        for (int o = 0; o < 3; o++)
            for (int t = 0; t < 12; t++)
            {
                bool same = a[o * 12 + t] == b[o * 12 + t];
                Assert.That(same, Is.EqualTo(t < 7 || (t != 7 && t != 9 && t != 11)), $"output [{o}, {t}]");
            }
    }

    // ----- pooling ---------------------------------------------------------------------------------------------

    public static IEnumerable<TestCaseData> PoolCases()
    {
        foreach (int t in Cases.Threads)
            foreach (int l in Widths)
            {
                yield return new TestCaseData(3, 7, l, false, t);
                yield return new TestCaseData(3, 7, l, true, t);
            }
    }

    [TestCaseSource(nameof(PoolCases))]
    public void GlobalPoolingMatchesReference(int batch, int channels, int steps, bool ragged, int threads)
    {
        var be = Cpu(threads);
        double[] x = RoundTrip(Inputs.Uniform(batch * channels * steps, 22, -3, 3));
        // Plant a tie for the maximum in the first row: the first of the two must win.
        if (steps >= 2) { x[0] = 10; x[steps - 1] = 10; }
        int[] lengths = ragged ? [steps, steps / 2, 0] : [];
        double[] dyh = RoundTrip(Inputs.Uniform(batch * channels, 23, -1, 1));
        using var tx = Upload(be, x, batch, channels, steps);
        using var tl = ragged ? Upload(be, lengths.Select(v => (double)v).ToArray(), batch) : null;
        using var tdy = Upload(be, dyh, batch, channels);
        using var avg = Poisoned(be, batch, channels);
        using var max = Poisoned(be, batch, channels);
        using var arg = Poisoned(be, batch, channels);
        using var dAvg = Poisoned(be, batch, channels, steps);
        using var dMax = Poisoned(be, batch, channels, steps);
        be.GlobalAvgPoolForward(tx, tl, avg);
        be.GlobalMaxPoolForward(tx, tl, max, arg);
        be.GlobalAvgPoolBackward(tl, tdy, dAvg);
        be.GlobalMaxPoolBackward(arg, tdy, dMax);

        double[] eAvg = new double[batch * channels], eMax = new double[batch * channels], eArg = new double[batch * channels];
        double[] edAvg = new double[x.Length], edMax = new double[x.Length], avgScale = new double[batch * channels];
        for (int b = 0; b < batch; b++)
        {
            int n = ragged ? lengths[b] : steps;
            for (int c = 0; c < channels; c++)
            {
                int r = b * channels + c, best = -1;
                double sum = 0, m = 0;
                for (int t = 0; t < n; t++)
                {
                    double v = x[r * steps + t];
                    sum += v;
                    avgScale[r] += Math.Abs(v) / n;
                    if (best < 0 || v > m) { m = v; best = t; }
                    edAvg[r * steps + t] = dyh[r] / n;
                }
                eAvg[r] = n == 0 ? 0 : sum / n;
                eMax[r] = m;
                eArg[r] = best;
                if (best >= 0) edMax[r * steps + best] = dyh[r];
            }
        }
        Approx.AssertClose(be.ToArray(avg), eAvg, Tol, "GlobalAvgPoolForward", scale: avgScale);
        Approx.AssertIdentical(be.ToArray(max), ToT(eMax), "GlobalMaxPoolForward y");
        Approx.AssertIdentical(be.ToArray(arg), ToT(eArg), "GlobalMaxPoolForward argmax (first on ties)");
        Approx.AssertClose(be.ToArray(dAvg), edAvg, Tol, "GlobalAvgPoolBackward");
        Approx.AssertIdentical(be.ToArray(dMax), ToT(edMax), "GlobalMaxPoolBackward");
    }

    // ----- dropout ---------------------------------------------------------------------------------------------

    [Test]
    public void DropoutIsInvertedReproducibleAndTheIdentityInEvaluation()
    {
        var be = Cpu(2);
        const int n = 4000;
        using var drop = new Dropout<T>(be, 0.25);
        double[] xh = Inputs.Uniform(n, 24, 0.5, 1.5);
        using var x = Upload(be, xh, n);
        using var y = be.Allocate(n);
        using var y2 = be.Allocate(n);
        drop.Forward(x, y, null);
        Approx.AssertIdentical(be.ToArray(y), be.ToArray(x), "evaluation");
        Assert.That(drop.Mask, Is.Null);
        drop.Forward(x, y, new RandomStream(5));
        drop.Forward(x, y2, new RandomStream(5));
        Approx.AssertIdentical(be.ToArray(y2), be.ToArray(y), "same stream, same mask");
        T[] mask = be.ToArray(drop.Mask!), xs = be.ToArray(x), ys = be.ToArray(y);
        T scale = T.One / T.CreateTruncating(0.75);
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            Assert.That(mask[i] == T.Zero || mask[i] == scale, Is.True, $"mask[{i}] = {mask[i]}");
            Assert.That(ys[i], Is.EqualTo(xs[i] * mask[i]), $"y[{i}]");
            if (mask[i] != T.Zero) kept++;
        }
        Assert.That(kept / (double)n, Is.EqualTo(0.75).Within(5 * Math.Sqrt(0.75 * 0.25 / n)), "kept fraction");
        using var dy = Upload(be, Inputs.Uniform(n, 25, -1, 1), n);
        using var dx = be.Allocate(n);
        drop.Backward(dy, dx);
        T[] dys = be.ToArray(dy), dxs = be.ToArray(dx);
        for (int i = 0; i < n; i++) Assert.That(dxs[i], Is.EqualTo(dys[i] * mask[i]), $"dx[{i}]");
    }

    [Test]
    public void FeedForwardHasTransformerNames()
    {
        var be = Cpu(1);
        using var ff = new FeedForward<T>(be, 4, 6, new RandomStream(1), prefix: "layers.0.");
        Assert.That(ff.Parameters.Select(p => p.Name + p.Value.ShapeText), Is.EqualTo(new[]
        {
            "layers.0.linear1.weight[6, 4]", "layers.0.linear1.bias[6]", "layers.0.linear2.weight[4, 6]", "layers.0.linear2.bias[4]",
        }));
    }

    // ----- errors ----------------------------------------------------------------------------------------------

    [Test]
    public void ErrorsNameTheShapes()
    {
        var be = Cpu(1);
        using var x = be.Allocate(3, 4);
        using var w5 = be.Allocate(5);
        using var r3 = be.Allocate(3);
        using var y = be.Allocate(3, 4);
        var ex = Assert.Throws<ArgumentException>(() => be.LayerNormForward(x, w5, null, T.One, y, r3, r3))!;
        Assert.That(ex.Message, Does.Contain("LayerNormForward").And.Contain("[5]").And.Contain("[3, 4]").And.Contain("'weight'"));
        using var r4 = be.Allocate(4);
        ex = Assert.Throws<ArgumentException>(() => be.LayerNormForward(x, null, null, T.One, y, r4, r3))!;
        Assert.That(ex.Message, Does.Contain("'mean'").And.Contain("[4]").And.Contain("[3, 4]"));

        using var seq = be.Allocate(2, 3, 10);
        using var cols = be.Allocate(9, 15);
        ex = Assert.Throws<ArgumentException>(() => be.Im2Col(seq, 3, 10, 3, 1, 1, 1, 10, cols))!;
        Assert.That(ex.Message, Does.Contain("Im2Col").And.Contain("[9, 15]").And.Contain("[2, 3, 10]").And.Contain("[9, 20]"));
        ex = Assert.Throws<ArgumentException>(() => be.Col2Im(cols, 4, 10, 3, 1, 1, 1, 10, seq))!;
        Assert.That(ex.Message, Does.Contain("Col2Im").And.Contain("[2, 3, 10]"));

        ex = Assert.Throws<ArgumentException>(() => be.GlobalAvgPoolForward(x, null, r3))!;
        Assert.That(ex.Message, Does.Contain("GlobalAvgPoolForward").And.Contain("[3, 4]").And.Contain("rank 3"));
        using var pooled = be.Allocate(2, 3);
        using var lengths = be.FromHost(new[] { T.CreateTruncating(4), T.CreateTruncating(11) }, 2);
        ex = Assert.Throws<ArgumentException>(() => be.GlobalMaxPoolForward(seq, lengths, pooled, pooled))!;
        Assert.That(ex.Message, Does.Contain("lengths[1]").And.Contain("[2, 3, 10]"));

        using var table = be.Allocate(6, 4);
        using var seq4 = be.Allocate(3, 2, 4);
        ex = Assert.Throws<ArgumentException>(() => be.AddPositionRows(seq4, table, 4, false, seq4))!;
        Assert.That(ex.Message, Does.Contain("[6, 4]").And.Contain("[3, 2, 4]"));

        using var conv = new Conv1d<T>(be, 4, 2, 3, new RandomStream(1));
        ex = Assert.Throws<ArgumentException>(() => conv.Forward(seq, pooled))!;
        Assert.That(ex.Message, Does.Contain("[2, 3, 10]").And.Contain("[B, 4, L]"));
        using var seqIn = be.Allocate(2, 4, 10);
        ex = Assert.Throws<ArgumentException>(() => conv.Forward(seqIn, pooled))!;
        Assert.That(ex.Message, Does.Contain("[2, 3]").And.Contain("[2, 2, 8]"));

        using var ln = new LayerNorm<T>(be, 5);
        ex = Assert.Throws<ArgumentException>(() => ln.Forward(x, y))!;
        Assert.That(ex.Message, Does.Contain("[3, 4]").And.Contain("5"));
    }

    /// <summary>The new ops with valid arguments (shapes distinct per argument), for the ownership and liveness rules.</summary>
    private static readonly BackendCall<T>[] NewOps =
    [
        new("LayerNormForward", ["x", "weight", "bias", "y", "mean", "rstd"], [[3, 4], [4], [4], [2, 6], [3], [3]],
            (b, t) => b.LayerNormForward(t[0], t[1], t[2], T.One, t[3], t[4], t[5])),
        new("LayerNormBackward", ["x", "weight", "mean", "rstd", "dy", "dx", "dWeight", "dBias"], [[3, 4], [4], [3], [3], [2, 6], [12], [4], [4]],
            (b, t) => b.LayerNormBackward(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7])),
        new("AddPositionRows", ["x", "table", "y"], [[2, 3, 4], [5, 4], [6, 4]], (b, t) => b.AddPositionRows(t[0], t[1], 1, false, t[2])),
        new("AccumulatePositionRows", ["dy", "dTable"], [[2, 3, 4], [5, 4]], (b, t) => b.AccumulatePositionRows(t[0], 1, false, t[1])),
        new("Im2Col", ["x", "columns"], [[2, 3, 5], [9, 10]], (b, t) => b.Im2Col(t[0], 3, 5, 3, 1, 1, 1, 5, t[1])),
        new("Col2Im", ["columns", "dx"], [[9, 10], [2, 3, 5]], (b, t) => b.Col2Im(t[0], 3, 5, 3, 1, 1, 1, 5, t[1])),
        new("GlobalAvgPoolForward", ["x", "lengths", "y"], [[2, 3, 5], [2], [6]], (b, t) => b.GlobalAvgPoolForward(t[0], t[1], t[2])),
        new("GlobalAvgPoolBackward", ["lengths", "dy", "dx"], [[2], [6], [2, 3, 5]], (b, t) => b.GlobalAvgPoolBackward(t[0], t[1], t[2])),
        new("GlobalMaxPoolForward", ["x", "lengths", "y", "argmax"], [[2, 3, 5], [2], [6], [2, 3]], (b, t) => b.GlobalMaxPoolForward(t[0], t[1], t[2], t[3])),
        new("GlobalMaxPoolBackward", ["argmax", "dy", "dx"], [[2, 3], [6], [2, 3, 5]], (b, t) => b.GlobalMaxPoolBackward(t[0], t[1], t[2])),
    ];

    public static IEnumerable<string> NewOpNames() => NewOps.Select(c => c.Name);

    /// <summary>
    /// The contract's argument rule for the new ops (as ErrorTests does for the older ones): the roles are the interface's
    /// parameter names; valid arguments pass; a released tensor or one of another backend throws naming the role and shape.
    /// </summary>
    [TestCaseSource(nameof(NewOpNames))]
    public void NewOpsCheckOwnershipAndLivenessNamingTheArgument(string op)
    {
        var call = NewOps.Single(c => c.Name == op);
        var method = typeof(IBackend<T>).GetMethod(call.Method)!;
        Assert.That(method.GetParameters().Where(p => p.ParameterType == typeof(Tensor<T>)).Select(p => p.Name), Is.EqualTo(call.Roles));
        var be = Cpu(1);
        using var other = new CpuBackend<T>(new CpuBackendOptions { Threads = 1 });
        Tensor<T>[] Make(int replace, Func<int[], Tensor<T>>? replacement) => call.Shapes.Select((s, i) =>
        {
            if (i == replace) return replacement!(s);
            var t = be.Allocate(s);
            if (call.Roles[i] == "lengths") be.Fill(T.CreateTruncating(2), t);
            return t;
        }).ToArray();
        var ok = Make(-1, null);
        Assert.DoesNotThrow(() => call.Invoke(be, ok));
        foreach (var t in ok) t.Dispose();
        for (int arg = 0; arg < call.Roles.Length; arg++)
        {
            var released = Make(arg, s => { var r = be.Allocate(s); r.Dispose(); return r; });
            var ex = Assert.Throws<ObjectDisposedException>(() => call.Invoke(be, released))!;
            Assert.That(ex.Message, Does.Contain(Tensor<T>.FormatShape(call.Shapes[arg])).And.Contain(call.Method).And.Contain($"'{call.Roles[arg]}'"));
            foreach (var t in released) t.Dispose();
            var foreign = Make(arg, s => other.Allocate(s));
            var ax = Assert.Throws<ArgumentException>(() => call.Invoke(be, foreign))!;
            Assert.That(ax.Message, Does.Contain("belongs to backend").And.Contain(Tensor<T>.FormatShape(call.Shapes[arg])));
            Assert.That(ax.ParamName, Is.EqualTo(call.Roles[arg]));
            foreach (var t in foreign) t.Dispose();
        }
    }

    // ----- allocation ------------------------------------------------------------------------------------------

    [TestCase("LayerNormForward")]
    [TestCase("LayerNormBackward")]
    [TestCase("Im2Col")]
    [TestCase("Col2Im")]
    [TestCase("Pooling")]
    [TestCase("PositionRows")]
    public void BlockOpsAllocateNothingInSteadyState(string op)
    {
        var be = Cpu(2);
        const int rows = 600, cols = 127, batch = 4, channels = 8, length = 1000;
        using var x = Upload(be, Inputs.Uniform(rows * cols, 26, -1, 1), rows, cols);
        using var dy = Upload(be, Inputs.Uniform(rows * cols, 27, -1, 1), rows, cols);
        using var y = be.Allocate(rows, cols);
        using var dx = be.Allocate(rows, cols);
        using var w = be.Allocate(cols);
        using var dw = be.Allocate(cols);
        using var db = be.Allocate(cols);
        using var m = be.Allocate(rows);
        using var s = be.Allocate(rows);
        using var seq = Upload(be, Inputs.Uniform(batch * channels * length, 28, -1, 1), batch, channels, length);
        using var dseq = be.Allocate(batch, channels, length);
        using var colsT = be.Allocate(channels * 3, batch * length);
        using var pooled = be.Allocate(batch, channels);
        using var arg = be.Allocate(batch, channels);
        using var lengths = be.FromHost(new[] { T.CreateTruncating(1000), T.CreateTruncating(3), T.Zero, T.CreateTruncating(10) }, batch);
        using var table = be.Allocate(200, cols);
        using var pos = be.Allocate(100, 6, cols);
        T eps = T.CreateTruncating(1e-5);
        be.LayerNormForward(x, w, db, eps, y, m, s);
        Action call = op switch
        {
            "LayerNormForward" => () => be.LayerNormForward(x, w, db, eps, y, m, s),
            "LayerNormBackward" => () => be.LayerNormBackward(x, w, m, s, dy, dx, dw, db),
            "Im2Col" => () => be.Im2Col(seq, channels, length, 3, 1, 1, 1, length, colsT),
            "Col2Im" => () => be.Col2Im(colsT, channels, length, 3, 1, 1, 1, length, dseq),
            "Pooling" => () =>
            {
                be.GlobalAvgPoolForward(seq, lengths, pooled);
                be.GlobalAvgPoolBackward(lengths, pooled, dseq);
                be.GlobalMaxPoolForward(seq, lengths, pooled, arg);
                be.GlobalMaxPoolBackward(arg, pooled, dseq);
            },
            _ => () => { be.AddPositionRows(pos, table, 50, false, pos); be.AccumulatePositionRows(pos, 50, false, table); },
        };
        for (int i = 0; i < 3; i++) call();
        var rounds = new List<long>();
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) call();
            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (rounds[^1] == 0) break;
        }
        Assert.That(rounds.Min(), Is.Zero, $"{op} allocated in every round: {string.Join(", ", rounds)} bytes");
    }
}
