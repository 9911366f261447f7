using System.Globalization;
using System.Numerics;

namespace SeqCore.Tests.Support;

/// <summary>Elementwise comparison of a backend's output with a double reference, with a message that points at the worst element.</summary>
public static class Approx
{
    /// <summary>True when <paramref name="actual"/> is within <c>abs + rel·|expected|</c>; NaN and ±∞ must match exactly.</summary>
    public static bool Close(double actual, double expected, double abs, double rel)
    {
        if (double.IsNaN(expected)) return double.IsNaN(actual);
        if (double.IsInfinity(expected)) return actual == expected;
        if (!double.IsFinite(actual)) return false;
        return Math.Abs(actual - expected) <= abs + rel * Math.Abs(expected);
    }

    /// <summary>
    /// Asserts every element is close. <paramref name="scale"/>, when given, replaces <c>|expected|</c> in the
    /// relative term (used for sums, see <see cref="Tolerance"/>). <paramref name="describe"/> names an element's inputs.
    /// </summary>
    public static void AssertClose<T>(T[] actual, double[] expected, (double Abs, double Rel) tol, string what,
        Func<int, string>? describe = null, double[]? scale = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: output length");
        int bad = 0, worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]), e = expected[i];
            double s = scale is null ? Math.Abs(e) : scale[i];
            bool ok = double.IsNaN(e) ? double.IsNaN(a)
                : double.IsInfinity(e) ? a == e
                : double.IsFinite(a) && Math.Abs(a - e) <= tol.Abs + tol.Rel * s;
            if (ok) continue;
            bad++;
            double ratio = double.IsFinite(a) && double.IsFinite(e) ? Math.Abs(a - e) / (tol.Abs + tol.Rel * s) : double.PositiveInfinity;
            if (worst < 0 || ratio > worstRatio) { worst = i; worstRatio = ratio; }
        }
        if (bad > 0)
        {
            double a = double.CreateTruncating(actual[worst]), e = expected[worst];
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what} ({typeof(T).Name}): {bad} of {actual.Length} elements outside |Δ| ≤ {tol.Abs:G3} + {tol.Rel:G3}·{(scale is null ? "|expected|" : "scale")}. " +
                $"Worst at [{worst}]{(describe is null ? "" : " " + describe(worst))}: expected {e:R}, got {a:R} (|Δ| = {Math.Abs(a - e):G3}, {worstRatio:G3}× the tolerance)."));
        }
    }

    /// <summary>Asserts two arrays are bitwise identical (NaN payloads aside).</summary>
    public static void AssertIdentical<T>(T[] actual, T[] expected, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < actual.Length; i++)
            if (!(actual[i] == expected[i] || (T.IsNaN(actual[i]) && T.IsNaN(expected[i]))))
                Assert.Fail($"{what}: element [{i}] is {actual[i]} but expected exactly {expected[i]}.");
    }

    /// <summary>Asserts every element equals <paramref name="expected"/> (a plain loop: NUnit's Is.All is slow on 70 000 elements).</summary>
    public static void AssertAll<T>(T[] actual, T expected, string what = "") where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < actual.Length; i++)
            if (actual[i] != expected) Assert.Fail($"{what}: element [{i}] of {actual.Length} is {actual[i]}, expected {expected}.");
    }

    /// <summary>Relative error as GUIDE §7.2 defines it for gradient checks.</summary>
    public static double GradientError(double analytic, double numeric) =>
        Math.Abs(analytic - numeric) / Math.Max(Math.Max(Math.Abs(analytic), Math.Abs(numeric)), 1e-8);
}
