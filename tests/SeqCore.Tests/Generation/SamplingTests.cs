using SeqCore.Cpu;
using SeqCore.Generation;
using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Tests.Generation;

/// <summary>Each sampling rule on hand-made logits, and seeded, reproducible generation.</summary>
public class SamplingTests
{
    // Probabilities 0.4, 0.25, 0.2, 0.1, 0.05 in a shuffled order: token 3 is the most likely, then 0, 4, 1, 2.
    private static readonly double[] Probabilities = [0.25, 0.1, 0.05, 0.4, 0.2];
    private static double[] Logits => Probabilities.Select(p => Math.Log(p) + 1.5).ToArray();

    private static int[] Draw(SamplingOptions options, int count, ulong seed = 9)
    {
        var sampler = new TokenSampler(options, new RandomStream(seed));
        return Enumerable.Range(0, count).Select(_ => sampler.Sample(Logits)).ToArray();
    }

    [Test]
    public void TemperatureOneSamplesTheSoftmax()
    {
        var p = new double[5];
        TokenSampler.Distribution(Logits, new SamplingOptions(), p);
        Assert.That(p, Is.EqualTo(Probabilities).Within(1e-12));
        int[] draws = Draw(new SamplingOptions(), 20000);
        for (int i = 0; i < 5; i++)
        {
            double freq = draws.Count(d => d == i) / 20000.0;
            // 4 standard deviations of a binomial proportion.
            Assert.That(freq, Is.EqualTo(Probabilities[i]).Within(4 * Math.Sqrt(Probabilities[i] * (1 - Probabilities[i]) / 20000)), $"token {i}");
        }
    }

    [Test]
    public void TopKNeverPicksOutsideTheKBest()
    {
        int[] draws = Draw(new SamplingOptions { TopK = 2 }, 5000);
        Assert.That(draws.Distinct().Order(), Is.EqualTo(new[] { 0, 3 }));
        var p = new double[5];
        TokenSampler.Distribution(Logits, new SamplingOptions { TopK = 2 }, p);
        Assert.That(p, Is.EqualTo(new[] { 0.25 / 0.65, 0, 0, 0.4 / 0.65, 0 }).Within(1e-12));
        TokenSampler.Distribution(Logits, new SamplingOptions { TopK = 1, Temperature = 5 }, p);
        Assert.That(p, Is.EqualTo(new double[] { 0, 0, 0, 1, 0 }));
    }

    [Test]
    public void TopPKeepsTheSmallestNucleusThatReachesP()
    {
        var p = new double[5];
        // Sorted: 0.4 (3), 0.25 (0), 0.2 (4), 0.1 (1), 0.05 (2); cumulative 0.4, 0.65, 0.85, 0.95, 1.
        TokenSampler.Distribution(Logits, new SamplingOptions { TopP = 0.64 }, p);
        Assert.That(p, Is.EqualTo(new[] { 0.25 / 0.65, 0, 0, 0.4 / 0.65, 0 }).Within(1e-12), "0.64 needs the two best");
        TokenSampler.Distribution(Logits, new SamplingOptions { TopP = 0.66 }, p);
        Assert.That(p, Is.EqualTo(new[] { 0.25 / 0.85, 0, 0, 0.4 / 0.85, 0.2 / 0.85 }).Within(1e-12), "0.66 needs a third");
        TokenSampler.Distribution(Logits, new SamplingOptions { TopP = 0.01 }, p);
        Assert.That(p, Is.EqualTo(new double[] { 0, 0, 0, 1, 0 }), "at least one token");
        Assert.That(Draw(new SamplingOptions { TopP = 0.66 }, 5000).Distinct().Order(), Is.EqualTo(new[] { 0, 3, 4 }));
        // Top-k first, then the nucleus of the renormalised k best (0.4/0.65 ≈ 0.615, then 1).
        TokenSampler.Distribution(Logits, new SamplingOptions { TopK = 2, TopP = 0.6 }, p);
        Assert.That(p, Is.EqualTo(new double[] { 0, 0, 0, 1, 0 }));
        TokenSampler.Distribution(Logits, new SamplingOptions { TopK = 2, TopP = 0.62 }, p);
        Assert.That(p, Is.EqualTo(new[] { 0.25 / 0.65, 0, 0, 0.4 / 0.65, 0 }).Within(1e-12));
    }

    [Test]
    public void TemperatureTowardsZeroIsGreedy()
    {
        Assert.That(TokenSampler.ArgMax(Logits), Is.EqualTo(3));
        Assert.That(Draw(SamplingOptions.Greedy, 100).Distinct(), Is.EqualTo(new[] { 3 }));
        var p = new double[5];
        TokenSampler.Distribution(Logits, new SamplingOptions { Temperature = 1e-3 }, p);
        Assert.That(p[3], Is.EqualTo(1).Within(1e-12));
        Assert.That(Draw(new SamplingOptions { Temperature = 1e-3 }, 1000).Distinct(), Is.EqualTo(new[] { 3 }));
        // A high temperature flattens the distribution towards uniform.
        TokenSampler.Distribution(Logits, new SamplingOptions { Temperature = 1000 }, p);
        Assert.That(p, Is.All.EqualTo(0.2).Within(1e-3));
    }

    [Test]
    public void InvalidOptionsAreRejected()
    {
        Assert.That(() => new SamplingOptions { Temperature = -1 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("temperature"));
        Assert.That(() => new SamplingOptions { TopP = 0 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("top-p"));
        Assert.That(() => new SamplingOptions { TopK = -2 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("top-k"));
    }

    [TestCase("lstm")]
    [TestCase("transformer")]
    public void SameSeedSameTextAndTokensStreamAsTheyAreMade(string arch)
    {
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        using var model = new LanguageModel<float>(cpu, Tests.Models.LanguageModelTests.Small(arch, 12) with { ContextLength = 8 }, new RandomStream(2));
        var options = new SamplingOptions { Temperature = 1.2, TopK = 8, TopP = 0.95 };
        var streamed = new List<int>();
        int[] a = TextGenerator.Generate(model, [1, 2, 3], 30, options, seed: 42, streamed.Add);
        int[] b = TextGenerator.Generate(model, [1, 2, 3], 30, options, seed: 42);
        int[] c = TextGenerator.Generate(model, [1, 2, 3], 30, options, seed: 43);
        Assert.That(streamed, Is.EqualTo(a));
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c, Is.Not.EqualTo(a));
        Assert.That(a, Has.All.InRange(0, 11));
        int[] greedy = TextGenerator.Generate(model, [1, 2, 3], 30, SamplingOptions.Greedy, seed: 1);
        Assert.That(TextGenerator.Generate(model, [1, 2, 3], 30, SamplingOptions.Greedy, seed: 2), Is.EqualTo(greedy), "greedy ignores the seed");
    }
}
