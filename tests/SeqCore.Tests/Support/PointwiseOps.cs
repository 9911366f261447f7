using System.Numerics;

namespace SeqCore.Tests.Support;

/// <summary>Which test file a pointwise op belongs to.</summary>
public enum PointwiseGroup { Elementwise, Activation }

/// <summary>
/// One elementwise backend op described for the data-driven tests: how to make inputs, how to run it, and its
/// double reference at one element.
/// </summary>
public sealed class PointwiseCase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Test-case name, e.g. <c>Gelu(Tanh)</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Elementwise or activation.</summary>
    public required PointwiseGroup Group { get; init; }

    /// <summary>Number of input tensors (the output excluded).</summary>
    public required int Arity { get; init; }

    /// <summary>When ≥ 0, the output is also read: it starts as a copy of this input (Axpy's y).</summary>
    public int OutputStartsAs { get; init; } = -1;

    /// <summary>Inputs as doubles (before rounding to T): <c>(n, seed) → arrays[Arity][n]</c>.</summary>
    public required Func<int, int, double[][]> MakeInputs { get; init; }

    /// <summary>Expected output at one element from that element's inputs (already rounded to T, widened).</summary>
    public required Func<double[], double> Reference { get; init; }

    /// <summary>Runs the op on input tensors and the output tensor.</summary>
    public required Action<IBackend<T>, Tensor<T>[], Tensor<T>> Run { get; init; }

    /// <summary>For activations: the element inputs built from one special x value (null: no special-value test).</summary>
    public Func<double, double[]>? FromSpecial { get; init; }

    /// <summary>Whether ±∞ belongs to the op's tested domain (sigmoid, tanh, ReLU).</summary>
    public bool TakesInfinity { get; init; }

    /// <summary>For float, an absolute tolerance replacing <see cref="Tolerance.FloatAbs"/> (see the reason where it is defined).</summary>
    public double? FloatAbs { get; init; }

    /// <summary>This op's tolerance for T.</summary>
    public (double Abs, double Rel) Tolerance =>
        typeof(T) == typeof(float) && FloatAbs is { } a ? (a, Support.Tolerance.FloatRel) : Support.Tolerance.For<T>();

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>The catalogue of elementwise and activation ops.</summary>
public static class PointwiseOps<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Scale's alpha: not a power of two, so the product rounds.</summary>
    public static readonly T ScaleAlpha = T.CreateTruncating(-0.3);

    /// <summary>Axpy's alpha.</summary>
    public static readonly T AxpyAlpha = T.CreateTruncating(1.7);

    /// <summary>Fill's value.</summary>
    public static readonly T FillValue = T.CreateTruncating(-2.25);

    private static double D(T v) => double.CreateTruncating(v);

    private static double[][] One(double[] a) => [a];
    private static double[][] Two(double[] a, double[] b) => [a, b];
    private static double[] Map(double[] v, Func<double, double> f) => Array.ConvertAll(v, x => f(x));
    private static double[] Dy(int n, int seed) => Inputs.Uniform(n, seed, -3, 3);
    private const double SpecialDy = 1.25;

    /// <summary>Every op, by name.</summary>
    public static readonly IReadOnlyDictionary<string, PointwiseCase<T>> All = Build().ToDictionary(c => c.Name);

    private static IEnumerable<PointwiseCase<T>> Build()
    {
        const PointwiseGroup E = PointwiseGroup.Elementwise, A = PointwiseGroup.Activation;
        yield return new() { Name = "Add", Group = E, Arity = 2, MakeInputs = (n, s) => Two(Inputs.Arithmetic(n, s), Inputs.Arithmetic(n, s + 1)), Reference = v => v[0] + v[1], Run = (b, t, y) => b.Add(t[0], t[1], y) };
        yield return new() { Name = "Sub", Group = E, Arity = 2, MakeInputs = (n, s) => Two(Inputs.Arithmetic(n, s), Inputs.Arithmetic(n, s + 1)), Reference = v => v[0] - v[1], Run = (b, t, y) => b.Sub(t[0], t[1], y) };
        yield return new() { Name = "Mul", Group = E, Arity = 2, MakeInputs = (n, s) => Two(Inputs.Arithmetic(n, s), Inputs.Arithmetic(n, s + 1)), Reference = v => v[0] * v[1], Run = (b, t, y) => b.Mul(t[0], t[1], y) };
        yield return new() { Name = "Scale", Group = E, Arity = 1, MakeInputs = (n, s) => One(Inputs.Arithmetic(n, s)), Reference = v => D(ScaleAlpha) * v[0], Run = (b, t, y) => b.Scale(t[0], ScaleAlpha, y) };
        yield return new() { Name = "Axpy", Group = E, Arity = 2, OutputStartsAs = 1, MakeInputs = (n, s) => Two(Inputs.Arithmetic(n, s), Inputs.Arithmetic(n, s + 1)), Reference = v => v[1] + D(AxpyAlpha) * v[0], Run = (b, t, y) => b.Axpy(t[0], AxpyAlpha, y) };
        yield return new() { Name = "Fill", Group = E, Arity = 0, MakeInputs = (n, s) => [], Reference = v => D(FillValue), Run = (b, t, y) => b.Fill(FillValue, y) };
        yield return new() { Name = "Copy", Group = E, Arity = 1, MakeInputs = (n, s) => One(Inputs.Arithmetic(n, s)), Reference = v => v[0], Run = (b, t, y) => b.Copy(t[0], y) };

        yield return new() { Name = "Sigmoid", Group = A, Arity = 1, TakesInfinity = true, MakeInputs = (n, s) => One(Inputs.Activation(n, s)), Reference = v => Reference.Sigmoid(v[0]), Run = (b, t, y) => b.Sigmoid(t[0], y), FromSpecial = x => [x] };
        yield return new() { Name = "SigmoidBackward", Group = A, Arity = 2, TakesInfinity = true, MakeInputs = (n, s) => Two(Map(Inputs.Activation(n, s), Reference.Sigmoid), Dy(n, s + 1)), Reference = v => v[1] * v[0] * (1 - v[0]), Run = (b, t, y) => b.SigmoidBackward(t[0], t[1], y), FromSpecial = x => [Reference.Sigmoid(x), SpecialDy] };
        yield return new() { Name = "Tanh", Group = A, Arity = 1, TakesInfinity = true, MakeInputs = (n, s) => One(Inputs.Activation(n, s)), Reference = v => Math.Tanh(v[0]), Run = (b, t, y) => b.Tanh(t[0], y), FromSpecial = x => [x] };
        yield return new() { Name = "TanhBackward", Group = A, Arity = 2, TakesInfinity = true, MakeInputs = (n, s) => Two(Map(Inputs.Activation(n, s), Math.Tanh), Dy(n, s + 1)), Reference = v => v[1] * (1 - v[0] * v[0]), Run = (b, t, y) => b.TanhBackward(t[0], t[1], y), FromSpecial = x => [Math.Tanh(x), SpecialDy] };
        yield return new() { Name = "Relu", Group = A, Arity = 1, TakesInfinity = true, MakeInputs = (n, s) => One(Inputs.Activation(n, s)), Reference = v => Reference.Relu(v[0]), Run = (b, t, y) => b.Relu(t[0], y), FromSpecial = x => [x] };
        yield return new() { Name = "ReluBackward", Group = A, Arity = 2, TakesInfinity = true, MakeInputs = (n, s) => Two(Inputs.Activation(n, s), Dy(n, s + 1)), Reference = v => v[1] * Reference.ReluDerivative(v[0]), Run = (b, t, y) => b.ReluBackward(t[0], t[1], y), FromSpecial = x => [x, SpecialDy] };
        foreach (var (approx, f, df) in new (GeluApproximation, Func<double, double>, Func<double, double>)[]
        {
            (GeluApproximation.None, Reference.GeluExact, Reference.GeluExactDerivative),
            (GeluApproximation.Tanh, Reference.GeluTanh, Reference.GeluTanhDerivative),
        })
        {
            yield return new() { Name = $"Gelu({approx})", Group = A, Arity = 1, MakeInputs = (n, s) => One(Inputs.Activation(n, s)), Reference = v => f(v[0]), Run = (b, t, y) => b.Gelu(t[0], approx, y), FromSpecial = x => [x] };
            yield return new() { Name = $"GeluBackward({approx})", Group = A, Arity = 2, MakeInputs = (n, s) => Two(Inputs.Activation(n, s), Dy(n, s + 1)), Reference = v => v[1] * df(v[0]), Run = (b, t, y) => b.GeluBackward(t[0], t[1], approx, y), FromSpecial = x => [x, SpecialDy],
                FloatAbs = approx == GeluApproximation.Tanh ? Support.Tolerance.FloatGeluTanhBackwardAbs : null };
        }
    }
}

