namespace SeqCore.Models;

/// <summary>
/// Nelder–Mead simplex minimisation on the unit box [0, 1]^d: every trial point is clamped into the box, so a minimum on
/// the boundary (a smoothing parameter of 0 or 1) is reached rather than stepped over. Deterministic; standard
/// coefficients (reflection 1, expansion 2, contraction ½, shrink ½).
/// </summary>
internal static class NelderMead
{
    /// <summary>Minimises <paramref name="f"/> from <paramref name="start"/> with an initial simplex of edge
    /// <paramref name="step"/>; stops when the simplex's values agree to 1e-12 (relative) and its points to 1e-9, or after
    /// <paramref name="maxEvaluations"/>.</summary>
    public static (double[] X, double F) Minimise(Func<double[], double> f, double[] start, double step = 0.1, int maxEvaluations = 4000)
    {
        int d = start.Length, evaluations = 0;
        var points = new double[d + 1][];
        var values = new double[d + 1];
        double Eval(double[] x) { evaluations++; return f(x); }
        points[0] = Clamp(start);
        for (int i = 1; i <= d; i++)
        {
            var x = (double[])points[0].Clone();
            // Step inwards from an upper bound so the simplex does not collapse onto a face.
            x[i - 1] += x[i - 1] + step <= 1 ? step : -step;
            points[i] = Clamp(x);
        }
        for (int i = 0; i <= d; i++) values[i] = Eval(points[i]);

        while (evaluations < maxEvaluations)
        {
            var order = Enumerable.Range(0, d + 1).OrderBy(i => values[i]).ThenBy(i => i).ToArray();
            points = order.Select(i => points[i]).ToArray();
            values = order.Select(i => values[i]).ToArray();
            if (Converged(points, values)) break;

            var centroid = new double[d];
            for (int i = 0; i < d; i++)
                for (int k = 0; k < d; k++) centroid[k] += points[i][k] / d;
            double[] Along(double t) => Clamp(centroid.Select((c, k) => c + t * (points[d][k] - c)).ToArray());

            var reflected = Along(-1);
            double fr = Eval(reflected);
            if (fr < values[0])
            {
                var expanded = Along(-2);
                double fe = Eval(expanded);
                (points[d], values[d]) = fe < fr ? (expanded, fe) : (reflected, fr);
            }
            else if (fr < values[d - 1]) (points[d], values[d]) = (reflected, fr);
            else
            {
                bool outside = fr < values[d];
                var contracted = Along(outside ? -0.5 : 0.5);
                double fc = Eval(contracted);
                if (fc < (outside ? fr : values[d])) (points[d], values[d]) = (contracted, fc);
                else
                    for (int i = 1; i <= d; i++)
                    {
                        points[i] = Clamp(points[i].Select((v, k) => points[0][k] + 0.5 * (v - points[0][k])).ToArray());
                        values[i] = Eval(points[i]);
                    }
            }
        }
        int best = Array.IndexOf(values, values.Min());
        return (points[best], values[best]);
    }

    private static bool Converged(double[][] points, double[] values)
    {
        double spread = values[^1] - values[0];
        if (spread > 1e-12 * (1 + Math.Abs(values[0]))) return false;
        for (int i = 1; i < points.Length; i++)
            for (int k = 0; k < points[0].Length; k++)
                if (Math.Abs(points[i][k] - points[0][k]) > 1e-9) return false;
        return true;
    }

    private static double[] Clamp(double[] x)
    {
        for (int k = 0; k < x.Length; k++) x[k] = Math.Clamp(x[k], 0, 1);
        return x;
    }
}
