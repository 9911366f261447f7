using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Text;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>
/// The sequence classifier learns small synthetic tasks (does a sequence contain token 3? parity of short bit strings)
/// with every encoder and pooling, its output for a sequence does not depend on the rest of the batch (padding never
/// leaks), and its checkpoints round-trip bit for bit with the tokenizer and labels.
/// </summary>
public class SequenceClassifierTests
{
    private static CpuBackend<float> _cpu = null!;

    [OneTimeSetUp] public void SetUp() => _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
    [OneTimeTearDown] public void TearDown() => _cpu.Dispose();

    /// <summary>Random sequences over 6 tokens, lengths 2–9, labelled 1 when token 3 occurs; about half of each.</summary>
    private static (int[][] X, int[] Y) ContainsThree(int count, ulong seed)
    {
        var r = new RandomStream(seed);
        var x = new int[count][];
        var y = new int[count];
        for (int i = 0; i < count; i++)
        {
            int length = 2 + r.NextInt(8);
            bool positive = i % 2 == 0;
            var s = new int[length];
            for (int t = 0; t < length; t++) { int v = r.NextInt(5); s[t] = v >= 3 ? v + 1 : v; } // tokens 0,1,2,4,5
            if (positive) s[r.NextInt(length)] = 3;
            (x[i], y[i]) = (s, positive ? 1 : 0);
        }
        return (x, y);
    }

    private static SequenceClassifierConfig Small(string encoder, ClassifierPooling pooling, bool bidirectional = false) => new()
    {
        VocabularySize = 6, Classes = 2, EmbeddingSize = 8, HiddenSize = 16, Encoder = encoder, Pooling = pooling,
        Bidirectional = bidirectional, KernelSize = 3, Dropout = 0,
    };

    private static TrainingResult Train(SequenceClassifier<float> model, int[][] x, int[] y, int steps, double lr, (int[][], int[])? valid = null)
    {
        var training = new ClassifierTrainable<float>(model, x, y, valid?.Item1, valid?.Item2, batchSize: 32, seed: 5);
        using var adam = new Adam<float>(_cpu, model.Parameters, lr);
        return new Trainer<float>(_cpu, adam, new TrainerOptions { Steps = steps, ClipNorm = 1, EvalEvery = valid is null ? 0 : 25 }).Run(training);
    }

    [TestCase("lstm", ClassifierPooling.Max, false)]
    [TestCase("lstm", ClassifierPooling.Last, false)]
    [TestCase("gru", ClassifierPooling.Mean, true)]
    [TestCase("gru", ClassifierPooling.Last, true)]
    [TestCase("conv", ClassifierPooling.Max, false)]
    [TestCase("conv", ClassifierPooling.Mean, false)]
    public void Learns_whether_a_sequence_contains_token_3(string encoder, ClassifierPooling pooling, bool bidirectional)
    {
        var (x, y) = ContainsThree(512, 11);
        var (vx, vy) = ContainsThree(200, 12);
        using var model = new SequenceClassifier<float>(_cpu, Small(encoder, pooling, bidirectional), new RandomStream(3));
        var (startLoss, _) = ClassifierTrainable<float>.LossAndAccuracy(model, vx, vy);
        var result = Train(model, x, y, 120, 0.01);
        var (loss, accuracy) = ClassifierTrainable<float>.LossAndAccuracy(model, vx, vy);
        TestContext.Out.WriteLine($"{encoder}/{pooling}: held-out loss {startLoss:F4} → {loss:F4}, accuracy {accuracy:F3}, {result.Elapsed.TotalSeconds:F2} s");
        Assert.That(startLoss, Is.GreaterThan(0.6));
        Assert.That(loss, Is.LessThan(0.5 * startLoss));
        Assert.That(accuracy, Is.GreaterThan(0.9));
    }

