using System.Numerics;
using SeqCore.Layers;
using SeqCore.Training;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Training;

/// <summary>
/// Clipping, non-finite detection, schedules, the loss and update kernels against plain double loops on awkward sizes
/// (SIMD remainders and the parallel path), and zero steady-state allocation of loss and optimizer steps.
/// </summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class TrainingTests<T> : CpuFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private double Tolerance => IsSingle ? 2e-6 : 1e-13;

    private static Parameter<T> Param(IBackend<T> be, string name, double[] value, double[] grad)
        => new(name, be.FromHost(ToT(value), value.Length), be.FromHost(ToT(grad), grad.Length));

    private static void Free(params Parameter<T>[] ps)
    {
        foreach (var p in ps) { p.Value.Dispose(); p.Gradient.Dispose(); }
    }

    // ----- clipping and non-finite detection --------------------------------------------------

    [Test]
    public void ClipGradNormReturnsTheGlobalNormAndLeavesSmallGradientsAlone()
    {
        var be = Cpu(1);
        var a = Param(be, "a", [0, 0], [3, 4]);
        var b = Param(be, "b", [0], [12]);
        double norm = GradientTools.ClipGradNorm(be, [a, b], 13.5);
        Assert.That(norm, Is.EqualTo(13.0).Within(1e-12));
        Assert.That(ToDouble(be.ToArray(a.Gradient)), Is.EqualTo(new[] { 3.0, 4.0 }));
        Assert.That(ToDouble(be.ToArray(b.Gradient)), Is.EqualTo(new[] { 12.0 }));
        Free(a, b);
    }

    [Test]
    public void ClipGradNormScalesByMaxNormOverNormPlusEpsilonWhenAbove()
    {
        var be = Cpu(1);
        var a = Param(be, "a", [0, 0], [3, 4]);
        var b = Param(be, "b", [0], [12]);
        double norm = GradientTools.ClipGradNorm(be, [a, b], 6.5);
        Assert.That(norm, Is.EqualTo(13.0).Within(1e-12));
        double s = 6.5 / (13.0 + 1e-6);
        double[] got = [.. ToDouble(be.ToArray(a.Gradient)), .. ToDouble(be.ToArray(b.Gradient))];
        Assert.That(got, Is.EqualTo(new[] { 3 * s, 4 * s, 12 * s }).Within(Tolerance * 12));
        Assert.That(Math.Sqrt(got.Sum(v => v * v)), Is.LessThan(6.5));
        Free(a, b);
    }

    [Test]
    public void NonFiniteGradientIsReportedByParameterName()
    {
        var be = Cpu(1);
        var a = Param(be, "encoder.weight", [0, 0, 0], [1, 2, 3]);
        var b = Param(be, "decoder.bias", [0, 0], [1, 2]);
        Assert.That(GradientTools.FindNonFiniteGradient(be, [a, b]), Is.Null);
        be.HostSpan(b.Gradient)[1] = T.NaN;
        Assert.That(GradientTools.FindNonFiniteGradient(be, [a, b]), Is.EqualTo("decoder.bias"));
        be.HostSpan(a.Gradient)[0] = T.NegativeInfinity;
        Assert.That(GradientTools.FindNonFiniteGradient(be, [a, b]), Is.EqualTo("encoder.weight"));
        Assert.That(double.IsNaN(GradientTools.ClipGradNorm(be, [a, b], 1.0)) || double.IsInfinity(GradientTools.ClipGradNorm(be, [a, b], 1.0)));
        Free(a, b);
    }

    // ----- schedules -------------------------------------------------------------------------

    [Test]
    public void SchedulesGiveTheirExactValues()
    {
        Assert.That(new ConstantSchedule(0.3).LearningRate(1000), Is.EqualTo(0.3));
        var step = new StepSchedule(1.0, stepSize: 3, gamma: 0.5);
        Assert.That(new[] { 0, 2, 3, 5, 6, 9 }.Select(step.LearningRate), Is.EqualTo(new[] { 1.0, 1.0, 0.5, 0.5, 0.25, 0.125 }));
        var cos = new WarmupCosineSchedule(1.0, warmupSteps: 4, totalSteps: 14, minLearningRate: 0.1);
        Assert.That(cos.LearningRate(0), Is.EqualTo(0.25));
        Assert.That(cos.LearningRate(3), Is.EqualTo(1.0));
        Assert.That(cos.LearningRate(4), Is.EqualTo(1.0));
        Assert.That(cos.LearningRate(9), Is.EqualTo(0.55).Within(1e-15));                 // halfway: (1 + 0.1)/2
        Assert.That(cos.LearningRate(14), Is.EqualTo(0.1));
        Assert.That(cos.LearningRate(100), Is.EqualTo(0.1));
        Assert.That(cos.LearningRate(6), Is.EqualTo(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * 0.2))).Within(1e-15));
        // Vaswani et al. eq. 3 scaled to peak 2 at step number n = W = 4: 2·min(n/4, √(4/n)).
        var inv = new InverseSqrtSchedule(2.0, warmupSteps: 4);
        Assert.That(new[] { 0, 1, 3, 15, 99 }.Select(inv.LearningRate), Is.EqualTo(new[] { 0.5, 1.0, 2.0, 1.0, 0.4 }).Within(1e-15));
        const double dModel = 512, paperWarmup = 4000;
        var paper = new InverseSqrtSchedule(Math.Pow(dModel, -0.5) * Math.Pow(paperWarmup, -0.5), (int)paperWarmup);
        foreach (int s in new[] { 0, 999, 3999, 4000, 20000 })
            Assert.That(paper.LearningRate(s), Is.EqualTo(Math.Pow(dModel, -0.5) * Math.Min(Math.Pow(s + 1, -0.5), (s + 1) * Math.Pow(paperWarmup, -1.5))).Within(1e-15), $"step {s}");
        Assert.That(new TrainingSettings { Schedule = "inverse-sqrt", LearningRate = 1, Warmup = 10 }.CreateSchedule().LearningRate(9), Is.EqualTo(1.0));
        Assert.DoesNotThrow(() => new TrainingSettings { Schedule = "inverse-sqrt" }.Validate(), "needs no --steps");
    }

    // ----- kernels against plain loops ---------------------------------------------------------

    [TestCase(1, 1)] [TestCase(3, 3)] [TestCase(5, 7)] [TestCase(4, 17)] [TestCase(3, 33)] [TestCase(2, 127)] [TestCase(3, 1000)]
    [TestCase(90, 1000)]
    public void CrossEntropyMatchesAPlainLoop(int n, int c)
    {
        var be = Cpu(2);
        double[] x = Inputs.Uniform(n * c, n + c, -5, 5);
        int[] targets = Enumerable.Range(0, n).Select(r => r % 3 == 1 ? -1 : (r * 7) % c).ToArray();
        const double eps = 0.15, scale = 2.0;
        using var tx = be.FromHost(ToT(x), n, c);
        using var rows = be.Allocate(n);
        using var dx = be.Allocate(n, c);
        double loss = be.CrossEntropyForward(tx, targets, -1, eps, LossReduction.Mean, rows);
        be.CrossEntropyBackward(tx, targets, -1, eps, LossReduction.Mean, scale, dx);
        double[] xr = ToDouble(ToT(x));
        int k = targets.Count(t => t != -1);
        double total = 0;
        var expectRows = new double[n];
        var expectGrad = new double[n * c];
        for (int r = 0; r < n; r++)
        {
            if (targets[r] == -1) continue;
            var row = xr.AsSpan(r * c, c);
            double m = double.NegativeInfinity;
            foreach (double v in row) m = Math.Max(m, v);
            double s = 0, sx = 0;
            foreach (double v in row) { s += Math.Exp(v - m); sx += v; }
            expectRows[r] = m + Math.Log(s) - (1 - eps) * row[targets[r]] - eps / c * sx;
            total += expectRows[r];
            for (int j = 0; j < c; j++)
                expectGrad[r * c + j] = (Math.Exp(row[j] - m) / s - eps / c - (j == targets[r] ? 1 - eps : 0)) * scale / k;
        }
        Assert.That(loss, Is.EqualTo(k == 0 ? 0 : total / k).Within(Tolerance * 10 * Math.Max(1, Math.Abs(total / Math.Max(k, 1)))));
        Assert.That(ToDouble(be.ToArray(rows)), Is.EqualTo(expectRows).Within(Tolerance * 20));
        Assert.That(ToDouble(be.ToArray(dx)), Is.EqualTo(expectGrad).Within(Tolerance * 4));
    }

    [TestCase(1, 1)] [TestCase(3, 7)] [TestCase(2, 17)] [TestCase(3, 33)] [TestCase(4, 1000)]
    public void BceAndMseMatchPlainLoops(int n, int c)
    {
        var be = Cpu(2);
        double[] x = ToDouble(ToT(Inputs.Uniform(n * c, c, -30, 30))), y = ToDouble(ToT(Inputs.Uniform(n * c, c + 1, 0, 1)));
        double[] pw = ToDouble(ToT(Inputs.Uniform(c, c + 2, 0.2, 3)));
        using var tx = be.FromHost(ToT(x), n, c);
        using var ty = be.FromHost(ToT(y), n, c);
        using var tw = be.FromHost(ToT(pw), c);
        using var dx = be.Allocate(n, c);
        const double scale = 1.5;
        double bce = be.BceWithLogitsForward(tx, ty, tw, LossReduction.Sum);
        be.BceWithLogitsBackward(tx, ty, tw, LossReduction.Sum, scale, dx);
        double expect = 0, mse = 0;
        var grad = new double[n * c];
        for (int i = 0; i < n * c; i++)
        {
            double w = 1 + (pw[i % c] - 1) * y[i];
            expect += (1 - y[i]) * x[i] + w * (Math.Log(1 + Math.Exp(-Math.Abs(x[i]))) + Math.Max(-x[i], 0));
            grad[i] = ((1 - y[i]) - w / (1 + Math.Exp(x[i]))) * scale;
            mse += (x[i] - y[i]) * (x[i] - y[i]);
        }
        Assert.That(bce, Is.EqualTo(expect).Within(Tolerance * 10 * Math.Abs(expect)));
        Assert.That(ToDouble(be.ToArray(dx)), Is.EqualTo(grad).Within(Tolerance * 4));
        Assert.That(be.MseForward(tx, ty, LossReduction.Mean), Is.EqualTo(mse / (n * c)).Within(Tolerance * 10 * mse / (n * c)));
        be.MseBackward(tx, ty, LossReduction.Mean, scale, dx);
        Assert.That(ToDouble(be.ToArray(dx)), Is.EqualTo(x.Zip(y, (a, b) => 2 * (a - b) * scale / (n * c)).ToArray()).Within(Tolerance * 60 / (n * c)));
    }

    [TestCase(1)] [TestCase(7)] [TestCase(33)] [TestCase(70_001)]
    public void OptimizerUpdatesMatchPlainLoops(int n)
    {
        var be = Cpu(2);
        double[] p0 = Inputs.Uniform(n, 1, -1, 1), g = Inputs.Uniform(n, 2, -1, 1), m0 = Inputs.Uniform(n, 3, -0.1, 0.1), v0 = Inputs.Uniform(n, 4, 0, 0.1);
        p0 = ToDouble(ToT(p0)); g = ToDouble(ToT(g)); m0 = ToDouble(ToT(m0)); v0 = ToDouble(ToT(v0));
        using var tp = be.FromHost(ToT(p0), n);
        using var tg = be.FromHost(ToT(g), n);
        using var tm = be.FromHost(ToT(m0), n);
        using var tv = be.FromHost(ToT(v0), n);
        be.AdamUpdate(tp, tg, tm, tv, 0.01, 0.9, 0.99, 1e-8, 0.1, decoupledWeightDecay: true, step: 3);
        var ep = new double[n];
        var em = new double[n];
        for (int i = 0; i < n; i++)
        {
            double p = p0[i] * (1 - 0.01 * 0.1);
            double m = 0.9 * m0[i] + 0.1 * g[i], v = 0.99 * v0[i] + 0.01 * g[i] * g[i];
            em[i] = m;
            ep[i] = p - 0.01 / (1 - Math.Pow(0.9, 3)) * m / (Math.Sqrt(v) / Math.Sqrt(1 - Math.Pow(0.99, 3)) + 1e-8);
        }
        Assert.That(ToDouble(be.ToArray(tm)), Is.EqualTo(em).Within(Tolerance));
        Assert.That(ToDouble(be.ToArray(tp)), Is.EqualTo(ep).Within(Tolerance * 4));

        using var sp = be.FromHost(ToT(p0), n);
        be.SgdUpdate(sp, tg, tm, 0.1, 0.9, 0, 0.01, nesterov: true, firstStep: false);
        for (int i = 0; i < n; i++)
        {
            double d = g[i] + 0.01 * p0[i], b = 0.9 * em[i] + d;
            ep[i] = p0[i] - 0.1 * (d + 0.9 * b);
        }
        Assert.That(ToDouble(be.ToArray(sp)), Is.EqualTo(ep).Within(Tolerance * 4));
    }

    // ----- steady-state allocation ---------------------------------------------------------------

    private static void AssertNoAllocation(string what, Action call)
    {
        for (int i = 0; i < 3; i++) call();
        var rounds = new List<long>();
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) call();
            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (rounds[^1] == 0) break;
        }
        Assert.That(rounds.Min(), Is.Zero, $"{what} allocated in every round of 10 steady-state calls: {string.Join(", ", rounds)} bytes");
    }

    [TestCase("sgd")] [TestCase("adam")] [TestCase("adamw")]
    public void AnOptimizerStepAllocatesNothing(string kind)
    {
        var be = Cpu(2);
        var ps = new[] { Param(be, "w", Inputs.Uniform(100_000, 1, -1, 1), Inputs.Uniform(100_000, 2, -1, 1)), Param(be, "b", Inputs.Uniform(5, 3, -1, 1), Inputs.Uniform(5, 4, -1, 1)) };
        using Optimizer<T> opt = kind switch
        {
            "sgd" => new Sgd<T>(be, ps, 1e-3, momentum: 0.9, weightDecay: 1e-4, nesterov: true),
            "adam" => new Adam<T>(be, ps, 1e-3, weightDecay: 1e-4),
            _ => new AdamW<T>(be, ps, 1e-3),
        };
        AssertNoAllocation(kind, () => { opt.Step(); GradientTools.ClipGradNorm(be, ps, 1.0); });
        Free(ps);
    }

    [TestCase("cross_entropy")] [TestCase("bce")] [TestCase("mse")]
    public void ALossForwardAndBackwardAllocateNothing(string kind)
    {
        var be = Cpu(2);
        const int n = 100, c = 1000;
        using var x = be.FromHost(ToT(Inputs.Uniform(n * c, 1, -3, 3)), n, c);
        using var y = be.FromHost(ToT(Inputs.Uniform(n * c, 2, 0, 1)), n, c);
        using var pw = be.FromHost(ToT(Inputs.Uniform(c, 3, 0.5, 2)), c);
        using var dx = be.Allocate(n, c);
        int[] targets = Enumerable.Range(0, n).Select(r => r % 5 == 0 ? -100 : r * 3 % c).ToArray();
        var ce = new CrossEntropyLoss<T>(be) { LabelSmoothing = 0.1 };
        var bce = new BceWithLogitsLoss<T>(be) { PosWeight = pw };
        var mse = new MseLoss<T>(be);
        Action call = kind switch
        {
            "cross_entropy" => () => { ce.Forward(x, targets); ce.Backward(x, targets, dx); },
            "bce" => () => { bce.Forward(x, y); bce.Backward(x, y, dx); },
            _ => () => { mse.Forward(x, y); mse.Backward(x, y, dx); },
        };
        AssertNoAllocation(kind, call);
    }

    [Test]
    public void CrossEntropyWithEveryRowIgnoredGivesZeroLossAndZeroGradient()
    {
        var be = Cpu(1);
        using var x = be.FromHost(ToT(Inputs.Uniform(6, 5, -2, 2)), 2, 3);
        using var dx = be.FromHost(ToT([1, 1, 1, 1, 1, 1]), 2, 3);
        Assert.That(be.CrossEntropyForward(x, [-100, -100], -100, 0.1, LossReduction.Mean, null), Is.EqualTo(0.0));
        be.CrossEntropyBackward(x, [-100, -100], -100, 0.1, LossReduction.Mean, 1.0, dx);
        Assert.That(ToDouble(be.ToArray(dx)), Is.All.EqualTo(0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => be.CrossEntropyForward(x, [0, 1], -100, 1.5, LossReduction.Mean, null));
    }

    [Test]
    public void CrossEntropyRejectsAnOutOfRangeTargetNamingTheRow()
    {
        var be = Cpu(1);
        using var x = be.Allocate(2, 3);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => be.CrossEntropyForward(x, [0, 3], -100, 0, LossReduction.Mean, null));
        Assert.That(ex!.Message, Does.Contain("target 3 of row 1"));
    }
}
