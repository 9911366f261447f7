using SeqCore.Cpu;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>
/// <see cref="IModelKind.WorkingMemory"/> against what a step really allocates on the CPU backend (its peak of live
/// bytes beyond the model's parameters and gradients): for every kind the estimate is an upper bound within
/// <see cref="ModelBudget.WorkingMemoryFactor"/>; and a run whose activations exceed the budget is refused naming the
/// bytes and the largest term.
/// </summary>
public class WorkingMemoryTests
{
    /// <summary>Peak bytes one training step (or one held-out evaluation) allocates beyond what is live before it.</summary>
    private static long Measure(CpuBackend<float> be, Action step)
    {
        be.ResetPeakBytes();
        long before = be.LiveBytes;
        step();
        return be.PeakBytes - before;
    }

    private static void AssertBound(IModelKind kind, IModelConfig config, RunShape shape, long measured)
    {
        long estimate = MemoryTerm.Total(kind.WorkingMemory(config, shape, sizeof(float)));
        TestContext.Out.WriteLine($"{kind.Name} {shape}: measured {measured:N0}, estimated {estimate:N0} ({(double)estimate / measured:F2}×)");
        Assert.That(measured, Is.Positive);
        Assert.That(estimate, Is.GreaterThanOrEqualTo(measured), "an upper bound");
        Assert.That(estimate, Is.LessThanOrEqualTo((long)ModelBudget.WorkingMemoryFactor * measured), "within the documented factor");
    }

    private static int[] Tokens(int n, int vocabulary)
    {
        var r = new RandomStream(7);
        return Enumerable.Range(0, n).Select(_ => r.NextInt(vocabulary)).ToArray();
    }

