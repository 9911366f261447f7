using System.Numerics;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Cpu;

/// <summary>Softmax, LogSoftmax and their backward ops, row-wise over the last dimension, against double references.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class SoftmaxTests<T> : CpuFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly double[] SoftmaxSpecials = [0.0, -0.0, 1e-8, -1e-8, 30.0, -30.0, 80.0, -80.0];

    private static double[] Logits(int n, int seed) => Inputs.Mixed(n, seed, 8, SoftmaxSpecials);

    private void CheckForward(bool log, int rows, int cols, int threads, double[] x, string what)
    {
        var b = Cpu(threads);
        x = RoundTrip(x);
        using var tx = Upload(b, x, rows, cols);
        using var ty = Poisoned(b, rows, cols);
        if (log) b.LogSoftmax(tx, ty); else b.Softmax(tx, ty);
        Approx.AssertClose(b.ToArray(ty), Reference.Softmax(x, rows, cols, log), Tol, $"{(log ? "LogSoftmax" : "Softmax")} {what} [{rows}, {cols}] threads={threads}");
        Approx.AssertIdentical(b.ToArray(tx), ToT(x), "the input must not change");
    }

    private void CheckBackward(bool log, int rows, int cols, int threads, double[] x, string what)
    {
        var b = Cpu(threads);
        double[] y = RoundTrip(Reference.Softmax(RoundTrip(x), rows, cols, log));
        double[] dy = RoundTrip(Inputs.Uniform(rows * cols, rows + 7 * cols, -2, 2));
        using var ty = Upload(b, y, rows, cols);
        using var tdy = Upload(b, dy, rows, cols);
        using var tdx = Poisoned(b, rows, cols);
        if (log) b.LogSoftmaxBackward(ty, tdy, tdx); else b.SoftmaxBackward(ty, tdy, tdx);
        var expected = log ? Reference.LogSoftmaxBackward(y, dy, rows, cols) : Reference.SoftmaxBackward(y, dy, rows, cols);
        Approx.AssertClose(b.ToArray(tdx), expected, Tol, $"{(log ? "LogSoftmaxBackward" : "SoftmaxBackward")} {what} [{rows}, {cols}] threads={threads}",
            scale: BackwardScale(log, y, dy, rows, cols));
    }

    /// <summary>The backward ops' error scale (see <see cref="Tolerance.For{T}"/>).</summary>
    private static double[] BackwardScale(bool log, double[] y, double[] dy, int rows, int cols) =>
        log ? Reference.LogSoftmaxBackwardScale(y, dy, rows, cols) : Reference.SoftmaxBackwardScale(y, dy, rows, cols);

    [TestCaseSource(typeof(Cases), nameof(Cases.MatrixCases))]
    public void Softmax(int rows, int cols, int threads) => CheckForward(false, rows, cols, threads, Logits(rows * cols, rows * 31 + cols), "");

    [TestCaseSource(typeof(Cases), nameof(Cases.MatrixCases))]
    public void LogSoftmax(int rows, int cols, int threads) => CheckForward(true, rows, cols, threads, Logits(rows * cols, rows * 31 + cols), "");

    [TestCaseSource(typeof(Cases), nameof(Cases.MatrixCases))]
    public void SoftmaxBackward(int rows, int cols, int threads) => CheckBackward(false, rows, cols, threads, Logits(rows * cols, rows * 37 + cols), "");

    [TestCaseSource(typeof(Cases), nameof(Cases.MatrixCases))]
    public void LogSoftmaxBackward(int rows, int cols, int threads) => CheckBackward(true, rows, cols, threads, Logits(rows * cols, rows * 37 + cols), "");

    /// <summary>Rows of logits near +1000 and near −1000 (alternating): exp would overflow without subtracting the row max.</summary>
    private static double[] LargeLogits(int rows, int cols)
    {
        var x = Inputs.Uniform(rows * cols, 11, -20, 20);
        for (int i = 0; i < x.Length; i++) x[i] += (i / cols) % 2 == 0 ? 1000 : -1000;
        return RoundTrip(x);
    }

    /// <summary>Softmax of logits ≈ ±1000 matches the reference; log-softmax is finite; both backward ops match.</summary>
    [TestCase(3, 17)]
    [TestCase(2, 1000)]
    public void LargeLogitsStayFinite(int rows, int cols)
    {
        var x = LargeLogits(rows, cols);
        CheckForward(false, rows, cols, 1, x, "of logits ≈ ±1000");
        var b = Cpu(1);
        using var tx = Upload(b, x, rows, cols);
        using var ty = Poisoned(b, rows, cols);
        b.LogSoftmax(tx, ty);
        var l = ToDouble(b.ToArray(ty));
        Assert.That(l.All(double.IsFinite), Is.True, "log-softmax of logits ≈ ±1000 must be finite");
        Assert.That(l.All(v => v <= 0), Is.True, "log-probabilities are ≤ 0");
        CheckBackward(false, rows, cols, 1, x, "of logits ≈ ±1000");
        CheckBackward(true, rows, cols, 1, x, "of logits ≈ ±1000");
    }

    /// <summary>
    /// Log-softmax of logits ≈ ±1000 to the usual tolerance. The exact result is well conditioned (its inputs are
    /// exact T values and (x − max) is exact), so a float result should be good to a few ulp of |y|, as PyTorch's.
    /// </summary>
    [TestCase(3, 17)]
    [TestCase(2, 1000)]
    public void LogSoftmaxOfLargeLogitsIsAccurate(int rows, int cols) => CheckForward(true, rows, cols, 1, LargeLogits(rows, cols), "of logits ≈ ±1000");

    /// <summary>
    /// −∞ logits (masked positions) get probability exactly 0 (log-probability −∞); the other entries are the
    /// softmax of the finite ones, and the backward pass gives finite gradients (exactly dy where y = −∞ in log space).
    /// </summary>
    [TestCase(4, 9, 1)]
    [TestCase(3, 40, 1)]
    [TestCase(137, 513, 2)]
    public void NegativeInfinityEntriesGetZeroProbability(int rows, int cols, int threads)
    {
        var x = Inputs.Uniform(rows * cols, 13, -5, 5);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                if (j != r % cols && (j * 7 + r) % 3 == 0) x[r * cols + j] = double.NegativeInfinity; // never a whole row
        var b = Cpu(threads);
        using var tx = Upload(b, x, rows, cols);
        using var ty = Poisoned(b, rows, cols);
        using var tl = Poisoned(b, rows, cols);
        b.Softmax(tx, ty);
        b.LogSoftmax(tx, tl);
        var y = ToDouble(b.ToArray(ty));
        var l = ToDouble(b.ToArray(tl));
        for (int i = 0; i < x.Length; i++)
        {
            if (double.IsNegativeInfinity(x[i]))
            {
                Assert.That(y[i], Is.EqualTo(0.0), $"softmax at −∞ entry {i}");
                Assert.That(l[i], Is.EqualTo(double.NegativeInfinity), $"log-softmax at −∞ entry {i}");
            }
            else
            {
                Assert.That(double.IsFinite(y[i]) && double.IsFinite(l[i]), Is.True, $"finite output at entry {i}");
            }
        }
        Approx.AssertClose(b.ToArray(ty), Reference.Softmax(RoundTrip(x), rows, cols, false), Tol, "Softmax with −∞");
        Approx.AssertClose(b.ToArray(tl), Reference.Softmax(RoundTrip(x), rows, cols, true), Tol, "LogSoftmax with −∞");

        double[] dy = RoundTrip(Inputs.Uniform(rows * cols, 17, -2, 2));
        using var tdy = Upload(b, dy, rows, cols);
        using var tdx = Poisoned(b, rows, cols);
        b.SoftmaxBackward(ty, tdy, tdx);
        Approx.AssertClose(b.ToArray(tdx), Reference.SoftmaxBackward(y, dy, rows, cols), Tol, "SoftmaxBackward with zero probabilities",
            scale: BackwardScale(false, y, dy, rows, cols));
        b.LogSoftmaxBackward(tl, tdy, tdx);
        Approx.AssertClose(b.ToArray(tdx), Reference.LogSoftmaxBackward(l, dy, rows, cols), Tol, "LogSoftmaxBackward with −∞ log-probabilities",
            scale: BackwardScale(true, l, dy, rows, cols));
    }

    [Test]
    public void EqualLogitsGiveUniformRows([Values(1, 7, 8, 33)] int cols)
    {
        var b = Cpu(1);
        using var tx = Upload(b, Inputs.Constant(3 * cols, 2.5), 3, cols);
        using var ty = Poisoned(b, 3, cols);
        b.Softmax(tx, ty);
        Approx.AssertClose(b.ToArray(ty), Inputs.Constant(3 * cols, 1.0 / cols), Tol, "softmax of equal logits");
        b.LogSoftmax(tx, ty);
        Approx.AssertClose(b.ToArray(ty), Inputs.Constant(3 * cols, -Math.Log(cols)), Tol, "log-softmax of equal logits");
    }

    /// <summary>Rank-3 input: every leading dimension is a row, the last one is the softmax axis.</summary>
    [Test]
    public void RankThreeIsRowsTimesLastDimension()
    {
        var b = Cpu(1);
        var x = RoundTrip(Logits(2 * 3 * 5, 19));
        using var tx = Upload(b, x, 2, 3, 5);
        using var ty = Poisoned(b, 2, 3, 5);
        b.Softmax(tx, ty);
        Approx.AssertClose(b.ToArray(ty), Reference.Softmax(x, 6, 5, false), Tol, "softmax of [2, 3, 5]");
    }

    [TestCase(4, 33, 1)]
    [TestCase(137, 513, 2)]
    public void InPlace(int rows, int cols, int threads)
    {
        var b = Cpu(threads);
        int n = rows * cols;
        double[] x = RoundTrip(Logits(n, 23));
        foreach (bool log in new[] { false, true })
        {
            using var t = Upload(b, x, rows, cols);
            if (log) b.LogSoftmax(t, t); else b.Softmax(t, t);
            Approx.AssertClose(b.ToArray(t), Reference.Softmax(x, rows, cols, log), Tol, $"{(log ? "LogSoftmax" : "Softmax")}(x, x)");

            double[] y = RoundTrip(Reference.Softmax(x, rows, cols, log));
            double[] dy = RoundTrip(Inputs.Uniform(n, 29, -2, 2));
            double[] expected = log ? Reference.LogSoftmaxBackward(y, dy, rows, cols) : Reference.SoftmaxBackward(y, dy, rows, cols);
            for (int alias = 0; alias < 2; alias++) // dx aliases y, then dy
            {
                using var ty = Upload(b, y, rows, cols);
                using var tdy = Upload(b, dy, rows, cols);
                var dx = alias == 0 ? ty : tdy;
                if (log) b.LogSoftmaxBackward(ty, tdy, dx); else b.SoftmaxBackward(ty, tdy, dx);
                Approx.AssertClose(b.ToArray(dx), expected, Tol, $"{(log ? "LogSoftmaxBackward" : "SoftmaxBackward")} with dx = {(alias == 0 ? "y" : "dy")}",
                    scale: BackwardScale(log, y, dy, rows, cols));
            }
        }
    }

    /// <summary>
    /// Rows 2…2+k of a [k + 4, cols] matrix taken with <c>Slice</c>, and a single row taken with <c>Row</c>; the
    /// other rows of the output root keep their sentinel.
    /// </summary>
    [TestCase(5, 17, 1)]
    [TestCase(140, 513, 2)]
    public void OnViewsTouchesOnlyTheViewRows(int k, int cols, int threads)
    {
        var b = Cpu(threads);
        int rows = k + 4;
        double[] x = RoundTrip(Logits(rows * cols, 31));
        double[] full = Reference.Softmax(x, rows, cols, false);
        using var tx = Upload(b, x, rows, cols);
        using var ty = Upload(b, Inputs.Constant(rows * cols, 1234.5), rows, cols);
        b.Softmax(tx.Slice(2 * cols, k, cols), ty.Slice(2 * cols, k, cols));
        b.Softmax(tx.Row(rows - 1), ty.Row(rows - 1));
        var expected = Inputs.Constant(rows * cols, 1234.5);
        Array.Copy(full, 2 * cols, expected, 2 * cols, k * cols);
        Array.Copy(full, (rows - 1) * cols, expected, (rows - 1) * cols, cols);
        Approx.AssertClose(b.ToArray(ty), expected, Tol, "softmax on row views");
    }
}
