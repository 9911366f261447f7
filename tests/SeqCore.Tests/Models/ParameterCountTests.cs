using SeqCore.Cpu;
using SeqCore.Layers;
using SeqCore.Layers.Attention;
using SeqCore.Layers.Recurrent;
using SeqCore.Layers.Transformer;
using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Tests.Models;

/// <summary>
/// <see cref="IModelKind.ParameterCount"/> and the layers' <c>CountParameters</c>: the count from a config equals the
/// elements of the parameters the built model holds, for every kind and its variants, and an overflowing config throws
/// rather than wrapping.
/// </summary>
public class ParameterCountTests
{
    private CpuBackend<double> _cpu = null!;

    [OneTimeSetUp] public void Setup() => _cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
    [OneTimeTearDown] public void TearDown() => _cpu.Dispose();

    private static long Held(IEnumerable<Parameter<double>> parameters) => parameters.Sum(p => (long)p.Value.Length);

    private static IEnumerable<TestCaseData> Configs()
    {
        foreach (string arch in CellCatalogue.Names)
            foreach (bool tie in new[] { false, true })
                yield return Case($"lm {arch} tie={tie}", new LanguageModelConfig { Arch = arch, VocabularySize = 11, EmbeddingSize = 6, HiddenSize = tie ? 6 : 5, Layers = 3, TieWeights = tie });
        foreach (string positions in new[] { "learned", "sinusoidal" })
            foreach (bool tie in new[] { false, true })
                yield return Case($"lm transformer {positions} tie={tie}", new LanguageModelConfig
                {
                    Arch = "transformer", VocabularySize = 9, EmbeddingSize = 8, Heads = 2, Layers = 2, ContextLength = 7, Positions = positions, TieWeights = tie,
                });
        yield return Case("lm transformer ff=12", new LanguageModelConfig { Arch = "transformer", VocabularySize = 9, EmbeddingSize = 4, Heads = 1, Layers = 1, ContextLength = 5, FeedForwardSize = 12 });
        foreach (var cell in CellCatalogue.All)
            yield return Case($"forecaster {cell.Name}", new ForecasterConfig { Cell = cell.Kind, Inputs = ["a", "b"], HiddenSize = 5, Layers = 2 });
        foreach (string encoder in CellCatalogue.Names)
            foreach (bool bidirectional in new[] { false, true })
                yield return Case($"classifier {encoder} bidirectional={bidirectional}", new SequenceClassifierConfig
                {
                    VocabularySize = 13, Classes = 3, EmbeddingSize = 4, Encoder = encoder, HiddenSize = 5, Layers = 2, Bidirectional = bidirectional,
                });
        yield return Case("classifier conv", new SequenceClassifierConfig { VocabularySize = 13, Classes = 4, EmbeddingSize = 4, Encoder = "conv", HiddenSize = 6, KernelSize = 3 });
        yield return Case("classifier keras: lstm backwards, dense 7,3, binary", new SequenceClassifierConfig
        {
            VocabularySize = 13, Classes = 2, EmbeddingSize = 4, Encoder = "lstm", HiddenSize = 5, GoBackwards = true, HiddenLayers = [7, 3], Head = ClassifierHead.Binary,
        });
        foreach (string encoder in CellCatalogue.Names)
            foreach (bool bidirectional in new[] { false, true })
                yield return Case($"tagger {encoder} bidirectional={bidirectional}", new TaggerConfig
                {
                    VocabularySize = 13, Tags = 3, EmbeddingSize = 4, Encoder = encoder, HiddenSize = 5, Layers = 2, Bidirectional = bidirectional,
                });
        yield return Case("tagger transformer", new TaggerConfig { VocabularySize = 13, Tags = 4, EmbeddingSize = 8, Encoder = "transformer", Heads = 2, Layers = 2, FeedForwardSize = 12, MaxLength = 9 });
        foreach (var cell in CellCatalogue.All)
            foreach (var attention in Enum.GetValues<Seq2SeqAttention>())
                foreach (bool bidirectional in new[] { false, true })
                    yield return Case($"seq2seq {cell.Name} {attention} bidirectional={bidirectional}", new Seq2SeqConfig
                    {
                        SourceVocabularySize = 7, TargetVocabularySize = 9, EmbeddingSize = 4, HiddenSize = 3, Cell = cell.Kind, Attention = attention,
                        Bidirectional = bidirectional, InputFeeding = !bidirectional, AttentionSize = attention == Seq2SeqAttention.Additive && bidirectional ? 5 : 0,
                    });
        yield return Case("word2vec", new Word2VecConfig { VocabularySize = 10, EmbeddingSize = 7 });
    }