/// <summary>Test-case sources over the catalogue (names only, so they work for every T).</summary>
public static class PointwiseCases
{
    private static IEnumerable<PointwiseCase<double>> Of(PointwiseGroup g) => PointwiseOps<double>.All.Values.Where(c => c.Group == g);

    private static IEnumerable<TestCaseData> Reference(PointwiseGroup g)
    {
        foreach (var c in Of(g))
            foreach (int n in Cases.Sizes)
                foreach (int t in Cases.Threads)
                    yield return new TestCaseData(c.Name, n, t);
    }

    /// <summary>In-place variants: the output aliases input k (k = 0 … Arity−1), or (k = −1) every input and the output are one tensor.</summary>
    private static IEnumerable<TestCaseData> InPlace(PointwiseGroup g)
    {
        foreach (var c in Of(g))
        {
            var aliases = Enumerable.Range(0, c.Arity).Where(k => k != c.OutputStartsAs).ToList();
            if (c.Arity == 2) aliases.Add(-1);
            foreach (int k in aliases)
                foreach (int n in new[] { 33, 70001 })
                    yield return new TestCaseData(c.Name, k, n, 2);
        }
    }

    private static IEnumerable<TestCaseData> Views(PointwiseGroup g)
    {
        foreach (var c in Of(g))
            foreach (int n in new[] { 37, 70001 })
                yield return new TestCaseData(c.Name, n, 2);
    }

