using SeqCore.Random;

namespace SeqCore.Gradients;

/// <summary>A tensor to check: its value (perturbed by the checker) and the analytic gradient already computed for it.</summary>
public sealed record GradientCheckInput(string Name, Tensor<double> Value, Tensor<double> AnalyticGradient);

/// <summary>Settings of a gradient check.</summary>
public sealed record GradientCheckOptions
{
    /// <summary>Finite-difference step h.</summary>
    public double Step { get; init; } = 1e-3;

    /// <summary>The largest relative error that passes.</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Tensors with more elements are checked on a fixed random sample of this many elements.</summary>
    public int MaxElementsPerTensor { get; init; } = 4096;

    /// <summary>Seed of that sample.</summary>
    public ulong SampleSeed { get; init; } = 1;
}

/// <summary>The result for one tensor: the worst element, its flat index and both gradients there.</summary>
public sealed record TensorGradientResult(string Name, int CheckedElements, double MaxRelativeError, long WorstIndex, double Analytic, double Numeric);

/// <summary>The result of one gradient-check case.</summary>
public sealed record GradientCheckResult(string Case, double Tolerance, IReadOnlyList<TensorGradientResult> Tensors)
{
    /// <summary>The worst tensor result (null when nothing was checked).</summary>
    public TensorGradientResult? Worst => Tensors.Count == 0 ? null : Tensors.MaxBy(t => t.MaxRelativeError);

    /// <summary>The largest relative error over every checked element.</summary>
    public double MaxRelativeError => Worst?.MaxRelativeError ?? 0.0;

    /// <summary>True when every element is within <see cref="Tolerance"/> (and the values are finite).</summary>
    public bool Passed => Tensors.Count > 0 && Tensors.All(t => t.MaxRelativeError <= Tolerance);

    /// <inheritdoc />
    public override string ToString() => Worst is { } w
        ? $"{Case}: {(Passed ? "passed" : "FAILED")}, max relative error {MaxRelativeError:E2} (tolerance {Tolerance:E0}) at {w.Name}[{w.WorstIndex}]: analytic {w.Analytic:R}, numeric {w.Numeric:R}"
        : $"{Case}: nothing checked";
}

/// <summary>
/// Compares analytic gradients with numerical ones. For each checked element x the numerical derivative is the
/// five-point central difference <c>(−L(x+2h) + 8L(x+h) − 8L(x−h) + L(x−2h)) / 12h</c>, whose truncation error is
/// O(h⁴), so in double the check is limited by rounding (about ε·|L|/h) rather than by the step.
/// The error of an element is <c>|a − n| / max(|a|, |n|, 1e-8)</c>; a tensor reports its worst element.
/// </summary>
public static class GradientChecker
{
    /// <summary>
    /// Checks <paramref name="inputs"/>. <paramref name="loss"/> must recompute the scalar loss from the tensors'
    /// current values (forward pass plus reduction) without side effects that change later evaluations; each
    /// perturbed element is restored afterwards.
    /// </summary>
    public static GradientCheckResult Check(string caseName, IBackend<double> backend, Func<double> loss,
        IEnumerable<GradientCheckInput> inputs, GradientCheckOptions? options = null)
    {
        options ??= new GradientCheckOptions();
        var results = new List<TensorGradientResult>();
        foreach (var input in inputs)
        {
            if (input.Value.Length != input.AnalyticGradient.Length)
                throw new ArgumentException($"Gradient check '{caseName}': '{input.Name}' has shape {input.Value.ShapeText} but its gradient has shape {input.AnalyticGradient.ShapeText}.");
            double[] value = backend.ToArray(input.Value);
            double[] analytic = backend.ToArray(input.AnalyticGradient);
            long[] indices = SampleIndices(value.Length, options);
            double worst = 0, worstA = 0, worstN = 0;
            long worstIndex = -1;
            foreach (long i in indices)
            {
                double n = Numeric(backend, loss, input.Value, value, i, options.Step);
                double a = analytic[i];
                double err = Math.Abs(a - n) / Math.Max(Math.Max(Math.Abs(a), Math.Abs(n)), 1e-8);
                if (double.IsNaN(err)) err = double.PositiveInfinity;
                if (err > worst || worstIndex < 0) (worst, worstA, worstN, worstIndex) = (err, a, n, i);
            }
            results.Add(new TensorGradientResult(input.Name, indices.Length, worst, worstIndex, worstA, worstN));
        }
        return new GradientCheckResult(caseName, options.Tolerance, results);
    }

    private static double Numeric(IBackend<double> backend, Func<double> loss, Tensor<double> tensor, double[] value, long i, double h)
    {
        double x = value[i];
        double Eval(double v)
        {
            value[i] = v;
            backend.CopyFromHost(value, tensor);
            return loss();
        }
        double lp2 = Eval(x + 2 * h), lp1 = Eval(x + h), lm1 = Eval(x - h), lm2 = Eval(x - 2 * h);
        value[i] = x;
        backend.CopyFromHost(value, tensor);
        // Differences first: an element the loss does not depend on gives exactly 0, not rounding noise.
        return ((lm2 - lp2) + 8 * (lp1 - lm1)) / (12 * h);
    }

    private static long[] SampleIndices(int length, GradientCheckOptions options)
    {
        if (length <= options.MaxElementsPerTensor) return Enumerable.Range(0, length).Select(i => (long)i).ToArray();
        var random = new RandomStream(options.SampleSeed);
        var chosen = new SortedSet<long>();
        while (chosen.Count < options.MaxElementsPerTensor) chosen.Add(random.NextInt(length));
        return chosen.ToArray();
    }

    /// <summary>The loss most checks use: <c>Σ y ⊙ w</c> for a fixed weight tensor w, computed on the host.</summary>
    public static double WeightedSum(IBackend<double> backend, Tensor<double> y, double[] weights)
    {
        double[] v = backend.ToArray(y);
        if (v.Length != weights.Length)
            throw new ArgumentException($"WeightedSum: 'y' {y.ShapeText} has {v.Length} elements but there are {weights.Length} weights.");
        double s = 0;
        for (int i = 0; i < v.Length; i++) s += v[i] * weights[i];
        return s;
    }
}
