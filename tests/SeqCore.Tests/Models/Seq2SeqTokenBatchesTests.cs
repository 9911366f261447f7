using SeqCore.Models;

namespace SeqCore.Tests.Models;

/// <summary>Length-bucketed token batches: every example once an epoch, the padded-token bound, similar lengths
/// together, a seeded order that changes by epoch, and a state that resumes.</summary>
public class Seq2SeqTokenBatchesTests
{
    private static List<Seq2SeqExample> Examples(int count, ulong seed)
    {
        var random = new SeqCore.Random.RandomStream(seed);
        return [.. Enumerable.Range(0, count).Select(_ => new Seq2SeqExample(new int[1 + random.NextInt(40)], new int[1 + random.NextInt(50)]))];
    }

    [TestCase(200)]
    [TestCase(1000)]
    public void EveryEpochVisitsEachExampleOnceWithinTheBound(int maxTokens)
    {
        var examples = Examples(500, 3);
        var batches = new Seq2SeqTokenBatches(examples, maxTokens, seed: 9);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var seen = new List<int>();
            for (int b = 0; b < batches.Batches.Count; b++)
            {
                var batch = batches.Next();
                Assert.That(batches.Epoch, Is.EqualTo(epoch));
                Assert.That(Seq2SeqTokenBatches.PaddedTokens(examples, batch), Is.LessThanOrEqualTo(maxTokens));
                seen.AddRange(batch);
            }
            Assert.That(seen, Is.EquivalentTo(Enumerable.Range(0, examples.Count)), $"epoch {epoch}: no example lost or repeated");
        }
        // Bucketing: the batches waste little on padding (sorted by source length, a batch's sources differ by little).
        long padded = batches.Batches.Sum(b => Seq2SeqTokenBatches.PaddedTokens(examples, b));
        long real = examples.Sum(e => e.Source.Length + e.Target.Length + 1);
        Assert.That(real / (double)padded, Is.GreaterThan(0.6));
    }

    [Test]
    public void TheOrderIsSeededAndChangesEachEpoch()
    {
        var examples = Examples(300, 5);
        var a = new Seq2SeqTokenBatches(examples, 300, seed: 1);
        var b = new Seq2SeqTokenBatches(examples, 300, seed: 1);
        var c = new Seq2SeqTokenBatches(examples, 300, seed: 2);
        Assert.That(a.Batches.Count, Is.GreaterThan(10));
        var first = Enumerable.Range(0, a.Batches.Count).Select(_ => a.Next()).ToList();
        Assert.That(Enumerable.Range(0, b.Batches.Count).Select(_ => b.Next()), Is.EqualTo(first));
        Assert.That(Enumerable.Range(0, c.Batches.Count).Select(_ => c.Next()), Is.Not.EqualTo(first));
        Assert.That(a.Order(1), Is.Not.EqualTo(a.Order(0)));
    }

    [Test]
    public void SeekResumesWhereTheRunStopped()
    {
        var examples = Examples(300, 7);
        var run = new Seq2SeqTokenBatches(examples, 250, seed: 4);
        int n = run.Batches.Count;
        for (int i = 0; i < n + 3; i++) run.Next();
        var resumed = new Seq2SeqTokenBatches(examples, 250, seed: 4);
        resumed.Seek(run.Epoch, run.Position);
        for (int i = 0; i < 2 * n; i++) Assert.That(resumed.Next(), Is.EqualTo(run.Next()));
    }

    [Test]
    public void AnExampleOverTheBoundIsNamed()
    {
        List<Seq2SeqExample> examples = [new([1, 2], [3]), new(new int[30], new int[30])];
        Assert.That(() => new Seq2SeqTokenBatches(examples, 50, 0),
            Throws.ArgumentException.With.Message.Contains("example 2 needs 61 tokens").And.Message.Contains("50"));
    }
}
