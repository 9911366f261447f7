using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>
/// The sequence tagger learns a synced many-to-many task that needs context on both sides with each encoder, a token's
/// tags do not depend on the rest of its batch (padding never leaks, in the loss or the outputs), a steady-state training
/// step allocates nothing, and its checkpoint round-trips through the catalogue's loader with its vocabulary and tags.
/// </summary>
public class SequenceTaggerTests
{
    private static CpuBackend<float> _cpu = null!;

    [OneTimeSetUp] public void SetUp() => _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
    [OneTimeTearDown] public void TearDown() => _cpu.Dispose();

    /// <summary>Random sequences over tokens 0–2, lengths 1–12; a token's tag is how many of its two neighbours are token
    /// 1 (0, 1 or 2): a task that needs both directions.</summary>
    private static (int[][] X, int[][] Y) NeighboursThatAreOne(int count, ulong seed)
    {
        var r = new RandomStream(seed);
        var x = new int[count][];
        var y = new int[count][];
        for (int i = 0; i < count; i++)
        {
            int length = 1 + r.NextInt(12);
            x[i] = [.. Enumerable.Range(0, length).Select(_ => r.NextInt(3))];
            y[i] = [.. Enumerable.Range(0, length).Select(t => (t > 0 && x[i][t - 1] == 1 ? 1 : 0) + (t + 1 < length && x[i][t + 1] == 1 ? 1 : 0))];
        }
        return (x, y);
    }

    private static TaggerConfig Small(string encoder) => new()
    {
        VocabularySize = 3, Tags = 3, EmbeddingSize = 16, HiddenSize = 24, Encoder = encoder, Bidirectional = true, Heads = 2,
        Layers = encoder == TaggerConfig.TransformerEncoder ? 2 : 1, MaxLength = 64, Dropout = 0,
    };

    [TestCase("lstm", 200)]
    [TestCase("gru", 200)]
    [TestCase("transformer", 600)]
    public void Learns_how_many_neighbours_of_each_token_are_token_1(string encoder, int steps)
    {
        var (x, y) = NeighboursThatAreOne(600, 1);
        var (vx, vy) = NeighboursThatAreOne(200, 2);
        using var model = new SequenceTagger<float>(_cpu, Small(encoder), new RandomStream(3));
        var (startLoss, _, _) = TaggerTrainable<float>.LossAndAccuracy(model, vx, vy);
        var training = new TaggerTrainable<float>(model, x, y, null, null, batchSize: 32, seed: 4);
        using var adam = new Adam<float>(_cpu, model.Parameters, 0.01);
        new Trainer<float>(_cpu, adam, new TrainerOptions { Steps = steps, ClipNorm = 1 }).Run(training);
        var (loss, accuracy, tokens) = TaggerTrainable<float>.LossAndAccuracy(model, vx, vy);
        TestContext.Out.WriteLine($"{encoder}: held-out loss {startLoss:F4} → {loss:F4}, token accuracy {accuracy:F3} over {tokens} tokens");
        Assert.That(loss, Is.LessThan(0.3 * startLoss));
        // The transformer finds neighbours through its positions, which takes it longer than a recurrent layer.
        Assert.That(accuracy, Is.GreaterThan(encoder == TaggerConfig.TransformerEncoder ? 0.9 : 0.98));
    }

    [TestCase("lstm")]
    [TestCase("gru")]
    [TestCase("transformer")]
    public void A_sequence_gets_the_same_logits_and_loss_alone_and_padded_in_a_batch(string encoder)
    {
        using var cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new SequenceTagger<double>(cpu, Small(encoder) with { Layers = 2 }, new RandomStream(9));
        int[] shortOne = [2, 1, 0];
        int[] tags = [1, 0, 1];
        double[] alone = cpu.ToArray(model.Forward([shortOne]));
        double lossAlone = model.Loss([tags]);
        // Padded to 9 steps in a batch of 3, and with bucket padding to 16 steps.
        foreach (int minSteps in new[] { 0, 16 })
        {
            double[] batched = cpu.ToArray(model.Forward([[0, 2, 2, 1, 1, 0, 0, 2, 1], shortOne, [1, 1, 1, 1, 1, 1]], minSteps: minSteps));
            for (int t = 0; t < 3; t++)
                Assert.That(batched[((t * 3 + 1) * 3)..((t * 3 + 1) * 3 + 3)], Is.EqualTo(alone[(t * 3)..(t * 3 + 3)]).Within(1e-12), $"position {t}, padded to {minSteps}");
            // The loss is the mean over real tokens: a batch of the short sequence alone, padded, has the same loss.
            model.Forward([shortOne], minSteps: Math.Max(minSteps, 7));
            Assert.That(model.Loss([tags]), Is.EqualTo(lossAlone).Within(1e-12));
        }
    }

