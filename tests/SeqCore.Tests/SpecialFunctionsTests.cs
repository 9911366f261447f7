using System.Globalization;
using SeqCore.Tests.Support;

namespace SeqCore.Tests;

/// <summary>
/// <see cref="SpecialFunctions"/> against 20-digit values of erf, Φ and GELU at the double nearest each
/// argument (mpmath 1.3 at 30 digits; they agree with Python's <c>math.erf</c> to the last printed digit).
/// </summary>
public class SpecialFunctionsTests
{
    private static void AssertNear(double got, double expected, double tol, string what) =>
        Assert.That(Math.Abs(got - expected), Is.LessThanOrEqualTo(tol * Math.Max(1.0, Math.Abs(expected))).And.LessThanOrEqualTo(Math.Max(tol * Math.Abs(expected), 1e-300)),
            string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:R}, got {got:R}"));

    [TestCase(0.5, 0.52049987781304653768)]
    [TestCase(1.0, 0.84270079294971486934)]
    [TestCase(2.0, 0.99532226501895273416)]
    [TestCase(3.0, 0.99997790950300141456)]
    [TestCase(-1.5, -0.96610514647531072707)]
    [TestCase(4.5, 0.99999999980338395585)]
    [TestCase(1e-3, 0.0011283787909692364034)]
    [TestCase(1e-8, 1.1283791670955125599e-8)]
    [TestCase(0.01, 0.011283415555849617151)]
    [TestCase(0.0625, 0.070431977722387078051)]
    [TestCase(0.25, 0.27632639016823693299)]
    [TestCase(-0.3, -0.32862675945912741619)]
    [TestCase(0.75, 0.7111556336535151316)]
    [TestCase(1.25, 0.92290012825645823014)]
    [TestCase(1.75, 0.98667167121918244377)]
    [TestCase(2.25, 0.9985372834133188483)]
    [TestCase(-2.4, -0.99931148610335492111)]
    [TestCase(2.49, 0.99957071213226608709)]
    [TestCase(2.4999, 0.99959283009966654862)]
    [TestCase(2.5, 0.99959304798255504106)]
    [TestCase(2.5001, 0.99959326575652932026)]
    [TestCase(2.51, 0.99961429451827572022)]
    [TestCase(-2.6, -0.99976396558347065091)]
    [TestCase(2.75, 0.99989937807788036316)]
    [TestCase(3.5, 0.99999925690162765859)]
    [TestCase(4.0, 0.99999998458274209972)]
    [TestCase(5.0, 0.99999999999846254021)]
    [TestCase(5.5, 0.99999999999999264215)]
    [TestCase(5.9, 0.9999999999999999281)]
    public void ErfMatchesKnownValues(double x, double expected)
    {
        double got = SpecialFunctions.Erf(x);
        Assert.That(Math.Abs(got - expected), Is.LessThanOrEqualTo(Tolerance.Erf), string.Create(CultureInfo.InvariantCulture, $"erf({x:R}) absolute: expected {expected:R}, got {got:R}"));
        Assert.That(Math.Abs(got - expected), Is.LessThanOrEqualTo(Tolerance.Erf * Math.Abs(expected)), string.Create(CultureInfo.InvariantCulture, $"erf({x:R}) relative: expected {expected:R}, got {got:R}"));
    }

    [Test]
    public void ErfLimitsAndSpecialArguments()
    {
        Assert.That(SpecialFunctions.Erf(0.0), Is.EqualTo(0.0));
        Assert.That(SpecialFunctions.Erf(double.NaN), Is.NaN);
        Assert.That(SpecialFunctions.Erf(double.PositiveInfinity), Is.EqualTo(1.0));
        Assert.That(SpecialFunctions.Erf(double.NegativeInfinity), Is.EqualTo(-1.0));
        Assert.That(SpecialFunctions.Erf(6.0), Is.EqualTo(1.0)); // erfc(6) ≈ 2e-17 is below half an ulp of 1
        Assert.That(SpecialFunctions.Erf(-30.0), Is.EqualTo(-1.0));
        Assert.That(SpecialFunctions.Erf(1e-300), Is.EqualTo(2 / Math.Sqrt(Math.PI) * 1e-300).Within(1e-315));
    }

    [Test]
    public void ErfIsOddBoundedAndIncreasing()
    {
        double prev = -1.0;
        for (int i = -8000; i <= 8000; i++)
        {
            double x = i * 1e-3;
            double e = SpecialFunctions.Erf(x);
            Assert.That(SpecialFunctions.Erf(-x), Is.EqualTo(-e), $"erf(−x) = −erf(x) at x = {x}");
            Assert.That(Math.Abs(e), Is.LessThanOrEqualTo(1.0), $"|erf({x})| ≤ 1");
            Assert.That(e, Is.GreaterThanOrEqualTo(prev), $"erf is non-decreasing at {x}");
            prev = e;
        }
    }

