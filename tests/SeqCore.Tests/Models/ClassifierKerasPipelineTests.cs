using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Text;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>
/// The parts of the classifier that the lecture's Keras pipeline needs (Embedding → LSTM(go_backwards=True) →
/// GlobalAveragePooling1D → Dense(relu) → Dense(1, sigmoid)): reading backwards is reading each sequence's own tokens
/// reversed, padding still never leaks, the binary head learns and gives σ(z), and the new config keys round-trip while
/// configs without them keep their old meaning.
/// </summary>
public class ClassifierKerasPipelineTests
{
    private static SequenceClassifierConfig Keras(string encoder = "lstm", ClassifierPooling pooling = ClassifierPooling.Mean) => new()
    {
        VocabularySize = 6, Classes = 2, EmbeddingSize = 5, HiddenSize = 7, Encoder = encoder, Pooling = pooling, Dropout = 0,
        GoBackwards = true, HiddenLayers = [6], Head = ClassifierHead.Binary,
    };

    private static readonly int[][] Ragged = [[0, 3, 5, 1, 2], [4, 4, 1], [2], [5, 1, 0, 3]];

    [TestCase("lstm", ClassifierPooling.Mean)]
    [TestCase("gru", ClassifierPooling.Last)]
    [TestCase("rnn", ClassifierPooling.Max)]
    public void Reading_backwards_gives_the_logits_of_the_reversed_sequences_read_forwards(string encoder, ClassifierPooling pooling)
    {
        using var cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var backwards = new SequenceClassifier<double>(cpu, Keras(encoder, pooling), new RandomStream(4));
        using var forwards = new SequenceClassifier<double>(cpu, Keras(encoder, pooling) with { GoBackwards = false }, new RandomStream(4)); // same weights
        double[] read = cpu.ToArray(backwards.Forward(Ragged));
        double[] reversed = cpu.ToArray(forwards.Forward([.. Ragged.Select(s => s.Reverse().ToArray())]));
        double[] plain = cpu.ToArray(forwards.Forward(Ragged));
        Assert.That(read, Is.EqualTo(reversed).Within(1e-14));
        Assert.That(read[0], Is.Not.EqualTo(plain[0]).Within(1e-6), "and it is not the forward reading");
    }

    [Test]
    public void A_sequence_read_backwards_gets_the_same_logit_alone_and_padded_in_a_batch()
    {
        using var cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new SequenceClassifier<double>(cpu, Keras() with { Layers = 2, HiddenLayers = [6, 3] }, new RandomStream(9));
        int[] shortOne = [4, 1, 2];
        double[] alone = cpu.ToArray(model.Forward([shortOne]));
        double[] batched = cpu.ToArray(model.Forward([[0, 5, 5, 2, 1, 3, 3, 4, 0], shortOne, [2, 2, 2, 2, 2, 2]]));
        Assert.That(alone, Has.Length.EqualTo(1), "one logit per sequence");
        Assert.That(batched[1], Is.EqualTo(alone[0]).Within(1e-12));
    }

    [Test]
    public void Binary_probabilities_are_the_sigmoid_of_the_logit_and_accuracy_thresholds_at_one_half()
    {
        using var cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new SequenceClassifier<double>(cpu, Keras(), new RandomStream(2));
        double[] logits = cpu.ToArray(model.Forward(Ragged));
        double[][] probabilities = model.PredictProbabilities(Ragged);
        for (int i = 0; i < Ragged.Length; i++)
        {
            double p = 1 / (1 + Math.Exp(-logits[i]));
            Assert.That(probabilities[i], Is.EqualTo(new[] { 1 - p, p }).Within(1e-15));
        }
        int[] labels = [.. logits.Select(z => z > 0 ? 1 : 0)];
        var (loss, accuracy) = ClassifierTrainable<double>.LossAndAccuracy(model, Ragged, labels);
        Assert.That(accuracy, Is.EqualTo(1.0));
        // Mean binary cross-entropy: −mean(y·log σ(z) + (1 − y)·log(1 − σ(z))).
        double expected = logits.Select((z, i) => -Math.Log(labels[i] == 1 ? 1 / (1 + Math.Exp(-z)) : 1 / (1 + Math.Exp(z)))).Average();
        Assert.That(loss, Is.EqualTo(expected).Within(1e-14));
    }

    [Test]
    public void The_binary_pipeline_learns_whether_a_sequence_contains_token_3()
    {
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var (x, y) = ContainsThree(512, 11);
        var (vx, vy) = ContainsThree(200, 12);
        using var model = new SequenceClassifier<float>(cpu, Keras() with { EmbeddingSize = 8, HiddenSize = 16, HiddenLayers = [16] }, new RandomStream(3));
        var (startLoss, _) = ClassifierTrainable<float>.LossAndAccuracy(model, vx, vy);
        var training = new ClassifierTrainable<float>(model, x, y, null, null, batchSize: 32, seed: 5);
        using var adam = new Adam<float>(cpu, model.Parameters, 0.01);
        new Trainer<float>(cpu, adam, new TrainerOptions { Steps = 150, ClipNorm = 1, EvalEvery = 0 }).Run(training);
        var (loss, accuracy) = ClassifierTrainable<float>.LossAndAccuracy(model, vx, vy);
        TestContext.Out.WriteLine($"held-out binary cross-entropy {startLoss:F4} → {loss:F4}, accuracy {accuracy:F3}");
        Assert.That(startLoss, Is.GreaterThan(0.6));
        Assert.That(loss, Is.LessThan(0.5 * startLoss));
        Assert.That(accuracy, Is.GreaterThan(0.9));
    }