    /// <summary>(op, n, threads) for the elementwise ops.</summary>
    public static IEnumerable<TestCaseData> ElementwiseReference() => Reference(PointwiseGroup.Elementwise);
    /// <summary>(op, n, threads) for the activations.</summary>
    public static IEnumerable<TestCaseData> ActivationReference() => Reference(PointwiseGroup.Activation);
    /// <summary>(op, alias, n, threads) for the elementwise ops.</summary>
    public static IEnumerable<TestCaseData> ElementwiseInPlace() => InPlace(PointwiseGroup.Elementwise);
    /// <summary>(op, alias, n, threads) for the activations.</summary>
    public static IEnumerable<TestCaseData> ActivationInPlace() => InPlace(PointwiseGroup.Activation);
    /// <summary>(op, n, threads) on views, elementwise.</summary>
    public static IEnumerable<TestCaseData> ElementwiseViews() => Views(PointwiseGroup.Elementwise);
    /// <summary>(op, n, threads) on views, activations.</summary>
    public static IEnumerable<TestCaseData> ActivationViews() => Views(PointwiseGroup.Activation);
    /// <summary>Activations with a special-value test.</summary>
    public static IEnumerable<string> ActivationNames() => Of(PointwiseGroup.Activation).Where(c => c.FromSpecial is not null).Select(c => c.Name);
}