    [TestCase("lstm", 4, 16)]
    [TestCase("gru", 8, 32)]
    [TestCase("transformer", 4, 16)]
    public void Language_model_training_and_evaluation(string arch, int batch, int window)
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var config = new LanguageModelConfig { Arch = arch, VocabularySize = 40, EmbeddingSize = 16, HiddenSize = 24, Layers = 2, Heads = 2, ContextLength = window };
        var ids = Tokens(batch * window * 4 + 1, config.VocabularySize);
        // Each on a fresh model: the layers keep their buffers for the next step, which would reuse them.
        foreach (bool training in new[] { true, false })
        {
            using var model = new LanguageModel<float>(be, config, new RandomStream(1));
            using var data = new LanguageModelTrainable<float>(model, ids, ids[..(batch * window + 1)], batch, window, seed: 1);
            AssertBound(LanguageModelKind.Instance, config, new RunShape(batch, window), Measure(be, training ? () => data.TrainBatch(1) : () => data.Evaluate()));
        }
    }

    [TestCase(CellKind.Lstm)]
    [TestCase(CellKind.Gru)]
    public void Forecaster_training(CellKind cell)
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var series = new ForecastSeries(Enumerable.Range(0, 200).Select(i => Math.Sin(i / 5.0)).ToArray());
        var config = ForecastTransform.FitScaling(new ForecasterConfig { Cell = cell, HiddenSize = 16, Layers = 2, Window = 24 }, series, 180);
        using var model = new Forecaster<float>(be, config, new RandomStream(3));
        using var data = new ForecasterTrainable<float>(model, series, validationSteps: 16, batchSize: 8, new RandomStream(4));
        AssertBound(ForecasterKind.Instance, config, new RunShape(8, config.Window), Measure(be, () => data.TrainBatch(1)));
    }

    [TestCase("lstm")]
    [TestCase("conv")]
    public void Classifier_training(string encoder)
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var config = new SequenceClassifierConfig { VocabularySize = 30, Classes = 3, EmbeddingSize = 16, HiddenSize = 24, Encoder = encoder, KernelSize = 3, Dropout = 0 };
        using var model = new SequenceClassifier<float>(be, config, new RandomStream(1));
        const int Batch = 16, Length = 20;
        var texts = Enumerable.Range(0, 64).Select(i => Tokens(Length, 30)).ToArray();
        var labels = Enumerable.Range(0, 64).Select(i => i % 3).ToArray();
        var data = new ClassifierTrainable<float>(model, texts, labels, null, null, batchSize: Batch, seed: 5);
        AssertBound(ClassifierKind.Instance, config, new RunShape(Batch, Length), Measure(be, () => data.TrainBatch(1)));
    }

    [TestCase("lstm")]
    [TestCase("transformer")]
    public void Tagger_training(string encoder)
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var config = new TaggerConfig { VocabularySize = 30, Tags = 5, EmbeddingSize = 16, HiddenSize = 24, Encoder = encoder, Heads = 2, MaxLength = 64, Dropout = 0 };
        using var model = new SequenceTagger<float>(be, config, new RandomStream(1));
        const int Batch = 16, Length = 20;
        var texts = Enumerable.Range(0, 64).Select(i => Tokens(Length, 30)).ToArray();
        var tags = texts.Select(t => t.Select(v => v % 5).ToArray()).ToArray();
        var data = new TaggerTrainable<float>(model, texts, tags, null, null, batchSize: Batch, seed: 5);
        // A training batch is padded to its bucket length.
        AssertBound(TaggerKind.Instance, config, new RunShape(Batch, TaggerTrainable<float>.BucketOf(Length)), Measure(be, () => data.TrainBatch(1)));
    }

    [Test]
    public void Word2vec_training()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        string[] corpus = Enumerable.Range(0, 200).Select(i => $"w{i % 17} w{(i * 7) % 13} w{(i * 3) % 11} w{i % 5}").ToArray();
        var vocabulary = Word2VecVocabulary.Build(corpus, minCount: 1);
        var sampler = new SkipGramSampler(vocabulary.Encode(corpus), vocabulary, window: 2, negatives: 4, subsample: 0, new RandomStream(2));
        using var model = new Word2Vec<float>(be, vocabulary, 32, new RandomStream(1));
        var data = new Word2VecTrainable<float>(model, sampler, batch: 64);
        var config = new Word2VecConfig { VocabularySize = vocabulary.Count, EmbeddingSize = 32 };
        AssertBound(Word2VecKind.Instance, config, new RunShape(64, 1 + 4), Measure(be, () => data.TrainBatch(1)));
    }

    [TestCase(CellKind.Lstm, Seq2SeqAttention.Additive)]
    [TestCase(CellKind.Gru, Seq2SeqAttention.General)]
    public void Seq2seq_training(CellKind cell, Seq2SeqAttention attention)
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var r = new RandomStream(3);
        // Every pair of the same lengths, so each batch is the run shape exactly.
        const int Batch = 16, SourceChars = 12, TargetChars = 10;
        string Word(int n) => new([.. Enumerable.Range(0, n).Select(_ => (char)('a' + r.NextInt(6)))]);
        var pairs = Enumerable.Range(0, 64).Select(_ => (Word(SourceChars), Word(TargetChars))).ToList();
        var vocabulary = Seq2SeqVocabulary.Build(pairs);
        var examples = pairs.Select(p => new Seq2SeqExample(vocabulary.EncodeSource(p.Item1), vocabulary.EncodeTarget(p.Item2))).ToList();
        var config = new Seq2SeqConfig
        {
            SourceVocabularySize = vocabulary.SourceSize, TargetVocabularySize = vocabulary.TargetSize, EmbeddingSize = 16, HiddenSize = 24,
            Cell = cell, Attention = attention, Bidirectional = true, InputFeeding = true,
        };
        using var model = new Seq2Seq<float>(be, config, new RandomStream(1));
        var data = new Seq2SeqTrainable<float>(model, examples, examples[..Batch], Batch, teacherForcing: 1.0, seed: 2);
        var shape = new RunShape(Batch, examples.Max(e => e.Source.Length), examples.Max(e => e.Target.Length));
        AssertBound(Seq2SeqKind.Instance, config, shape, Measure(be, () => data.TrainBatch(1)));
    }

    [TestCase(true, 0.0)]
    [TestCase(false, 0.1)]
    public void Transformer_seq2seq_training(bool normFirst, double dropout)
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var r = new RandomStream(3);
        const int Batch = 16, SourceChars = 12, TargetChars = 10;
        string Word(int n) => new([.. Enumerable.Range(0, n).Select(_ => (char)('a' + r.NextInt(6)))]);
        var pairs = Enumerable.Range(0, 64).Select(_ => (Word(SourceChars), Word(TargetChars))).ToList();
        var vocabulary = Seq2SeqVocabulary.Build(pairs);
        var examples = pairs.Select(p => new Seq2SeqExample(vocabulary.EncodeSource(p.Item1), vocabulary.EncodeTarget(p.Item2))).ToList();
        var config = new TransformerSeq2SeqConfig
        {
            SourceVocabularySize = vocabulary.SourceSize, TargetVocabularySize = vocabulary.TargetSize, EmbeddingSize = 16, Heads = 2,
            EncoderLayers = 2, DecoderLayers = 2, NormFirst = normFirst, Dropout = dropout, MaxLength = 16,
        };
        using var model = new TransformerSeq2Seq<float>(be, config, new RandomStream(1));
        var data = new TransformerSeq2SeqTrainable<float>(model, examples, examples[..Batch], Batch, seed: 2);
        var shape = new RunShape(Batch, examples.Max(e => e.Source.Length), examples.Max(e => e.Target.Length) + 1);
        AssertBound(TransformerSeq2SeqKind.Instance, config, shape, Measure(be, () => data.TrainBatch(1)));
    }

    /// <summary>Beam decoding (the shape translate and eval check): an upper bound on what decoding allocates, and far
    /// below a training step of the same batch, which the decoding check used before (it refused the Bible model's
    /// beam 5 × 64 sentences as 40 GB).</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Seq2seq_beam_decoding(bool transformer)
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var r = new RandomStream(5);
        const int Sentences = 8, Beam = 4, SourceChars = 14;
        string Word(int n) => new([.. Enumerable.Range(0, n).Select(_ => (char)('a' + r.NextInt(6)))]);
        var pairs = Enumerable.Range(0, 32).Select(_ => (Word(SourceChars), Word(10))).ToList();
        var vocabulary = Seq2SeqVocabulary.Build(pairs);
        int[][] sources = [.. pairs.Take(Sentences).Select(p => vocabulary.EncodeSource(p.Item1))];
        var options = new Seq2SeqDecodeOptions { BeamWidth = Beam, Sentences = Sentences, MaxLengthRatio = 1, MaxLengthExtra = 4 };
        IModelKind kind;
        IModelConfig config;
        ISeq2SeqModel<float> model;
        if (transformer)
        {
            var c = new TransformerSeq2SeqConfig
            {
                SourceVocabularySize = vocabulary.SourceSize, TargetVocabularySize = vocabulary.TargetSize, EmbeddingSize = 16, Heads = 2,
                EncoderLayers = 2, DecoderLayers = 2, MaxLength = 32,
            };
            (kind, config, model) = (TransformerSeq2SeqKind.Instance, c, new TransformerSeq2Seq<float>(be, c, new RandomStream(1)));
        }
        else
        {
            var c = new Seq2SeqConfig
            {
                SourceVocabularySize = vocabulary.SourceSize, TargetVocabularySize = vocabulary.TargetSize, EmbeddingSize = 16, HiddenSize = 24,
                Attention = Seq2SeqAttention.General, Bidirectional = true,
            };
            (kind, config, model) = (Seq2SeqKind.Instance, c, new Seq2Seq<float>(be, c, new RandomStream(1)));
        }
        using var _ = (IDisposable)model;
        int longest = sources.Max(x => x.Length);
        var shape = new RunShape(Beam * Sentences, longest, options.MaxLengthFor(longest)) { Decoding = true };
        AssertBound(kind, config, shape, Measure(be, () => Seq2SeqDecoder.Decode(model, sources, options)));
        long training = MemoryTerm.Total(kind.WorkingMemory(config, shape with { Decoding = false }, sizeof(float)));
        Assert.That(MemoryTerm.Total(kind.WorkingMemory(config, shape, sizeof(float))), Is.LessThan(training), "decoding holds no step's activations");
    }

    [Test]
    public void The_bible_transformer_decodes_64_sentences_with_beam_5_in_under_two_gigabytes()
    {
        // docs/translation.md's model; Acts' longest verse is about 120 source ids, so at most 2·120 + 10 output ids.
        var config = new TransformerSeq2SeqConfig
        {
            SourceVocabularySize = 8259, TargetVocabularySize = 8259, ShareEmbeddings = true, EmbeddingSize = 256, Heads = 4,
            EncoderLayers = 3, DecoderLayers = 3, FeedForwardSize = 1024, MaxLength = 256,
        };
        var shape = new RunShape(5 * 64, 120, 250) { Decoding = true };
        long decoding = MemoryTerm.Total(TransformerSeq2SeqKind.Instance.WorkingMemory(config, shape, sizeof(float)));
        long training = MemoryTerm.Total(TransformerSeq2SeqKind.Instance.WorkingMemory(config, shape with { Decoding = false }, sizeof(float)));
        Assert.That(decoding, Is.LessThan(2L << 30));
        Assert.That(training, Is.GreaterThan(16L << 30), "the training-step estimate the check used before");
    }

    [Test]
    public void A_run_whose_activations_exceed_the_budget_is_refused_naming_the_bytes_and_the_largest_term()
    {
        var config = new LanguageModelConfig { Arch = "lstm", VocabularySize = 65, EmbeddingSize = 64, HiddenSize = 1024 };
        var kind = LanguageModelKind.Instance;
        long parameters = kind.ParameterCount(config);
        var working = kind.WorkingMemory(config, new RunShape(4096, 2048), sizeof(float));
        var e = Assert.Throws<ArgumentException>(() => ModelBudget.Check(parameters, sizeof(float), 8L << 30, working))!;
        Assert.That(e.Message, Does.Contain("recurrent layers: batch 4096 × steps 2048 × layers 1 × directions 1 × hidden 1024")
            .And.Contain("above the memory budget of 8,589,934,592 bytes"));
        // The same model with a small run fits.
        Assert.DoesNotThrow(() => ModelBudget.Check(parameters, sizeof(float), 8L << 30, kind.WorkingMemory(config, new RunShape(32, 64), sizeof(float))));
    }

    [Test]
    public void Terms_saturate_instead_of_overflowing()
    {
        var term = MemoryTerm.Product("huge", 8, ("a", int.MaxValue), ("b", int.MaxValue), ("c", int.MaxValue));
        Assert.That(term.Bytes, Is.EqualTo(long.MaxValue));
        Assert.That(MemoryTerm.Total([term, term]), Is.EqualTo(long.MaxValue));
    }
}