    /// <summary>Random sequences over 6 tokens, lengths 2–9, labelled 1 when token 3 occurs; half of each.</summary>
    private static (int[][] X, int[] Y) ContainsThree(int count, ulong seed)
    {
        var r = new RandomStream(seed);
        var x = new int[count][];
        var y = new int[count];
        for (int i = 0; i < count; i++)
        {
            var s = new int[2 + r.NextInt(8)];
            for (int t = 0; t < s.Length; t++) { int v = r.NextInt(5); s[t] = v >= 3 ? v + 1 : v; } // tokens 0, 1, 2, 4, 5
            if (i % 2 == 0) s[r.NextInt(s.Length)] = 3;
            (x[i], y[i]) = (s, i % 2 == 0 ? 1 : 0);
        }
        return (x, y);
    }

    [Test]
    public void New_keys_round_trip_and_configs_without_them_keep_their_meaning()
    {
        var config = Keras() with { HiddenLayers = [8, 4] };
        string json = config.ToJson();
        Assert.That(json, Does.Contain("\"goBackwards\":true").And.Contain("\"hiddenLayers\":[8,4]").And.Contain("\"head\":\"binary\""));
        var read = SequenceClassifierConfig.FromJson(json, "c.json");
        Assert.That(read, Is.EqualTo(config));
        Assert.That(read.GetHashCode(), Is.EqualTo(config.GetHashCode()));
        Assert.That(read with { HiddenLayers = [8, 5] }, Is.Not.EqualTo(config));

        var old = SequenceClassifierConfig.FromJson("{\"model\":\"classifier\",\"vocabularySize\":5,\"classes\":3,\"encoder\":\"gru\"}", "old.json");
        Assert.That((old.GoBackwards, old.HiddenLayers.Count, old.Head, old.LogitCount), Is.EqualTo((false, 0, ClassifierHead.Softmax, 3)));
        var legacy = SequenceClassifierConfig.FromJson("{\"model\":\"sequence-classifier\",\"vocabulary_size\":5,\"classes\":2,\"go_backwards\":true,\"hidden_layers\":[3],\"head\":\"binary\"}", "legacy.json");
        Assert.That((legacy.GoBackwards, legacy.Head), Is.EqualTo((true, ClassifierHead.Binary)));
        Assert.That(legacy.HiddenLayers, Is.EqualTo(new[] { 3 }));
    }

    [Test]
    public void Settings_that_do_not_fit_together_are_refused_by_name()
    {
        Assert.That(() => (Keras() with { Classes = 3 }).Validate(), Throws.ArgumentException.With.Message.Contains("binary head needs exactly 2 classes, got 3"));
        Assert.That(() => (Keras() with { Encoder = "conv" }).Validate(), Throws.ArgumentException.With.Message.Contains("goBackwards"));
        Assert.That(() => (Keras() with { Bidirectional = true }).Validate(), Throws.ArgumentException.With.Message.Contains("goBackwards"));
        Assert.That(() => (Keras() with { HiddenLayers = [4, 0] }).Validate(), Throws.ArgumentException.With.Message.Contains("hidden layer width must be positive, got [4, 0]"));
        Assert.That(() => SequenceClassifierConfig.FromJson("{\"vocabularySize\":5,\"classes\":2,\"head\":\"sigmoid\"}", "h.json"),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contains("h.json: unknown head \"sigmoid\""));
    }

    [Test]
    public void Checkpoint_round_trip_keeps_the_pipeline()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"seqcore-keras-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
            var tokenizer = CharTokenizer.Train("abcdef", "<unk>");
            var config = Keras() with { VocabularySize = tokenizer.VocabularySize, HiddenLayers = [6, 3] };
            using var classifier = new TextClassifier<float>(new SequenceClassifier<float>(cpu, config, new RandomStream(6)), tokenizer, ["neg", "pos"]);
            string path = Path.Combine(dir, "k.safetensors");
            classifier.Save(path);
            using var loaded = TextClassifier<float>.Load(path, cpu);
            Assert.That(loaded.Config, Is.EqualTo(config));
            Assert.That(loaded.Parameters.Select(p => p.Name), Does.Contain("hidden.1.weight").And.Contain("head.bias"));
            Assert.That(loaded.Predict(["abba", "fed"]), Is.EqualTo(classifier.Predict(["abba", "fed"])));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
