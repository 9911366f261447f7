using SeqCore.Cpu;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Cpu;

/// <summary>
/// Layer 2 of GUIDE §7 for the activation and softmax ops: in double, each backward op against a central finite
/// difference of <c>loss = Σ w ⊙ f(x)</c> with random weights w, through the backend's own forward op.
/// The loss difference is summed term by term, <c>Σⱼ wⱼ·(f(x + h·eᵢ)ⱼ − f(x − h·eᵢ)ⱼ)</c>, so unchanged outputs
/// contribute exactly zero and the check sees only the op's own rounding.
/// </summary>
public class GradientCheckTests
{
    private CpuBackend<double> _cpu = null!;

    [OneTimeSetUp]
    public void CreateBackend() => _cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });

    [OneTimeTearDown]
    public void DisposeBackend() => _cpu.Dispose();

    /// <summary>Weights of both signs with magnitude in [0.5, 1.5), so no analytic gradient is accidentally ~0.</summary>
    private static double[] Weights(int n, int seed)
    {
        var w = Inputs.Uniform(n, seed, 0.5, 1.5);
        var sign = new System.Random(seed + 1);
        for (int i = 0; i < n; i++) if (sign.Next(2) == 0) w[i] = -w[i];
        return w;
    }

    /// <summary>Central differences of Σ w ⊙ forward(x), one input element at a time.</summary>
    private double[] Numeric(double[] x, double[] w, int[] shape, Action<Tensor<double>, Tensor<double>> forward)
    {
        const double h = Tolerance.FiniteDifferenceStep;
        var g = new double[x.Length];
        using var tx = _cpu.Allocate(shape);
        using var ty = _cpu.Allocate(shape);
        var xp = (double[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            xp[i] = x[i] + h;
            _cpu.CopyFromHost(xp, tx);
            forward(tx, ty);
            var plus = _cpu.ToArray(ty);
            xp[i] = x[i] - h;
            _cpu.CopyFromHost(xp, tx);
            forward(tx, ty);
            var minus = _cpu.ToArray(ty);
            xp[i] = x[i];
            double d = 0;
            for (int j = 0; j < x.Length; j++) d += w[j] * (plus[j] - minus[j]);
            g[i] = d / (2 * h);
        }
        return g;
    }

    private static void AssertGradients(double[] analytic, double[] numeric, double[] x, string what)
    {
        int worst = 0;
        double worstErr = 0;
        for (int i = 0; i < analytic.Length; i++)
        {
            double e = Approx.GradientError(analytic[i], numeric[i]);
            if (e > worstErr) { worstErr = e; worst = i; }
        }
        Assert.That(worstErr, Is.LessThanOrEqualTo(Tolerance.GradientCheck),
            $"{what}: worst relative error at [{worst}] (x = {x[worst]:R}): analytic {analytic[worst]:R}, numeric {numeric[worst]:R}");
    }

    public static IEnumerable<string> Activations() => ["Sigmoid", "Tanh", "Relu", "Gelu(None)", "Gelu(Tanh)"];

    [TestCaseSource(nameof(Activations))]
    public void ActivationBackwardMatchesFiniteDifference(string op)
    {
        const int n = 41;
        var x = Inputs.Uniform(n, 7, -4, 4);
        if (op == "Relu") for (int i = 0; i < n; i++) if (Math.Abs(x[i]) < 1e-3) x[i] = 0.5; // keep h away from the kink
        var w = Weights(n, 8);
        Action<Tensor<double>, Tensor<double>> forward = op switch
        {
            "Sigmoid" => (a, y) => _cpu.Sigmoid(a, y),
            "Tanh" => (a, y) => _cpu.Tanh(a, y),
            "Relu" => (a, y) => _cpu.Relu(a, y),
            "Gelu(None)" => (a, y) => _cpu.Gelu(a, GeluApproximation.None, y),
            _ => (a, y) => _cpu.Gelu(a, GeluApproximation.Tanh, y),
        };
        using var tx = _cpu.FromHost(x, n);
        using var ty = _cpu.Allocate(n);
        using var tw = _cpu.FromHost(w, n);
        using var dx = _cpu.Allocate(n);
        forward(tx, ty);
        switch (op)
        {
            case "Sigmoid": _cpu.SigmoidBackward(ty, tw, dx); break; // these two take the forward output
            case "Tanh": _cpu.TanhBackward(ty, tw, dx); break;
            case "Relu": _cpu.ReluBackward(tx, tw, dx); break;
            case "Gelu(None)": _cpu.GeluBackward(tx, tw, GeluApproximation.None, dx); break;
            default: _cpu.GeluBackward(tx, tw, GeluApproximation.Tanh, dx); break;
        }
        AssertGradients(_cpu.ToArray(dx), Numeric(x, w, [n], forward), x, $"{op} backward");
    }

    [TestCase(false, 3, 7)]
    [TestCase(false, 2, 17)]
    [TestCase(false, 4, 1)]
    [TestCase(false, 1, 9)]
    [TestCase(true, 3, 7)]
    [TestCase(true, 2, 17)]
    [TestCase(true, 4, 1)]
    [TestCase(true, 1, 9)]
    public void SoftmaxBackwardMatchesFiniteDifference(bool log, int rows, int cols)
    {
        int n = rows * cols;
        var x = Inputs.Uniform(n, 11 + n, -3, 3);
        var w = Weights(n, 12 + n);
        Action<Tensor<double>, Tensor<double>> forward = log ? (a, y) => _cpu.LogSoftmax(a, y) : (a, y) => _cpu.Softmax(a, y);
        using var tx = _cpu.FromHost(x, rows, cols);
        using var ty = _cpu.Allocate(rows, cols);
        using var tw = _cpu.FromHost(w, rows, cols);
        using var dx = _cpu.Allocate(rows, cols);
        forward(tx, ty);
        if (log) _cpu.LogSoftmaxBackward(ty, tw, dx); else _cpu.SoftmaxBackward(ty, tw, dx);
        AssertGradients(_cpu.ToArray(dx), Numeric(x, w, [rows, cols], forward), x, $"{(log ? "LogSoftmax" : "Softmax")} backward [{rows}, {cols}]");
    }
}
