using SeqCore.Cpu;
using SeqCore.Generation;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Text;

namespace SeqCore.Tests.Models;

/// <summary>The language-model decoder over several streams at once: every stream's logits equal a one-stream decoder
/// fed the same tokens (recurrent and transformer, across the transformer's sliding window), a prompt encoded in one
/// pass equals one fed token by token, and batched sampling draws stream i as one-stream sampling with seed + i.</summary>
public class BatchedDecodingTests
{
    private CpuBackend<double> _cpu = null!;

    [OneTimeSetUp] public void Setup() => _cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
    [OneTimeTearDown] public void TearDown() => _cpu.Dispose();

    [TestCase("lstm")]
    [TestCase("gru")]
    [TestCase("transformer")]
    public void EachStreamOfABatchDecodesAsItsOwnDecoder(string arch)
    {
        var tok = CharTokenizer.Train(LanguageModelTests.Text);
        var config = LanguageModelTests.Small(arch, tok.VocabularySize) with { ContextLength = 8 };
        using var model = new LanguageModel<double>(_cpu, config, new RandomStream(11));
        int v = tok.VocabularySize, streams = 3;
        int[][] texts = [.. Enumerable.Range(0, streams).Select(i => tok.Encode(LanguageModelTests.Text)[(5 * i)..(5 * i + 19)])];
        var singles = texts.Select(_ => new LanguageModelDecoder<double>(model)).ToArray();
        using var batch = new LanguageModelDecoder<double>(model, streams);
        try
        {
            for (int t = 0; t < texts[0].Length; t++) // 19 tokens: past the context of 8 twice
            {
                double[] together = batch.Feed([.. texts.Select(x => x[t])]).ToArray();
                for (int i = 0; i < streams; i++)
                    Assert.That(together.AsSpan(i * v, v).ToArray(), Is.EqualTo(singles[i].Feed(texts[i][t]).ToArray()).Within(1e-10), $"stream {i}, position {t}");
            }
        }
        finally { foreach (var d in singles) d.Dispose(); }
    }

    [TestCase("lstm", 5)]
    [TestCase("transformer", 5)]
    [TestCase("transformer", 13)] // longer than the context of 8: one pass fills it, the rest slide
    public void APromptInOnePassEqualsFeedingItTokenByToken(string arch, int length)
    {
        var tok = CharTokenizer.Train(LanguageModelTests.Text);
        var config = LanguageModelTests.Small(arch, tok.VocabularySize) with { ContextLength = 8 };
        using var model = new LanguageModel<double>(_cpu, config, new RandomStream(12));
        int[] prompt = tok.Encode(LanguageModelTests.Text)[..length];
        using var oneByOne = new LanguageModelDecoder<double>(model);
        double[] expected = [];
        foreach (int id in prompt) expected = oneByOne.Feed(id).ToArray();
        using var batch = new LanguageModelDecoder<double>(model, 2);
        double[] both = batch.FeedPrompt(prompt).ToArray();
        int v = tok.VocabularySize;
        Assert.That(batch.Position, Is.EqualTo(length));
        Assert.That(both.AsSpan(0, v).ToArray(), Is.EqualTo(expected).Within(1e-10));
        Assert.That(both.AsSpan(v, v).ToArray(), Is.EqualTo(expected).Within(1e-10));
        // And decoding goes on identically after it.
        Assert.That(batch.Feed([prompt[0], prompt[0]]).ToArray().AsSpan(0, v).ToArray(), Is.EqualTo(oneByOne.Feed(prompt[0]).ToArray()).Within(1e-10));
    }

    [TestCase("lstm")]
    [TestCase("transformer")]
    public void BatchedSamplingDrawsEachStreamAsOneStreamSamplingWithItsSeed(string arch)
    {
        var tok = CharTokenizer.Train(LanguageModelTests.Text);
        using var model = new LanguageModel<double>(_cpu, LanguageModelTests.Small(arch, tok.VocabularySize), new RandomStream(13));
        int[] prompt = tok.Encode("the ");
        var options = new SamplingOptions { Temperature = 1.0 };
        int[][] batch = TextGenerator.GenerateBatch(model, prompt, 12, 3, options, seed: 40);
        for (int i = 0; i < 3; i++)
            Assert.That(batch[i], Is.EqualTo(TextGenerator.Generate(model, prompt, 12, options, 40 + (ulong)i)), $"stream {i}");
        Assert.That(batch[0], Is.Not.EqualTo(batch[1]), "streams draw independently");
    }

    [Test]
    public void WrongTokenCountsAreRefused()
    {
        using var model = new LanguageModel<double>(_cpu, LanguageModelTests.Small("lstm", 6), new RandomStream(1));
        using var batch = new LanguageModelDecoder<double>(model, 2);
        Assert.That(() => batch.Feed(1), Throws.InvalidOperationException.With.Message.Contains("2 streams"));
        Assert.That(() => batch.Feed([1, 2, 3]), Throws.ArgumentException.With.Message.Contains("3 tokens for 2 streams"));
        Assert.That(() => batch.Feed([1, 6]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("token 6"));
    }
}
