namespace SeqCore;

/// <summary>Special functions in double precision that .NET's Math does not provide.</summary>
internal static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955125739; // 2/√π
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794; // 1/√(2π)

    /// <summary>
    /// The error function to about 1e-15 relative. |x| &lt; 2.5: the all-positive series
    /// erf x = (2/√π)·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)) (Abramowitz &amp; Stegun 7.1.6), free of cancellation;
    /// otherwise 1 − erfc x, with erfc from its continued fraction (A&amp;S 7.1.14) evaluated by Lentz's method.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double ax = Math.Abs(x);
        if (ax >= 6.0) return Math.Sign(x);
        if (ax < 2.5)
        {
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 200 && term > sum * 1e-17; n++)
            {
                term *= 2.0 * x2 / (2 * n + 1);
                sum += term;
            }
            return Math.Sign(x) * TwoOverSqrtPi * Math.Exp(-x2) * sum;
        }
        return Math.Sign(x) * (1.0 - Erfc(ax));
    }

    /// <summary>erfc x for x ≥ 2.5 by the continued fraction erfc x = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))).</summary>
    private static double Erfc(double x)
    {
        const double tiny = 1e-300;
        double f = x, c = x, d = 0.0;
        for (int n = 1; n < 300; n++)
        {
            double a = n * 0.5;
            d = x + a * d; if (Math.Abs(d) < tiny) d = tiny; d = 1.0 / d;
            c = x + a / c; if (Math.Abs(c) < tiny) c = tiny;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16) break;
        }
        return Math.Exp(-x * x) / (f * Math.Sqrt(Math.PI));
    }

    /// <summary>Standard normal CDF Φ(x) = ½(1 + erf(x/√2)).</summary>
    public static double NormalCdf(double x) => 0.5 * (1.0 + Erf(x * InvSqrt2));

    /// <summary>Exact GELU: x·Φ(x).</summary>
    public static double GeluExact(double x) => x * NormalCdf(x);

    /// <summary>d/dx of x·Φ(x) = Φ(x) + x·φ(x).</summary>
    public static double GeluExactDerivative(double x) => NormalCdf(x) + x * InvSqrt2Pi * Math.Exp(-0.5 * x * x);
}