    private static TestCaseData Case(string name, IModelConfig config) => new TestCaseData(config).SetName(name);

    [TestCaseSource(nameof(Configs))]
    public void The_count_from_the_config_is_what_the_built_model_holds(IModelConfig config)
    {
        var kind = ModelKinds.Get(config.Model, "test");
        long before = _cpu.LiveBytes;
        var (parameters, model) = Build(config);
        using (model) Assert.That(kind.ParameterCount(config), Is.EqualTo(Held(parameters)));
        Assert.That(_cpu.LiveBytes, Is.EqualTo(before), "disposing the model frees every tensor it allocated");
    }

    /// <summary>The model as its kind's constructor makes it (the kinds' Build needs a checkpoint's metadata besides).</summary>
    private (IReadOnlyList<Parameter<double>> Parameters, IDisposable Model) Build(IModelConfig config)
    {
        var init = new RandomStream(3);
        if (config is SequenceClassifierConfig classifier)
        {
            var network = new SequenceClassifier<double>(_cpu, classifier, init);
            return (network.Parameters, network);
        }
        if (config is TaggerConfig tagger)
        {
            var network = new SequenceTagger<double>(_cpu, tagger, init);
            return (network.Parameters, network);
        }
        ISequenceModel<double> model = config switch
        {
            LanguageModelConfig c => new LanguageModel<double>(_cpu, c, init),
            ForecasterConfig c => new Forecaster<double>(_cpu, c, init),
            Seq2SeqConfig c => new Seq2Seq<double>(_cpu, c, init),
            Word2VecConfig c => new Word2Vec<double>(_cpu, new Word2VecVocabulary([.. Enumerable.Range(0, c.VocabularySize).Select(i => $"w{i}")],
                [.. Enumerable.Repeat(1L, c.VocabularySize)]), c.EmbeddingSize, init),
            _ => throw new ArgumentException($"no builder for {config.GetType().Name}"),
        };
        return (model.Parameters, model);
    }

    private static IEnumerable<TestCaseData> RecurrentOptionSets()
    {
        foreach (var cell in CellCatalogue.All)
            foreach (bool bidirectional in new[] { false, true })
                foreach (bool bias in new[] { false, true })
                    yield return new TestCaseData(new RecurrentOptions { Cell = cell.Kind, InputSize = 3, HiddenSize = 4, Layers = 3, Bidirectional = bidirectional, Bias = bias })
                        .SetName($"recurrent {cell.Name} bidirectional={bidirectional} bias={bias}");
        yield return new TestCaseData(new RecurrentOptions { Cell = CellKind.Lstm, InputSize = 3, HiddenSize = 6, ProjectionSize = 2, Layers = 2, Bidirectional = true })
            .SetName("recurrent lstm projection");
        yield return new TestCaseData(new RecurrentOptions { Cell = CellKind.Lstm, InputSize = 3, HiddenSize = 4, Peepholes = true, Layers = 2 })
            .SetName("recurrent lstm peepholes");
    }

    [TestCaseSource(nameof(RecurrentOptionSets))]
    public void A_recurrent_layer_count_covers_projection_peepholes_bias_and_directions(RecurrentOptions options)
    {
        long before = _cpu.LiveBytes;
        using (var layer = new RecurrentLayer<double>(_cpu, options, new RandomStream(1)))
            Assert.That(RecurrentLayer.CountParameters(options), Is.EqualTo(Held(layer.Parameters)));
        Assert.That(_cpu.LiveBytes, Is.EqualTo(before), "disposing the layer frees every tensor it allocated");
    }

