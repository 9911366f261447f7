using SeqCore.Cpu;
using SeqCore.Layers.Transformer;
using SeqCore.Random;

namespace SeqCore.Tests.Layers;

public class TransformerTests
{
    /// <summary>
    /// Decoding with the KV cache, one token at a time and in chunks, gives the rows of the full causal forward.
    /// </summary>
    [TestCase(true, 1)]
    [TestCase(true, 3)]
    [TestCase(false, 1)]
    [TestCase(false, 4)]
    public void CachedStepsEqualTheFullForward(bool normFirst, int chunk)
    {
        using var be = new CpuBackend<double>();
        var options = new TransformerOptions { EmbeddingSize = 8, Heads = 2, FeedForwardSize = 12, Layers = 3, NormFirst = normFirst, QueryTile = 2, KeyTile = 3 };
        using var stack = new TransformerStack<double>(be, options, new RandomStream(1));
        const int steps = 10, batch = 2;
        using var x = be.Allocate(steps, batch, 8);
        be.FillNormal(new RandomStream(2), 0, 1, x);
        using var full = be.Allocate(steps, batch, 8);
        stack.Forward(x, [], full);
        double[] expected = be.ToArray(full);

        using var cache = stack.CreateCache(batch, steps);
        var got = new List<double>();
        for (int t = 0; t < steps; t += chunk)
        {
            int n = Math.Min(chunk, steps - t);
            using var y = be.Allocate(n, batch, 8);
            stack.Step(x.Slice((long)t * batch * 8, n, batch, 8), cache, y);
            got.AddRange(be.ToArray(y));
        }
        Assert.That(cache.Length, Is.EqualTo(steps));
        double worst = got.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        Assert.That(worst, Is.LessThan(1e-12));
    }

    [Test]
    public void KeyBiasGradientIsZeroBecauseSoftmaxIgnoresAConstantShift()
    {
        using var be = new CpuBackend<double>();
        using var block = new TransformerBlock<double>(be, new TransformerOptions { EmbeddingSize = 8, Heads = 2 }, new RandomStream(3));
        using var x = be.Allocate(6, 2, 8);
        be.FillNormal(new RandomStream(4), 0, 1, x);
        using var y = be.Allocate(6, 2, 8);
        using var dy = be.Allocate(6, 2, 8);
        using var dx = be.Allocate(6, 2, 8);
        be.FillNormal(new RandomStream(5), 0, 1, dy);
        block.Forward(x, [], y);
        block.Backward(dy, dx);
        double[] g = be.ToArray(block.Attention.InProjBias!.Gradient);
        Assert.That(g.Skip(8).Take(8).Max(Math.Abs), Is.LessThan(1e-13), "key third");
        Assert.That(g.Take(8).Max(Math.Abs), Is.GreaterThan(1e-6), "query third is not trivially zero");
    }

    [Test]
    public void CacheOverflowAndNonCausalStepsAreRejected()
    {
        using var be = new CpuBackend<float>();
        using var stack = new TransformerStack<float>(be, new TransformerOptions { EmbeddingSize = 4, Heads = 1 }, new RandomStream(1));
        using var cache = stack.CreateCache(1, 2);
        using var x = be.Allocate(3, 1, 4);
        using var y = be.Allocate(3, 1, 4);
        var e = Assert.Throws<ArgumentException>(() => stack.Step(x, cache, y))!;
        Assert.That(e.Message, Does.Contain("exceed the cache of 2"));
        using var encoder = new TransformerStack<float>(be, new TransformerOptions { EmbeddingSize = 4, Heads = 1, Causal = false }, new RandomStream(1));
        Assert.Throws<InvalidOperationException>(() => encoder.Step(x, encoder.CreateCache(1, 4), y));
    }
}