    [Test]
    public void Learns_the_parity_of_short_bit_strings()
    {
        // Every bit string of length 1–6 (126 of them): label = number of ones mod 2. Tokens 0 and 1.
        var x = new List<int[]>();
        var y = new List<int>();
        for (int length = 1; length <= 6; length++)
            for (int bits = 0; bits < 1 << length; bits++)
            {
                x.Add([.. Enumerable.Range(0, length).Select(t => (bits >> t) & 1)]);
                y.Add(int.PopCount(bits) % 2);
            }
        var config = new SequenceClassifierConfig { VocabularySize = 2, Classes = 2, EmbeddingSize = 4, HiddenSize = 16, Encoder = "gru", Pooling = ClassifierPooling.Last, Dropout = 0 };
        using var model = new SequenceClassifier<float>(_cpu, config, new RandomStream(4));
        var (startLoss, _) = ClassifierTrainable<float>.LossAndAccuracy(model, x, y);
        Train(model, [.. x], [.. y], 400, 0.02);
        var (loss, accuracy) = ClassifierTrainable<float>.LossAndAccuracy(model, x, y);
        TestContext.Out.WriteLine($"parity: loss {startLoss:F4} → {loss:F4}, accuracy {accuracy:F3}");
        Assert.That(startLoss, Is.GreaterThan(0.65));
        Assert.That(loss, Is.LessThan(0.2));
        Assert.That(accuracy, Is.EqualTo(1.0));
    }

    [TestCase("lstm", ClassifierPooling.Mean, true)]
    [TestCase("lstm", ClassifierPooling.Max, false)]
    [TestCase("lstm", ClassifierPooling.Last, true)]
    [TestCase("gru", ClassifierPooling.Mean, false)]
    [TestCase("gru", ClassifierPooling.Max, true)]
    [TestCase("gru", ClassifierPooling.Last, false)]
    [TestCase("conv", ClassifierPooling.Mean, false)]
    [TestCase("conv", ClassifierPooling.Max, false)]
    [TestCase("conv", ClassifierPooling.Last, false)]
    public void A_sequence_gets_the_same_logits_alone_and_padded_in_a_batch_of_longer_ones(string encoder, ClassifierPooling pooling, bool bidirectional)
    {
        using var cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new SequenceClassifier<double>(cpu, Small(encoder, pooling, bidirectional) with { Layers = encoder == SequenceClassifierConfig.ConvEncoder ? 1 : 2 }, new RandomStream(9));
        int[] shortOne = [4, 1, 2];
        double[] alone = cpu.ToArray(model.Forward([shortOne]));
        double[] batched = cpu.ToArray(model.Forward([[0, 5, 5, 2, 1, 3, 3, 4, 0], shortOne, [2, 2, 2, 2, 2, 2]]));
        // Row 1 of the batch is the short sequence, padded to 9 steps with the padding id.
        Assert.That(batched[2..4], Is.EqualTo(alone).Within(1e-12));
        Assert.That(batched[0..2], Is.Not.EqualTo(alone).Within(1e-6)); // and the others do differ
    }

    [Test]
    public void Padding_row_stays_zero_and_gets_no_gradient()
    {
        using var model = new SequenceClassifier<float>(_cpu, Small(SequenceClassifierConfig.ConvEncoder, ClassifierPooling.Mean), new RandomStream(2));
        var (x, y) = ContainsThree(64, 3);
        Train(model, x, y, 10, 0.05);
        float[] table = _cpu.ToArray(model.Parameters[0].Value);
        Assert.That(table[(6 * 8)..], Is.All.Zero, "row V (the padding id) of embedding.weight");
        Assert.That(table[..(6 * 8)], Has.Some.Not.Zero);
    }