    /// <summary>
    /// The series (|x| &lt; 2.5) and the continued fraction (|x| ≥ 2.5) must meet. Within 16 ulp of 2.5 on either
    /// side the true erf changes by under 2e-17 (erf'(2.5) ≈ 2.2e-3), so every value there must be within 1e-15 of
    /// erf(2.5): a seam between the two methods would show as one side missing it. Likewise at ±1e-9 and at −2.5.
    /// </summary>
    [Test]
    public void ErfIsContinuousAcrossTheSwitchAt2Point5()
    {
        const double at = 0.99959304798255504106;
        double below = 2.5, above = 2.5;
        for (int k = 0; k < 16; k++)
        {
            below = Math.BitDecrement(below);
            above = Math.BitIncrement(above);
            foreach (double x in new[] { below, above })
            {
                Assert.That(SpecialFunctions.Erf(x), Is.EqualTo(at).Within(1e-15), string.Create(CultureInfo.InvariantCulture, $"erf({x:R})"));
                Assert.That(SpecialFunctions.Erf(-x), Is.EqualTo(-at).Within(1e-15), string.Create(CultureInfo.InvariantCulture, $"erf({-x:R})"));
            }
        }
        Assert.That(SpecialFunctions.Erf(2.5), Is.EqualTo(at).Within(1e-15), "erf(2.5)");
        Assert.That(SpecialFunctions.Erf(2.499999999), Is.EqualTo(0.99959304798037675664).Within(1e-15), "erf(2.5 − 1e-9)");
        Assert.That(SpecialFunctions.Erf(2.500000001), Is.EqualTo(0.99959304798473332547).Within(1e-15), "erf(2.5 + 1e-9)");
    }

    [TestCase(1.0, 0.84134474606854294859)]
    [TestCase(-1.96, 0.024997895148220436213)]
    [TestCase(0.0, 0.5)]
    [TestCase(-5.0, 2.8665157187919391167e-7)]
    [TestCase(3.0, 0.99865010196836990547)]
    [TestCase(-0.5, 0.30853753872598689636)]
    public void NormalCdfMatchesKnownValues(double x, double expected) =>
        Assert.That(SpecialFunctions.NormalCdf(x), Is.EqualTo(expected).Within(1e-15));

    [Test]
    public void NormalCdfMatchesMarsagliasSeries()
    {
        for (double x = -9; x <= 9; x += 0.01)
            Assert.That(SpecialFunctions.NormalCdf(x), Is.EqualTo(Reference.NormalCdf(x)).Within(2e-15), $"Φ({x})");
    }

    [TestCase(1.0, 0.84134474606854294859, 1.0833154705876862984)]
    [TestCase(-1.0, -0.15865525393145705141, -0.083315470587686298383)]
    [TestCase(-3.0, -0.00404969409489028358, -0.011945647204183927)]
    [TestCase(0.5, 0.34573123063700655182, 0.86749512465616284253)]
    [TestCase(2.0, 1.9544997361036415856, 1.0852318010781968967)]
    public void GeluExactAndDerivativeMatchKnownValues(double x, double gelu, double derivative)
    {
        Assert.That(SpecialFunctions.GeluExact(x), Is.EqualTo(gelu).Within(1e-15));
        Assert.That(SpecialFunctions.GeluExactDerivative(x), Is.EqualTo(derivative).Within(1e-15));
    }

    [Test]
    public void GeluExactDerivativeMatchesCentralDifference()
    {
        const double h = Tolerance.FiniteDifferenceStep;
        // Below x ≈ −4, Φ(x) = ½(1 + erf(x/√2)) is only accurate to ~1e-16 absolute, which a step of 1e-5 turns
        // into more than 1e-6 of the tiny derivative there; that is a property of the formula, not of the derivative.
        for (double x = -4.03; x <= 6; x += 0.05)
        {
            double numeric = (SpecialFunctions.GeluExact(x + h) - SpecialFunctions.GeluExact(x - h)) / (2 * h);
            double analytic = SpecialFunctions.GeluExactDerivative(x);
            Assert.That(Approx.GradientError(analytic, numeric), Is.LessThanOrEqualTo(Tolerance.GradientCheck), $"GELU'({x}): analytic {analytic}, numeric {numeric}");
        }
    }
}
