using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Text;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>The language model: PyTorch names, training on a small text, truncated BPTT state handling, the decoder
/// against the full forward, and the evaluator's windows.</summary>
public class LanguageModelTests
{
    private CpuBackend<float> _cpu = null!;
    private CpuBackend<double> _cpuD = null!;

    internal const string Text = "the cat sat on the mat. the dog sat on the log. a cat and a dog sat on a mat. ";

    [OneTimeSetUp] public void Setup() { _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 }); _cpuD = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 }); }
    [OneTimeTearDown] public void TearDown() { _cpu.Dispose(); _cpuD.Dispose(); }

    internal static LanguageModelConfig Small(string arch, int vocab) => arch == "transformer"
        ? new LanguageModelConfig { Arch = arch, VocabularySize = vocab, EmbeddingSize = 16, Heads = 2, Layers = 1, ContextLength = 16 }
        : new LanguageModelConfig { Arch = arch, VocabularySize = vocab, EmbeddingSize = 8, HiddenSize = 24, Layers = 1 };

    [Test]
    public void ParametersCarryPyTorchStateDictNames()
    {
        using var lstm = new LanguageModel<float>(_cpu, new LanguageModelConfig { VocabularySize = 5, EmbeddingSize = 3, HiddenSize = 4, Layers = 2 }, new RandomStream(1));
        Assert.That(lstm.Parameters.Select(p => p.Name), Is.EqualTo(new[]
        {
            "embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
            "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1", "head.weight", "head.bias",
        }));
        Assert.That(lstm.Parameters.Single(p => p.Name == "rnn.weight_ih_l0").Value.ShapeText, Is.EqualTo("[16, 3]"));
        Assert.That(lstm.Parameters.Single(p => p.Name == "head.weight").Value.ShapeText, Is.EqualTo("[5, 4]"));

        using var tied = new LanguageModel<float>(_cpu, new LanguageModelConfig { Arch = "gru", VocabularySize = 5, EmbeddingSize = 4, HiddenSize = 4, TieWeights = true }, new RandomStream(1));
        Assert.That(tied.Parameters.Select(p => p.Name), Is.EqualTo(new[] { "embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.bias" }));

        using var tf = new LanguageModel<float>(_cpu, new LanguageModelConfig { Arch = "transformer", VocabularySize = 5, EmbeddingSize = 8, Heads = 2, ContextLength = 6 }, new RandomStream(1));
        var names = tf.Parameters.Select(p => p.Name).ToList();
        Assert.That(names, Does.Contain("pos.weight").And.Contain("encoder.layers.0.self_attn.in_proj_weight").And.Contain("encoder.layers.0.linear2.bias")
            .And.Contain("encoder.norm.weight").And.Contain("head.weight"));
        Assert.That(names[0], Is.EqualTo("embedding.weight"));
    }

    [Test]
    public void BadConfigsAreRejectedNamingTheField()
    {
        Assert.That(() => new LanguageModelConfig { Arch = "mamba", VocabularySize = 3 }.Validate(), Throws.ArgumentException.With.Message.Contains("'mamba'"));
        Assert.That(() => new LanguageModelConfig { VocabularySize = 3, TieWeights = true, EmbeddingSize = 4, HiddenSize = 8 }.Validate(), Throws.ArgumentException.With.Message.Contains("tied"));
        Assert.That(() => new LanguageModelConfig { Arch = "transformer", VocabularySize = 3, EmbeddingSize = 6, Heads = 4 }.Validate(), Throws.ArgumentException.With.Message.Contains("heads"));
        Assert.That(() => LanguageModelConfig.FromJson("{\"arch\":\"lstm\",\"vocabSize\":0}", "cfg.json"), Throws.TypeOf<InvalidDataException>().With.Message.Contains("cfg.json").And.Message.Contains("vocabularySize"));
    }

    [TestCase("rnn")]
    [TestCase("lstm")]
    [TestCase("gru")]
    [TestCase("transformer")]
    public void TrainsToALossWellBelowItsStart(string arch)
    {
        var tok = CharTokenizer.Train(Text);
        int[] ids = tok.Encode(string.Concat(Enumerable.Repeat(Text, 8)));
        using var model = new LanguageModel<float>(_cpu, Small(arch, tok.VocabularySize), new RandomStream(3));
        using var data = new LanguageModelTrainable<float>(model, ids, ids[..200], batch: 4, bptt: 16, seed: 1);
        using var adam = new Adam<float>(_cpu, model.Parameters, 1e-2);
        var result = new Trainer<float>(_cpu, adam, new TrainerOptions { Steps = 80, ClipNorm = 1.0 }).Run(data);
        double first = result.History[0].Loss, last = result.History.TakeLast(10).Average(p => p.Loss);
        TestContext.Out.WriteLine($"{arch}: loss {first:F3} → {last:F3} ({result.Elapsed.TotalMilliseconds:F0} ms)");
        Assert.That(first, Is.EqualTo(Math.Log(tok.VocabularySize)).Within(0.3), "starts near ln V");
        Assert.That(last, Is.LessThan(0.5 * first));
        Assert.That(data.Evaluate()!.Value.Loss, Is.LessThan(0.5 * first), "held-out (here: seen) text scores as low");
    }

    [TestCase("lstm")]
    [TestCase("gru")]
    public void CarriedStateGivesTheSameLossAsOneLongWindow(string arch)
    {
        var tok = CharTokenizer.Train(Text);
        int[] ids = tok.Encode(Text);
        using var model = new LanguageModel<double>(_cpuD, Small(arch, tok.VocabularySize), new RandomStream(4));
        // Evaluate carries the state from window to window of a stream: any window length gives the same NLL.
        var (whole, n1) = LanguageModelEvaluator.Evaluate(model, ids, batch: 2, window: 1000);
        var (pieces, n2) = LanguageModelEvaluator.Evaluate(model, ids, batch: 2, window: 7);
        Assert.That(n2, Is.EqualTo(n1));
        Assert.That(n1, Is.EqualTo((ids.Length - 1) / 2 * 2));
        Assert.That(pieces, Is.EqualTo(whole).Within(1e-12));
    }

    [Test]
    public void TrainableResetsTheStateAtTheEndOfTheStreams()
    {
        var tok = CharTokenizer.Train(Text);
        int[] ids = tok.Encode(Text);  // 79 tokens: 2 streams of 39 predictions, windows of 16 → 2 windows per pass
        using var model = new LanguageModel<double>(_cpuD, Small("lstm", tok.VocabularySize), new RandomStream(5));
        using var data = new LanguageModelTrainable<double>(model, ids, [], batch: 2, bptt: 16, seed: 1);
        Assert.That(data.WindowsPerEpoch, Is.EqualTo(2));
        double first = data.TrainBatch(1).Loss, second = data.TrainBatch(2).Loss, third = data.TrainBatch(3).Loss;
        // No optimizer step ran: the third batch is the first one again, from a zero state.
        Assert.That(third, Is.EqualTo(first));
        Assert.That(second, Is.Not.EqualTo(first));
        Assert.That(data.Evaluate(), Is.Null, "no held-out tokens");
    }

    [Test]
    public void TooShortACorpusIsAClearError()
    {
        using var model = new LanguageModel<float>(_cpu, Small("lstm", 4), new RandomStream(1));
        Assert.That(() => new LanguageModelTrainable<float>(model, [0, 1, 2, 3, 0, 1], [], batch: 2, bptt: 8, seed: 1),
            Throws.ArgumentException.With.Message.Contains("6 training tokens"));
    }

    [TestCase("lstm")]
    [TestCase("rnn")]
    [TestCase("transformer")]
    public void DecoderStepsGiveTheFullForwardsLogits(string arch)
    {
        var tok = CharTokenizer.Train(Text);
        int[] ids = tok.Encode(Text)[..12];
        var config = Small(arch, tok.VocabularySize) with { Layers = 2, Positions = "sinusoidal" };
        using var model = new LanguageModel<double>(_cpuD, config, new RandomStream(6));
        model.Forward(ids, ids, ids.Length, 1);
        double[] full = _cpuD.ToArray(model.Logits);
        using var decoder = new LanguageModelDecoder<double>(model);
        int v = tok.VocabularySize;
        for (int t = 0; t < ids.Length; t++)
        {
            double[] step = decoder.Feed(ids[t]).ToArray();
            Assert.That(step, Is.EqualTo(full.AsSpan(t * v, v).ToArray()).Within(1e-10), $"position {t}");
        }
    }

    [Test]
    public void TransformerDecoderSlidesPastItsContext()
    {
        var tok = CharTokenizer.Train(Text);
        int[] ids = tok.Encode(Text)[..18];
        var config = Small("transformer", tok.VocabularySize) with { ContextLength = 8 };
        using var model = new LanguageModel<double>(_cpuD, config, new RandomStream(7));
        using var decoder = new LanguageModelDecoder<double>(model);
        double[] last = [];
        foreach (int id in ids) last = decoder.Feed(id).ToArray();
        // Context 8: tokens 1-8 fill the cache; token 9 keeps 5-8 (re-encoded from position 0) and adds itself; token 13
        // keeps 9-12; so after 18 tokens the cache holds tokens 13-18. The last logits equal a fresh forward over them.
        int[] tail = ids[12..];
        int kept = tail.Length;
        model.Forward(tail, tail, tail.Length, 1);
        double[] full = _cpuD.ToArray(model.Logits);
        Assert.That(last, Is.EqualTo(full.AsSpan((kept - 1) * tok.VocabularySize, tok.VocabularySize).ToArray()).Within(1e-10));
    }
}
