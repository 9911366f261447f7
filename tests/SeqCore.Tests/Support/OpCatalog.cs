using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Tests.Support;

/// <summary>
/// One non-GEMM backend call with its tensor arguments, for the argument-checking tests. Shapes are distinct per
/// argument (with equal element counts where the op needs them), so a message that names the wrong argument's shape
/// is caught.
/// </summary>
public sealed record BackendCall<T>(string Method, string[] Roles, int[][] Shapes, Action<IBackend<T>, Tensor<T>[]> Invoke)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A test-case name, e.g. <c>Gelu(Tanh)</c>.</summary>
    public string Name { get; init; } = Method;

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Every IBackend&lt;T&gt; operation except the GEMMs, with arguments that pass every check.</summary>
public static class OpCatalog<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int[] A = [3, 4], B = [2, 6], C = [12];

    private static BackendCall<T> Binary(string m, string r0, string r1, string r2, Action<IBackend<T>, Tensor<T>, Tensor<T>, Tensor<T>> f) =>
        new(m, [r0, r1, r2], [A, B, C], (b, t) => f(b, t[0], t[1], t[2]));

    private static BackendCall<T> Unary(string m, string r0, string r1, Action<IBackend<T>, Tensor<T>, Tensor<T>> f) =>
        new(m, [r0, r1], [A, C], (b, t) => f(b, t[0], t[1]));

    /// <summary>The calls, by name.</summary>
    public static readonly IReadOnlyDictionary<string, BackendCall<T>> All = new BackendCall<T>[]
    {
        Binary("Add", "a", "b", "y", (b, x, y, z) => b.Add(x, y, z)),
        Binary("Sub", "a", "b", "y", (b, x, y, z) => b.Sub(x, y, z)),
        Binary("Mul", "a", "b", "y", (b, x, y, z) => b.Mul(x, y, z)),
        Unary("Scale", "x", "y", (b, x, y) => b.Scale(x, T.One, y)),
        Unary("Axpy", "x", "y", (b, x, y) => b.Axpy(x, T.One, y)),
        new("Fill", ["y"], [A], (b, t) => b.Fill(T.One, t[0])),
        Unary("Copy", "x", "y", (b, x, y) => b.Copy(x, y)),
        Unary("Sigmoid", "x", "y", (b, x, y) => b.Sigmoid(x, y)),
        Binary("SigmoidBackward", "y", "dy", "dx", (b, x, y, z) => b.SigmoidBackward(x, y, z)),
        Unary("Tanh", "x", "y", (b, x, y) => b.Tanh(x, y)),
        Binary("TanhBackward", "y", "dy", "dx", (b, x, y, z) => b.TanhBackward(x, y, z)),
        Unary("Relu", "x", "y", (b, x, y) => b.Relu(x, y)),
        Binary("ReluBackward", "x", "dy", "dx", (b, x, y, z) => b.ReluBackward(x, y, z)),
        Unary("Gelu", "x", "y", (b, x, y) => b.Gelu(x, GeluApproximation.None, y)),
        Unary("Gelu", "x", "y", (b, x, y) => b.Gelu(x, GeluApproximation.Tanh, y)) with { Name = "Gelu(Tanh)" },
        Binary("GeluBackward", "x", "dy", "dx", (b, x, y, z) => b.GeluBackward(x, y, GeluApproximation.None, z)),
        Binary("GeluBackward", "x", "dy", "dx", (b, x, y, z) => b.GeluBackward(x, y, GeluApproximation.Tanh, z)) with { Name = "GeluBackward(Tanh)" },
        Unary("Softmax", "x", "y", (b, x, y) => b.Softmax(x, y)),
        Binary("SoftmaxBackward", "y", "dy", "dx", (b, x, y, z) => b.SoftmaxBackward(x, y, z)),
        Unary("LogSoftmax", "x", "y", (b, x, y) => b.LogSoftmax(x, y)),
        Binary("LogSoftmaxBackward", "y", "dy", "dx", (b, x, y, z) => b.LogSoftmaxBackward(x, y, z)),
        new("SumRows", ["x", "y"], [A, [4]], (b, t) => b.SumRows(t[0], true, t[1])),
        new("SumCols", ["x", "y"], [A, [3]], (b, t) => b.SumCols(t[0], false, t[1])),
        new("SumOfSquares", ["x"], [A], (b, t) => b.SumOfSquares(t[0])),
        new("ArgMaxRows", ["x"], [A], (b, t) => b.ArgMaxRows(t[0], new int[t[0].AsMatrix().Rows])),
        new("FillUniform", ["y"], [A], (b, t) => b.FillUniform(new RandomStream(1), T.Zero, T.One, t[0])),
        new("FillNormal", ["y"], [A], (b, t) => b.FillNormal(new RandomStream(1), T.Zero, T.One, t[0])),
        new("FillBernoulliMask", ["y"], [A], (b, t) => b.FillBernoulliMask(new RandomStream(1), T.One, T.One, t[0])),
        new("CrossEntropyForward", ["logits", "rowLosses"], [A, [3]], (b, t) => b.CrossEntropyForward(t[0], [0, 1, 3], -100, 0.1, LossReduction.Mean, t[1])),
        new("CrossEntropyBackward", ["logits", "dLogits"], [A, B], (b, t) => b.CrossEntropyBackward(t[0], [0, -100, 3], -100, 0.1, LossReduction.Mean, 1.0, t[1])),
        new("BceWithLogitsForward", ["logits", "targets", "posWeight"], [A, B, [4]], (b, t) => b.BceWithLogitsForward(t[0], t[1], t[2], LossReduction.Mean)),
        new("BceWithLogitsBackward", ["logits", "targets", "posWeight", "dLogits"], [A, B, [4], C], (b, t) => b.BceWithLogitsBackward(t[0], t[1], t[2], LossReduction.Mean, 1.0, t[3])),
        new("MseForward", ["prediction", "target"], [A, B], (b, t) => b.MseForward(t[0], t[1], LossReduction.Sum)),
        new("MseBackward", ["prediction", "target", "dPrediction"], [A, B, C], (b, t) => b.MseBackward(t[0], t[1], LossReduction.Mean, 1.0, t[2])),
        new("SgdUpdate", ["parameter", "gradient", "momentumBuffer"], [A, B, C], (b, t) => b.SgdUpdate(t[0], t[1], t[2], 0.1, 0.9, 0, 0.01, true, false)),
        new("AdamUpdate", ["parameter", "gradient", "expAvg", "expAvgSq"], [A, B, C, [4, 3]], (b, t) => b.AdamUpdate(t[0], t[1], t[2], t[3], 0.1, 0.9, 0.999, 1e-8, 0.01, true, 1)),
        new("CopyFromHost", ["destination"], [A], (b, t) => b.CopyFromHost(new T[t[0].Length], t[0])),
        new("CopyToHost", ["source"], [A], (b, t) => b.CopyToHost(t[0], new T[t[0].Length])),
    }.ToDictionary(c => c.Name);
}

/// <summary>Test-case sources over <see cref="OpCatalog{T}"/> (names only, so they work for every T).</summary>
public static class OpCases
{
    private static IEnumerable<BackendCall<double>> Calls => OpCatalog<double>.All.Values;

    /// <summary>(op name) for every op.</summary>
    public static IEnumerable<string> Names() => Calls.Select(c => c.Name);

    /// <summary>(op, argument index) for every tensor argument of every op.</summary>
    public static IEnumerable<TestCaseData> Arguments() =>
        from c in Calls from i in Enumerable.Range(0, c.Roles.Length) select new TestCaseData(c.Name, i).SetArgDisplayNames(c.Name, c.Roles[i]);

    /// <summary>(op, argument index) for ops with two or more tensors, whose lengths are related.</summary>
    public static IEnumerable<TestCaseData> LengthChecked() =>
        from c in Calls where c.Roles.Length > 1 from i in Enumerable.Range(0, c.Roles.Length) select new TestCaseData(c.Name, i).SetArgDisplayNames(c.Name, c.Roles[i]);
}
