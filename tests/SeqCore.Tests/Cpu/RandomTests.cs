using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Random;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Cpu;

/// <summary>FillUniform, FillNormal, FillBernoulliMask: the documented stream, reproducibility, statistics and argument errors.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class RandomTests<T> : CpuFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public enum Dist { Uniform, Normal, Bernoulli }

    private static readonly T Low = T.CreateTruncating(-2.0), High = T.CreateTruncating(3.0);
    private static readonly T Mean = T.CreateTruncating(1.5), Std = T.CreateTruncating(2.0);
    private static readonly T Keep = T.CreateTruncating(0.7), KeepScale = T.One / T.CreateTruncating(0.7);

    private static void Fill(CpuBackend<T> b, Dist d, RandomStream r, Tensor<T> y)
    {
        switch (d)
        {
            case Dist.Uniform: b.FillUniform(r, Low, High, y); break;
            case Dist.Normal: b.FillNormal(r, Mean, Std, y); break;
            default: b.FillBernoulliMask(r, Keep, KeepScale, y); break;
        }
    }

    private T[] Draw(Dist d, int threads, ulong seed, ulong position, int n)
    {
        var b = Cpu(threads);
        using var y = b.Allocate(n);
        var r = new RandomStream(seed) { Position = position };
        Fill(b, d, r, y);
        Assert.That(r.Position, Is.EqualTo(position + (ulong)n), "the stream advances by Length");
        return b.ToArray(y);
    }

    /// <summary>The uniform in [0, 1) of one counter: float from 24 bits of word 0, double from 53 bits of words 0–1.</summary>
    private static double UnitUniform(uint w0, uint w1) => IsSingle ? Philox.UniformSingle(w0) : Philox.UniformDouble(w0, w1);

    /// <summary>
    /// Element i comes from the Philox words of counter Position + i: with low = 0, high = 1 the uniform is exactly the
    /// unit uniform; with mean 0, std 1 the normal is Box–Muller of all four words; a mask keeps where the uniform &lt; p.
    /// </summary>
    [Test]
    public void ElementIUsesCounterPositionPlusI([Values(1, 2)] int threads, [Values(1000, 70001)] int n, [Values(0.5, 0.9)] double keep)
    {
        const ulong seed = 0xdecafbadUL, start = 12345;
        var b = Cpu(threads);
        using var y = b.Allocate(n);
        var u = new RandomStream(seed) { Position = start };
        b.FillUniform(u, T.Zero, T.One, y);
        var uniform = b.ToArray(y);
        b.FillNormal(new RandomStream(seed) { Position = start }, T.Zero, T.One, y);
        var normal = b.ToArray(y);
        T two = T.CreateTruncating(2), p = T.CreateTruncating(keep);
        b.FillBernoulliMask(new RandomStream(seed) { Position = start }, p, two, y);
        var mask = b.ToArray(y);
        for (int i = 0; i < n; i++)
        {
            var (w0, w1, w2, w3) = Philox.Generate(seed, start + (ulong)i);
            double unit = UnitUniform(w0, w1);
            if (uniform[i] != T.CreateTruncating(unit)) Assert.Fail($"uniform[{i}] = {uniform[i]}, expected {unit}");
            if (normal[i] != T.CreateTruncating(Philox.StandardNormal(w0, w1, w2, w3))) Assert.Fail($"normal[{i}] = {normal[i]}");
            if (mask[i] != (T.CreateTruncating(unit) < p ? two : T.Zero)) Assert.Fail($"mask[{i}] = {mask[i]} for uniform {unit}");
        }
    }

    [Test]
    public void SameSeedAndPositionGiveIdenticalValuesOnOneAndTwoThreads([Values] Dist d)
    {
        const int n = 100_000; // above the parallel threshold
        var one = Draw(d, 1, 99, 5, n);
        Approx.AssertIdentical(Draw(d, 1, 99, 5, n), one, $"{d}: repeat on 1 thread");
        Approx.AssertIdentical(Draw(d, 2, 99, 5, n), one, $"{d}: 2 threads vs 1");
        Assert.That(Draw(d, 1, 100, 5, n), Is.Not.EqualTo(one), $"{d}: another seed gives other values");
        Assert.That(Draw(d, 1, 99, 6, n), Is.Not.EqualTo(one), $"{d}: another position gives other values");
    }

    /// <summary>One fill of 2n equals two consecutive fills of n (for n = 40000 the single fill takes the parallel path, the halves do not).</summary>
    [Test]
    public void OneFillOfTwoNEqualsTwoFillsOfN([Values] Dist d, [Values(3, 17, 40000)] int n, [Values(1, 2)] int threads)
    {
        var b = Cpu(threads);
        var whole = Draw(d, threads, 2024, 77, 2 * n);
        var r = new RandomStream(2024) { Position = 77 };
        using var half = b.Allocate(n);
        Fill(b, d, r, half);
        var first = b.ToArray(half);
        Fill(b, d, r, half);
        var second = b.ToArray(half);
        Assert.That(r.Position, Is.EqualTo(77UL + 2UL * (ulong)n));
        Approx.AssertIdentical(first.Concat(second).ToArray(), whole, $"{d}: two fills of {n} vs one of {2 * n}");
    }

    /// <summary>A fill into a view writes only the view and consumes exactly the view's Length counters.</summary>
    [Test]
    public void FillIntoAViewTouchesOnlyTheViewAndConsumesItsLength([Values] Dist d)
    {
        var b = Cpu(1);
        using var root = b.FromHost(Enumerable.Repeat(T.CreateTruncating(1234.5), 50).ToArray(), 50);
        var r = new RandomStream(5) { Position = 10 };
        Fill(b, d, r, root.Slice(7, 3, 11));
        Assert.That(r.Position, Is.EqualTo(43UL));
        var all = b.ToArray(root);
        var expected = Draw(d, 1, 5, 10, 33);
        Approx.AssertIdentical(all[7..40], expected, "the view's elements");
        Assert.That(all[..7].Concat(all[40..]), Is.All.EqualTo(T.CreateTruncating(1234.5)), "outside the view");
    }

    private const int StatN = 200_000;

    private static (double Mean, double Var) Moments(double[] v)
    {
        double m = v.Average();
        return (m, v.Sum(x => (x - m) * (x - m)) / (v.Length - 1));
    }

    private static void WithinStandardErrors(double got, double expected, double se, string what) =>
        Assert.That(Math.Abs(got - expected), Is.LessThanOrEqualTo(Tolerance.StandardErrors * se),
            $"{what}: {got} vs {expected} (standard error {se:G3}, allowed {Tolerance.StandardErrors}×)");

    [Test]
    public void UniformStatistics()
    {
        var v = ToDouble(Draw(Dist.Uniform, 2, 11, 0, StatN));
        double lo = double.CreateTruncating(Low), hi = double.CreateTruncating(High), w = hi - lo;
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(lo));
        Assert.That(v.Max(), Is.LessThan(hi));
        var (m, var) = Moments(v);
        WithinStandardErrors(m, (lo + hi) / 2, Math.Sqrt(w * w / 12 / StatN), "uniform mean");
        WithinStandardErrors(var, w * w / 12, Math.Sqrt(Math.Pow(w, 4) / 180 / StatN), "uniform variance"); // Var[(X−μ)²] = w⁴/80 − w⁴/144
        var bins = new int[10];
        foreach (double x in v) bins[Math.Min(9, (int)((x - lo) / w * 10))]++;
        for (int k = 0; k < 10; k++)
            WithinStandardErrors(bins[k], StatN / 10.0, Math.Sqrt(StatN * 0.1 * 0.9), $"uniform decile {k} count");
    }

    [Test]
    public void NormalStatistics()
    {
        var v = ToDouble(Draw(Dist.Normal, 2, 12, 0, StatN));
        double mu = double.CreateTruncating(Mean), sigma = double.CreateTruncating(Std);
        Assert.That(v.All(double.IsFinite), Is.True);
        var (m, var) = Moments(v);
        WithinStandardErrors(m, mu, sigma / Math.Sqrt(StatN), "normal mean");
        WithinStandardErrors(var, sigma * sigma, sigma * sigma * Math.Sqrt(2.0 / StatN), "normal variance");
        foreach (var (k, p) in new[] { (1.0, 0.6826894921370859), (2.0, 0.9544997361036416), (3.0, 0.9973002039367398) })
        {
            double frac = v.Count(x => Math.Abs(x - mu) < k * sigma) / (double)StatN;
            WithinStandardErrors(frac, p, Math.Sqrt(p * (1 - p) / StatN), $"fraction within ±{k}σ");
        }
        WithinStandardErrors(v.Count(x => x < mu) / (double)StatN, 0.5, Math.Sqrt(0.25 / StatN), "fraction below the mean");
    }

    [Test]
    public void BernoulliMaskStatistics()
    {
        var v = Draw(Dist.Bernoulli, 2, 13, 0, StatN);
        Assert.That(v.All(x => x == T.Zero || x == KeepScale), Is.True, "every value is 0 or scale");
        double p = double.CreateTruncating(Keep);
        double kept = v.Count(x => x != T.Zero) / (double)StatN;
        WithinStandardErrors(kept, p, Math.Sqrt(p * (1 - p) / StatN), "keep fraction");
    }

    [Test]
    public void DegenerateParameters()
    {
        var b = Cpu(2);
        using var y = b.Allocate(70001);
        var r = new RandomStream(1);
        T three = T.CreateTruncating(3);
        b.FillBernoulliMask(r, T.Zero, three, y);
        Approx.AssertAll(b.ToArray(y), T.Zero, "keep probability 0");
        b.FillBernoulliMask(r, T.One, three, y);
        Approx.AssertAll(b.ToArray(y), three, "keep probability 1");
        b.FillNormal(r, three, T.Zero, y);
        Approx.AssertAll(b.ToArray(y), three, "std 0 gives the mean");
        b.FillUniform(r, three, three, y);
        Approx.AssertAll(b.ToArray(y), three, "low = high");
    }

    /// <summary>
    /// Uniform values must stay below high even where low + (high − low)·u rounds up: in float on [1000, 1001)
    /// an ulp is 2^-14, so a u within 2^-15 of 1 (about one draw in 33000) rounds to 1001 unless the fill guards it.
    /// </summary>
    [TestCase(-1.0, 1.0)]
    [TestCase(0.0, 1.0)]
    [TestCase(1000.0, 1001.0)]
    [TestCase(-1001.0, -1000.0)]
    public void UniformNeverReachesHigh(double low, double high)
    {
        var b = Cpu(2);
        using var y = b.Allocate(400_000);
        T lo = T.CreateTruncating(low), hi = T.CreateTruncating(high);
        b.FillUniform(new RandomStream(31), lo, hi, y);
        var v = b.ToArray(y);
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(lo));
        int reached = v.Count(x => x >= hi);
        Assert.That(reached, Is.Zero, $"{reached} of {v.Length} values equal high = {high}");
    }

    [Test]
    public void ArgumentErrorsAreThrownBeforeAnyCounterIsUsed()
    {
        var b = Cpu(1);
        using var y = b.Allocate(4);
        var r = new RandomStream(1) { Position = 9 };
        T nan = T.NaN, two = T.CreateTruncating(2);
        Assert.Throws<ArgumentException>(() => b.FillUniform(r, two, T.One, y), "low > high");
        Assert.Throws<ArgumentException>(() => b.FillUniform(r, nan, T.One, y), "low NaN");
        Assert.Throws<ArgumentException>(() => b.FillUniform(r, T.Zero, nan, y), "high NaN");
        Assert.Throws<ArgumentException>(() => b.FillNormal(r, T.Zero, -T.One, y), "std < 0");
        Assert.Throws<ArgumentException>(() => b.FillNormal(r, T.Zero, nan, y), "std NaN");
        Assert.Throws<ArgumentException>(() => b.FillBernoulliMask(r, -T.CreateTruncating(0.01), T.One, y), "p < 0");
        Assert.Throws<ArgumentException>(() => b.FillBernoulliMask(r, T.CreateTruncating(1.01), T.One, y), "p > 1");
        Assert.Throws<ArgumentException>(() => b.FillBernoulliMask(r, nan, T.One, y), "p NaN");
        Assert.Throws<ArgumentNullException>(() => b.FillUniform(null!, T.Zero, T.One, y), "null stream");
        Assert.Throws<ArgumentNullException>(() => b.FillNormal(null!, T.Zero, T.One, y), "null stream");
        Assert.Throws<ArgumentNullException>(() => b.FillBernoulliMask(null!, T.One, T.One, y), "null stream");
        Assert.That(r.Position, Is.EqualTo(9UL), "a rejected call consumes no counters");
        var ex = Assert.Throws<ArgumentException>(() => b.FillUniform(r, two, T.One, y))!;
        Assert.That(ex.Message, Does.Contain("FillUniform"));
    }
}
