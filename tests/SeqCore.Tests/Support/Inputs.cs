namespace SeqCore.Tests.Support;

/// <summary>Deterministic test inputs (System.Random with a fixed seed), mixing ordinary values with awkward ones.</summary>
public static class Inputs
{
    /// <summary>
    /// Awkward finite activation inputs: signed zeros, tiny values, both sides of the SIMD tanh's switch from its
    /// Taylor series to the exp formula at |x| = 0.0625, values where exp overflows or sigmoid/tanh saturate.
    /// </summary>
    public static readonly double[] ActivationSpecials =
    [
        0.0, -0.0, 1e-30, -1e-30, 1e-8, -1e-8, 1e-4, -1e-4, 0.03, -0.03,
        0.0624999, -0.0624999, 0.0625, -0.0625, 0.0625001, -0.0625001, 0.07, -0.07,
        0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 8.0, -8.0, 20.0, -20.0, 50.0, -50.0, 100.0, -100.0, 1000.0, -1000.0,
    ];

    /// <summary>Awkward operands for arithmetic: zeros, tiny and large magnitudes of both signs.</summary>
    public static readonly double[] ArithmeticSpecials = [0.0, -0.0, 1e-20, -1e-20, 1.0, -1.0, 1e4, -1e4, 1e6, -1e6];

    /// <summary><paramref name="n"/> values uniform in [lo, hi).</summary>
    public static double[] Uniform(int n, int seed, double lo, double hi)
    {
        var rng = new System.Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.NextDouble();
        return v;
    }

    /// <summary>Mostly uniform in [−<paramref name="range"/>, <paramref name="range"/>), about one in eight taken from <paramref name="specials"/>.</summary>
    public static double[] Mixed(int n, int seed, double range, double[] specials)
    {
        var rng = new System.Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++)
            v[i] = rng.Next(8) == 0 ? specials[rng.Next(specials.Length)] : range * (2 * rng.NextDouble() - 1);
        return v;
    }

    /// <summary>Activation inputs: uniform in [−6, 6) plus <see cref="ActivationSpecials"/>.</summary>
    public static double[] Activation(int n, int seed) => Mixed(n, seed, 6, ActivationSpecials);

    /// <summary>Arithmetic inputs: uniform in [−10, 10) plus <see cref="ArithmeticSpecials"/>.</summary>
    public static double[] Arithmetic(int n, int seed) => Mixed(n, seed, 10, ArithmeticSpecials);

    /// <summary>An array of <paramref name="n"/> copies of <paramref name="value"/>.</summary>
    public static double[] Constant(int n, double value)
    {
        var v = new double[n];
        Array.Fill(v, value);
        return v;
    }
}