    [Test]
    public void Padding_row_stays_zero_and_gets_no_gradient()
    {
        var (x, y) = NeighboursThatAreOne(64, 3);
        using var model = new SequenceTagger<float>(_cpu, Small("lstm"), new RandomStream(2));
        var training = new TaggerTrainable<float>(model, x, y, null, null, batchSize: 16, seed: 1);
        using var adam = new Adam<float>(_cpu, model.Parameters, 0.05);
        new Trainer<float>(_cpu, adam, new TrainerOptions { Steps = 8 }).Run(training);
        float[] table = _cpu.ToArray(model.Parameters[0].Value);
        Assert.That(table[(3 * 16)..], Is.All.Zero, "row V (the padding id) of embedding.weight");
        Assert.That(table[..(3 * 16)], Has.Some.Not.Zero);
    }

    // The recurrent encoders only: TransformerStack's own Forward + Backward allocates 56 bytes a step (measured on the
    // stack alone), which is the layer's to fix, not the tagger's.
    [TestCase("lstm")]
    [TestCase("gru")]
    public void Steady_state_training_step_allocates_nothing(string encoder)
    {
        // Every sentence 10–20 tokens: one bucket (32 steps), and 64 sentences in batches of 16: one shape.
        var r = new RandomStream(5);
        int[][] x = [.. Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, 10 + r.NextInt(11)).Select(_ => r.NextInt(3)).ToArray())];
        int[][] y = [.. x.Select(s => s.Select(v => v % 3).ToArray())];
        using var model = new SequenceTagger<float>(_cpu, Small(encoder) with { Dropout = 0.2 }, new RandomStream(2));
        var training = new TaggerTrainable<float>(model, x, y, null, null, batchSize: 16, seed: 1);
        for (int i = 0; i < 3; i++) training.TrainBatch(i); // the first epoch's batches are drawn on its first step
        long before = GC.GetAllocatedBytesForCurrentThread();
        training.TrainBatch(3);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [TestCase("gru")]
    [TestCase("transformer")]
    public void Checkpoint_round_trips_through_the_catalogue_loader_with_tokens_and_tags(string encoder)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"seqcore-tagger-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var vocabulary = new TaggerVocabulary(TaggerVocabulary.WordTokens, [TaggerVocabulary.Unknown, "la", "niña", "canta"], ["DET", "NOUN", "VERB"]);
            var config = Small(encoder) with { VocabularySize = 4, Tags = 3, Tokens = TaggerVocabulary.WordTokens };
            using var tagger = new TextTagger<float>(new SequenceTagger<float>(_cpu, config, new RandomStream(6)), vocabulary);
            string path = Path.Combine(dir, "t.safetensors");
            tagger.Save(path);
            using var loaded = ModelCheckpoint.Load(path, _cpu);
            Assert.That(loaded, Is.InstanceOf<TextTagger<float>>());
            var back = (TextTagger<float>)loaded;
            Assert.That(back.Config, Is.EqualTo(config));
            Assert.That(back.Vocabulary.Tokens, Is.EqualTo(vocabulary.Tokens));
            Assert.That(back.Vocabulary.Tags, Is.EqualTo(vocabulary.Tags));
            for (int i = 0; i < tagger.Parameters.Count; i++)
                Assert.That(_cpu.ToArray(back.Parameters[i].Value), Is.EqualTo(_cpu.ToArray(tagger.Parameters[i].Value)), tagger.Parameters[i].Name);
            string[][] sentences = [["la", "niña", "canta"], ["canta", "gato"]]; // "gato" is unknown
            Assert.That(back.Predict(sentences), Is.EqualTo(tagger.Predict(sentences)));
            Assert.That(TaggerKind.Instance.ParameterCount(config), Is.EqualTo(tagger.Parameters.Sum(p => p.Value.Length)));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Test]
    public void Tags_and_tokens_differing_in_count_are_refused()
    {
        using var model = new SequenceTagger<float>(_cpu, Small("lstm"), new RandomStream(1));
        model.Forward([[0, 1, 2]]);
        var e = Assert.Throws<ArgumentException>(() => model.Loss([[0, 1]]));
        Assert.That(e!.Message, Does.Contain("3 tokens but 2 tags"));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Loss([[0, 1, 3]]));
    }
}