    [Test]
    public void The_other_layers_count_what_they_create()
    {
        var init = new RandomStream(2);
        using var linear = new Linear<double>(_cpu, 5, 3, init, bias: false);
        using var embedding = new Embedding<double>(_cpu, 7, 4, init);
        using var conv = new Conv1d<double>(_cpu, 3, 5, 3, init);
        using var norm = new LayerNorm<double>(_cpu, 6);
        using var attention = new MultiHeadAttention<double>(_cpu, new MultiHeadAttentionOptions { EmbeddingSize = 6, Heads = 2, Bias = false }, init);
        using var additive = new AdditiveAttention<double>(_cpu, 4, 5, 3, init, bias: false);
        using var general = new DotProductAttention<double>(_cpu, LuongScore.General, 4, 5, init);
        using var positions = new LearnedPositionalEncoding<double>(_cpu, 9, 4, init);
        var stackOptions = new TransformerOptions { EmbeddingSize = 4, Heads = 2, FeedForwardSize = 6, Layers = 2, FinalNorm = false };
        using var stack = new TransformerStack<double>(_cpu, stackOptions, init);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Linear.CountParameters(5, 3, bias: false), Is.EqualTo(Held(linear.Parameters)));
            Assert.That(Embedding.CountParameters(7, 4), Is.EqualTo(Held(embedding.Parameters)));
            Assert.That(Conv1d.CountParameters(3, 5, 3), Is.EqualTo(Held(conv.Parameters)));
            Assert.That(LayerNorm.CountParameters(6), Is.EqualTo(Held(norm.Parameters)));
            Assert.That(MultiHeadAttention.CountParameters(attention.Options), Is.EqualTo(Held(attention.Parameters)));
            Assert.That(AdditiveAttention.CountParameters(4, 5, 3, bias: false), Is.EqualTo(Held(additive.Parameters)));
            Assert.That(DotProductAttention.CountParameters(LuongScore.General, 4, 5), Is.EqualTo(Held(general.Parameters)));
            Assert.That(DotProductAttention.CountParameters(LuongScore.Dot, 4, 4), Is.Zero);
            Assert.That(LearnedPositionalEncoding.CountParameters(9, 4), Is.EqualTo(Held(positions.Parameters)));
            Assert.That(TransformerStack.CountParameters(stackOptions), Is.EqualTo(Held(stack.Parameters)));
        }
    }

    [Test]
    public void Counts_that_overflow_throw_instead_of_wrapping()
    {
        // Configs built in code skip Validate's limits; the count must still refuse to wrap.
        var huge = new LanguageModelConfig { Arch = "lstm", VocabularySize = int.MaxValue, EmbeddingSize = int.MaxValue, HiddenSize = int.MaxValue, Layers = int.MaxValue };
        var deep = new LanguageModelConfig { Arch = "transformer", VocabularySize = 10, EmbeddingSize = 1 << 29, Heads = 1, Layers = int.MaxValue };
        var wide = new Seq2SeqConfig { SourceVocabularySize = 10, TargetVocabularySize = 10, EmbeddingSize = 4, HiddenSize = int.MaxValue, Bidirectional = true };
        var classes = new SequenceClassifierConfig { VocabularySize = int.MaxValue, Classes = 2, EmbeddingSize = 4 };
        using (Assert.EnterMultipleScope())
        {
            Assert.Throws(Is.InstanceOf<OverflowException>(), () => LanguageModelKind.Instance.ParameterCount(huge));
            Assert.Throws(Is.InstanceOf<OverflowException>(), () => LanguageModelKind.Instance.ParameterCount(deep));
            Assert.Throws(Is.InstanceOf<OverflowException>(), () => Seq2SeqKind.Instance.ParameterCount(wide));
            Assert.Throws(Is.InstanceOf<OverflowException>(), () => ClassifierKind.Instance.ParameterCount(classes));
            Assert.Throws(Is.InstanceOf<OverflowException>(), () => RecurrentLayer.CountParameters(new RecurrentOptions { InputSize = int.MaxValue, HiddenSize = int.MaxValue, Layers = int.MaxValue }));
            Assert.Throws(Is.InstanceOf<OverflowException>(), () => Conv1d.CountParameters(int.MaxValue, int.MaxValue, int.MaxValue));
        }
    }

    [Test]
    public void A_large_config_is_counted_exactly_without_building_it()
    {
        // 1024 LSTM layers of width 65,536 (the limits): about 5.3e13 parameters, far beyond int and any memory.
        var config = new LanguageModelConfig { Arch = "lstm", VocabularySize = 1 << 24, EmbeddingSize = 1 << 16, HiddenSize = 1 << 16, Layers = 1024 };
        config.Validate();
        long h = 1 << 16, v = 1 << 24;
        long expected = v * h + 1024 * (4 * h * h + 4 * h * h + 8 * h) + (v * h + v);
        Assert.That(LanguageModelKind.Instance.ParameterCount(config), Is.EqualTo(expected));
    }
}
