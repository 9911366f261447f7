using SeqCore.Cpu;
using SeqCore.Layers.Transformer;
using SeqCore.Random;

namespace SeqCore.Tests.Layers;

public class TransformerDecoderTests
{
    private const int E = 8, Steps = 7, Sources = 5, Batch = 3;
    private static readonly int[] Lengths = [5, 2, 4];

    private static TransformerDecoderStack<double> Stack(CpuBackend<double> be, bool normFirst) =>
        new(be, new TransformerOptions { EmbeddingSize = E, Heads = 2, FeedForwardSize = 12, Layers = 3, NormFirst = normFirst, QueryTile = 2, KeyTile = 3 },
            new RandomStream(1));

    /// <summary>
    /// Decoding with the cache (self-attention keys and values appended, the memory's projected once), one token at a
    /// time and in chunks, gives the rows of the full forward; the last block's cross-attention weights hide padding.
    /// </summary>
    [TestCase(true, 1)]
    [TestCase(true, 3)]
    [TestCase(false, 1)]
    [TestCase(false, 4)]
    public void CachedStepsEqualTheFullForward(bool normFirst, int chunk)
    {
        using var be = new CpuBackend<double>();
        using var stack = Stack(be, normFirst);
        using var x = be.Allocate(Steps, Batch, E);
        using var memory = be.Allocate(Sources, Batch, E);
        be.FillNormal(new RandomStream(2), 0, 1, x);
        be.FillNormal(new RandomStream(3), 0, 1, memory);
        using var full = be.Allocate(Steps, Batch, E);
        stack.Forward(x, memory, Lengths, full);
        double[] expected = be.ToArray(full);

        using var cache = stack.CreateCache(memory, Lengths, Steps);
        var got = new List<double>();
        for (int t = 0; t < Steps; t += chunk)
        {
            int n = Math.Min(chunk, Steps - t);
            using var y = be.Allocate(n, Batch, E);
            using var weights = be.Allocate(Batch, 2, n, Sources);
            stack.Step(x.Slice((long)t * Batch * E, n, Batch, E), cache, y, weights);
            got.AddRange(be.ToArray(y));
            double[] w = be.ToArray(weights);
            for (int b = 0; b < Batch; b++)
                for (int r = 0; r < 2 * n; r++)
                {
                    var row = w.AsSpan((b * 2 * n + r) * Sources, Sources);
                    Assert.That(row.ToArray().Sum(), Is.EqualTo(1).Within(1e-12));
                    Assert.That(row[Lengths[b]..].ToArray(), Is.All.EqualTo(0.0), "padded source positions");
                }
        }
        Assert.That(cache.Length, Is.EqualTo(Steps));
        Assert.That(got.Zip(expected, (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-12));
    }

    /// <summary>After Reorder(parents) every row continues as its parent would: the next step equals the full forward
    /// of the parents' inputs and memories.</summary>
    [Test]
    public void ReorderMakesEachRowContinueItsParent()
    {
        using var be = new CpuBackend<double>();
        using var stack = Stack(be, normFirst: true);
        using var x = be.Allocate(Steps, Batch, E);
        using var memory = be.Allocate(Sources, Batch, E);
        be.FillNormal(new RandomStream(4), 0, 1, x);
        be.FillNormal(new RandomStream(5), 0, 1, memory);
        int[] parents = [2, 0, 2];
        // The reference: the full forward over the parents' rows (inputs, memory and lengths permuted).
        using var px = Permute(be, x, parents);
        using var pm = Permute(be, memory, parents);
        using var full = be.Allocate(Steps, Batch, E);
        stack.Forward(px, pm, [.. parents.Select(p => Lengths[p])], full);

        using var cache = stack.CreateCache(memory, Lengths, Steps);
        using var head = be.Allocate(Steps - 1, Batch, E);
        stack.Step(x.Slice(0, Steps - 1, Batch, E), cache, head);
        cache.Reorder(parents);
        using var last = be.Allocate(1, Batch, E);
        stack.Step(px.Slice((long)(Steps - 1) * Batch * E, 1, Batch, E), cache, last);
        double[] expected = be.ToArray(full)[((Steps - 1) * Batch * E)..];
        Assert.That(be.ToArray(last).Zip(expected, (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-12));
    }

    private static SeqCore.Tensor<double> Permute(CpuBackend<double> be, SeqCore.Tensor<double> t, int[] parents)
    {
        int steps = t.Dim(0);
        double[] src = be.ToArray(t), dst = new double[src.Length];
        for (int s = 0; s < steps; s++)
            for (int b = 0; b < Batch; b++)
                Array.Copy(src, (s * Batch + parents[b]) * E, dst, (s * Batch + b) * E, E);
        return be.FromHost(dst, steps, Batch, E);
    }

    [Test]
    public void CacheOverflowIsRejected()
    {
        using var be = new CpuBackend<double>();
        using var stack = Stack(be, normFirst: false);
        using var memory = be.Allocate(Sources, Batch, E);
        using var cache = stack.CreateCache(memory, [], 2);
        using var x = be.Allocate(3, Batch, E);
        using var y = be.Allocate(3, Batch, E);
        var e = Assert.Throws<ArgumentException>(() => stack.Step(x, cache, y))!;
        Assert.That(e.Message, Does.Contain("exceed the cache of 2"));
    }
}
