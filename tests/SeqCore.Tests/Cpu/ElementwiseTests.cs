using System.Numerics;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Cpu;

/// <summary>Add, Sub, Mul, Scale, Axpy, Fill, Copy against scalar references, in place and on views.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class ElementwiseTests<T> : PointwiseTestBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [TestCaseSource(typeof(PointwiseCases), nameof(PointwiseCases.ElementwiseReference))]
    public void MatchesReference(string op, int n, int threads) => CheckAgainstReference(op, n, threads);

    [TestCaseSource(typeof(PointwiseCases), nameof(PointwiseCases.ElementwiseInPlace))]
    public void InPlace(string op, int alias, int n, int threads) => CheckInPlace(op, alias, n, threads);

    [TestCaseSource(typeof(PointwiseCases), nameof(PointwiseCases.ElementwiseViews))]
    public void OnViewsTouchesOnlyTheViewRange(string op, int n, int threads) => CheckOnViews(op, n, threads);

    [Test]
    public void AxpyAccumulatesOverRepeatedCalls()
    {
        var b = Cpu(2);
        double[] x = RoundTrip(Inputs.Uniform(70001, 5, -1, 1));
        using var tx = Upload(b, x, 70001);
        using var y = b.Allocate(70001); // zero-filled
        T alpha = T.CreateTruncating(0.5);
        for (int k = 0; k < 3; k++) b.Axpy(tx, alpha, y);
        Approx.AssertClose(b.ToArray(y), Array.ConvertAll(x, v => 1.5 * v), Tol, "three Axpy(0.5) into zeros");
    }

    [Test]
    public void FillWithNaNAndInfinityWritesThemExactly([Values(3, 1000, 70001)] int n, [Values(1, 2)] int threads)
    {
        var b = Cpu(threads);
        using var y = b.Allocate(n);
        b.Fill(T.PositiveInfinity, y);
        Approx.AssertAll(b.ToArray(y), T.PositiveInfinity);
        b.Fill(T.NaN, y);
        Assert.That(b.ToArray(y).All(T.IsNaN), Is.True, "Fill(NaN)");
        b.Fill(T.Zero, y);
        Approx.AssertAll(b.ToArray(y), T.Zero);
    }

    [Test]
    public void AllocateIsZeroFilled([Values(1, 7, 70001)] int n)
    {
        var b = Cpu(1);
        using var t = b.Allocate(n);
        Approx.AssertAll(b.ToArray(t), T.Zero);
    }
}
