using System.Globalization;
using System.Numerics;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Cpu;

/// <summary>Sigmoid, Tanh, ReLU, GELU (exact and tanh) and their backward ops against scalar references.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class ActivationTests<T> : PointwiseTestBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [TestCaseSource(typeof(PointwiseCases), nameof(PointwiseCases.ActivationReference))]
    public void MatchesReference(string op, int n, int threads) => CheckAgainstReference(op, n, threads);

    [TestCaseSource(typeof(PointwiseCases), nameof(PointwiseCases.ActivationInPlace))]
    public void InPlace(string op, int alias, int n, int threads) => CheckInPlace(op, alias, n, threads);

    [TestCaseSource(typeof(PointwiseCases), nameof(PointwiseCases.ActivationViews))]
    public void OnViewsTouchesOnlyTheViewRange(string op, int n, int threads) => CheckOnViews(op, n, threads);

    [TestCaseSource(typeof(PointwiseCases), nameof(PointwiseCases.ActivationNames))]
    public void SpecialValuesInVectorAndScalarLanes(string op) => CheckSpecialValues(op);

    /// <summary>
    /// Near 0 an absolute tolerance would hide a formula that loses relative precision, so this checks tanh with a
    /// purely relative bound on both sides of the SIMD switch at |x| = 0.0625 (8 vector lanes and 1 scalar lane each).
    /// </summary>
    [Test]
    public void TanhIsRelativelyAccurateNearZero()
    {
        double[] magnitudes = [1e-30, 1e-20, 1e-10, 1e-6, 1e-4, 1e-3, 0.01, 0.03, 0.05, 0.06, 0.0624, 0.0624999, 0.0625, 0.0625001, 0.0626, 0.063, 0.07, 0.1, 0.2, 0.5];
        double rel = Tol.Rel;
        var b = Cpu(1);
        using (Assert.EnterMultipleScope())
        {
            foreach (double m in magnitudes)
                foreach (double x0 in new[] { m, -m })
                {
                    double x = RoundTrip(x0), expected = Math.Tanh(x);
                    using var tx = Upload(b, Inputs.Constant(9, x), 9);
                    using var ty = Poisoned(b, 9);
                    b.Tanh(tx, ty);
                    var got = ToDouble(b.ToArray(ty));
                    for (int i = 0; i < 9; i++)
                        Assert.That(Math.Abs(got[i] - expected), Is.LessThanOrEqualTo(rel * Math.Abs(expected)),
                            string.Create(CultureInfo.InvariantCulture, $"tanh({x:R}) lane {i}: expected {expected:R}, got {got[i]:R}"));
                }
        }
    }

    [Test]
    public void ReluBackwardAtZeroIsZero([Values(1, 9, 70001)] int n, [Values(1, 2)] int threads)
    {
        var b = Cpu(threads);
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = i % 2 == 0 ? 0.0 : -0.0;
        using var tx = Upload(b, x, n);
        using var dy = Upload(b, Inputs.Constant(n, 3.0), n);
        using var dx = Poisoned(b, n);
        b.ReluBackward(tx, dy, dx);
        Approx.AssertAll(b.ToArray(dx), T.Zero);
    }
}