    [Test]
    public void Checkpoint_round_trip_is_bit_exact_with_tokenizer_and_labels()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"seqcore-cls-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var tokenizer = CharTokenizer.Train("abcdefgh", "<unk>");
            var config = Small("lstm", ClassifierPooling.Last, bidirectional: true) with { VocabularySize = tokenizer.VocabularySize, Classes = 3, Dropout = 0.2, MaxLength = 5 };
            using var model = new SequenceClassifier<float>(_cpu, config, new RandomStream(6));
            var classifier = new TextClassifier<float>(model, tokenizer, ["x", "y", "zed"]);
            string path = Path.Combine(dir, "c.safetensors");
            classifier.Save(path);
            Assert.That(Directory.GetFiles(dir), Is.EqualTo(new[] { path }), "no temporary file left");
            using var loaded = TextClassifier<float>.Load(path, _cpu);
            Assert.That(loaded.Model.Config, Is.EqualTo(config));
            Assert.That(loaded.Labels, Is.EqualTo(new[] { "x", "y", "zed" }));
            Assert.That(loaded.Tokenizer.Encode("hag?"), Is.EqualTo(tokenizer.Encode("hag?")));
            for (int i = 0; i < model.Parameters.Count; i++)
            {
                Assert.That(loaded.Model.Parameters[i].Name, Is.EqualTo(model.Parameters[i].Name));
                Assert.That(_cpu.ToArray(loaded.Model.Parameters[i].Value), Is.EqualTo(_cpu.ToArray(model.Parameters[i].Value)), model.Parameters[i].Name);
            }
            string[] texts = ["abc", "hhhhhhhhhh", "g"];
            Assert.That(loaded.Predict(texts), Is.EqualTo(classifier.Predict(texts)));
            Assert.That(model.Parameters.Select(p => p.Name), Is.EqualTo(new[]
            {
                "embedding.weight", "encoder.weight_ih_l0", "encoder.weight_hh_l0", "encoder.bias_ih_l0", "encoder.bias_hh_l0",
                "encoder.weight_ih_l0_reverse", "encoder.weight_hh_l0_reverse", "encoder.bias_ih_l0_reverse", "encoder.bias_hh_l0_reverse",
                "head.weight", "head.bias",
            }));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Test]
    public void Loading_a_checkpoint_that_is_not_a_classifier_names_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"seqcore-notcls-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
            using var linear = new SeqCore.Layers.Linear<float>(cpu, 2, 2, new RandomStream(1));
            Checkpoint.Save(path, cpu, linear.Parameters, new Dictionary<string, string>());
            var e = Assert.Throws<InvalidDataException>(() => TextClassifier<float>.Load(path, cpu));
            Assert.That(e!.Message, Does.Contain(path).And.Contain("seqcore.config"));
            Checkpoint.Save(path, cpu, linear.Parameters, new Dictionary<string, string> { [Checkpoint.ConfigKey] = "{\"model\":\"sequence-classifier\",\"vocabulary_size\":3,\"classes\":2,\"encoder\":\"transformer\"}" });
            e = Assert.Throws<InvalidDataException>(() => TextClassifier<float>.Load(path, cpu));
            Assert.That(e!.Message, Does.Contain(path).And.Contain("transformer"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Config_json_round_trips_and_bad_values_are_named()
    {
        var config = Small("gru", ClassifierPooling.Max, true) with { Layers = 2, MaxLength = 7 };
        string json = config.ToJson();
        Assert.That(json, Does.Contain("\"encoder\":\"gru\"").And.Contain("\"pooling\":\"max\""));
        Assert.That(SequenceClassifierConfig.FromJson(json, "f"), Is.EqualTo(config));
        Assert.That(json, Does.Contain("\"model\":\"classifier\"").And.Contain("\"vocabularySize\":6"));
        // A checkpoint written before the model catalogue: snake_case keys and the old kind name.
        string old = "{\"model\":\"sequence-classifier\",\"vocabulary_size\":6,\"classes\":2,\"embedding_dim\":8,\"encoder\":\"gru\",\"hidden_size\":16,\"layers\":2," +
            "\"bidirectional\":true,\"kernel_size\":3,\"pooling\":\"max\",\"dropout\":0,\"max_length\":7}";
        Assert.That(SequenceClassifierConfig.FromJson(old, "old"), Is.EqualTo(config));
        Assert.That(Assert.Throws<InvalidDataException>(() => SequenceClassifierConfig.FromJson(json.Replace("\"layers\"", "\"depth\""), "f"))!.Message, Does.Contain("\"depth\""));
        Assert.Throws<ArgumentException>(() => (config with { Classes = 1 }).Validate());
        Assert.Throws<ArgumentException>(() => (config with { Encoder = SequenceClassifierConfig.ConvEncoder }).Validate()); // conv has no layers/directions
        Assert.Throws<ArgumentException>(() => (config with { KernelSize = 4 }).Validate());
        var e = Assert.Throws<InvalidDataException>(() => SequenceClassifierConfig.FromJson(json.Replace("\"max\"", "\"median\""), "file.safetensors"));
        Assert.That(e!.Message, Does.StartWith("file.safetensors:"));
    }

    [Test]
    public void Forward_rejects_empty_sequences_and_ids_outside_the_vocabulary()
    {
        using var model = new SequenceClassifier<float>(_cpu, Small("lstm", ClassifierPooling.Mean), new RandomStream(1));
        Assert.That(Assert.Throws<ArgumentException>(() => model.Forward([[1], []]))!.Message, Does.Contain("sequence 1 is empty"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward([[1, 6]]))!.Message, Does.Contain("token id 6"));
    }
}
