using System.Numerics;
using System.Text.Json;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Support;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>TransformerSeq2Seq: matches the PyTorch nn.Transformer wrapper of tests/golden/make_transformer_seq2seq_golden.py
/// (loss, logits, every gradient), decodes incrementally exactly as the full forward, survives a checkpoint round trip,
/// learns to reverse short strings, and a steady-state training step allocates nothing.</summary>
public class TransformerSeq2SeqTests
{
    public static IEnumerable<string> GoldenFiles() => Golden.Names("transformer_seq2seq").Where(n => n.StartsWith("model.", StringComparison.Ordinal));

    [TestCaseSource(nameof(GoldenFiles))]
    public void FloatMatchesPyTorch(string name) => CompareWithPyTorch<float>(name, 1e-5);

    [TestCaseSource(nameof(GoldenFiles))]
    public void DoubleMatchesPyTorch(string name) => CompareWithPyTorch<double>(name, 1e-10);

    private static void CompareWithPyTorch<T>(string name, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (tensors, metadata) = Golden.Read("transformer_seq2seq", name);
        var config = TransformerSeq2SeqConfig.FromJson(metadata["config"], name);
        using var be = new CpuBackend<T>();
        using var model = new TransformerSeq2Seq<T>(be, config, new RandomStream(0));
        var expectedNames = tensors.Keys.Where(k => !k.StartsWith("grad.", StringComparison.Ordinal)
            && k is not ("source_ids" or "decoder_inputs" or "targets" or "loss" or "logits")).Order();
        Assert.That(model.Parameters.Select(p => p.Name).Order(), Is.EqualTo(expectedNames), "state_dict names");
        Assert.That(model.Parameters.Sum(p => p.Value.Length), Is.EqualTo(TransformerSeq2SeqKind.Instance.ParameterCount(config)));
        foreach (var p in model.Parameters) be.CopyFromHost(Golden.ToT<T>(tensors[p.Name].Data), p.Value);

        var batch = new Seq2SeqBatch(JsonSerializer.Deserialize<int[][]>(metadata["sources"])!, JsonSerializer.Deserialize<int[][]>(metadata["target_sequences"])!);
        Assert.That(batch.DecoderInputs.Select(i => (double)i), Is.EqualTo(tensors["decoder_inputs"].Data), "decoder inputs [T, B]");
        Assert.That(batch.Targets.Select(i => (double)i), Is.EqualTo(tensors["targets"].Data), "targets [T, B]");
        double loss = model.TrainingForward(batch, null);
        model.Backward();
        double expectedLoss = tensors["loss"].Data[0];
        Assert.That(Math.Abs(loss - expectedLoss), Is.LessThanOrEqualTo(tolerance * Math.Abs(expectedLoss)), $"loss {loss} vs {expectedLoss}");
        var actual = new List<(string, Tensor<T>)> { ("logits", model.Logits) };
        actual.AddRange(model.Parameters.Select(p => ("grad." + p.Name, p.Gradient)));
        Golden.AssertMatches(be, name, actual, tensors, tolerance);
    }

    private static readonly int[][] Sources = [[3, 5, 7, 4, 1], [6, 8, 1], [4, 1]];
    private static readonly int[][] Targets = [[4, 6, 3], [5, 7, 8, 3, 4], [6]];

    private static TransformerSeq2SeqConfig Small(bool normFirst = true, string positions = "sinusoidal") => new()
    {
        SourceVocabularySize = 9, TargetVocabularySize = 10, EmbeddingSize = 16, Heads = 4, FeedForwardSize = 24,
        EncoderLayers = 2, DecoderLayers = 2, Dropout = 0, NormFirst = normFirst, Positions = positions, MaxLength = 12,
    };

    /// <summary>Feeding the teacher-forced decoder inputs one step at a time through the scorer (KV cache, memory keys
    /// and values projected once; k rows per source) gives the log-softmax of the full forward's logits.</summary>
    [TestCase(true, "sinusoidal", 1)]
    [TestCase(false, "learned", 3)]
    public void IncrementalDecodingEqualsTheFullForward(bool normFirst, string positions, int beamWidth)
    {
        IncrementalEqualsFull<float>(normFirst, positions, beamWidth, 1e-5);
        IncrementalEqualsFull<double>(normFirst, positions, beamWidth, 1e-12);
    }

    private static void IncrementalEqualsFull<T>(bool normFirst, string positions, int k, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var be = new CpuBackend<T>();
        using var model = new TransformerSeq2Seq<T>(be, Small(normFirst, positions), new RandomStream(4));
        var batch = new Seq2SeqBatch(Sources, Targets);
        model.Loss(batch);
        int n = batch.Batch, steps = batch.TargetSteps, v = model.Config.TargetVocabularySize;
        double[] logits = be.ToArray(model.Logits).Select(double.CreateTruncating).ToArray();

        using var scorer = model.CreateScorer(Sources, k);
        Assert.That(scorer.Rows, Is.EqualTo(n * k));
        var tokens = new int[n * k];
        var logProbs = new double[n * k * v];
        double worst = 0;
        for (int t = 0; t < steps; t++)
        {
            for (int r = 0; r < n * k; r++) tokens[r] = batch.DecoderInputs[t * n + r / k];
            scorer.Next(tokens, logProbs);
            for (int r = 0; r < n * k; r++)
            {
                var row = logits.AsSpan((t * n + r / k) * v, v);
                double max = row.ToArray().Max(), lse = max + Math.Log(row.ToArray().Sum(x => Math.Exp(x - max)));
                for (int c = 0; c < v; c++) worst = Math.Max(worst, Math.Abs(logProbs[r * v + c] - (row[c] - lse)));
                Assert.That(scorer.Attention(r).Length, Is.EqualTo(Sources[r / k].Length));
                Assert.That(scorer.Attention(r).ToArray().Sum(), Is.EqualTo(1).Within(1e-4));
            }
        }
        TestContext.Out.WriteLine($"{typeof(T).Name}: max |incremental − full| = {worst:E2}");
        Assert.That(worst, Is.LessThanOrEqualTo(tolerance));
    }

    private static List<(string, string)> ReversePairs(int count, ulong seed)
    {
        var random = new RandomStream(seed);
        var pairs = new List<(string, string)>();
        for (int i = 0; i < count; i++)
        {
            var chars = new char[2 + random.NextInt(4)];
            for (int j = 0; j < chars.Length; j++) chars[j] = (char)('a' + random.NextInt(5));
            var s = new string(chars);
            Array.Reverse(chars);
            pairs.Add((s, new string(chars)));
        }
        return pairs;
    }

    private static List<Seq2SeqExample> Encode(Seq2SeqVocabulary vocab, IEnumerable<(string Source, string Target)> pairs) =>
        [.. pairs.Select(p => new Seq2SeqExample(vocab.EncodeSource(p.Source), vocab.EncodeTarget(p.Target)))];

    [Test]
    public void LearnsToReverseShortStringsAndDecodesThem()
    {
        var pairs = ReversePairs(400, 3);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        var examples = Encode(vocab, pairs);
        using var be = new CpuBackend<float>();
        var config = Small() with { SourceVocabularySize = vocab.SourceSize, TargetVocabularySize = vocab.TargetSize, EmbeddingSize = 32, FeedForwardSize = 64, Dropout = 0.1 };
        using var model = new TransformerSeq2Seq<float>(be, config, new RandomStream(5));
        var task = new TransformerSeq2SeqTrainable<float>(model, examples[..360], examples[360..], batchSize: 32, seed: 9);
        double start = task.Evaluate()!.Value.Loss;
        using var adam = new Adam<float>(be, model.Parameters, learningRate: 0.003);
        var result = new Trainer<float>(be, adam, new TrainerOptions { Steps = 150, ClipNorm = 1, EvalEvery = 150 }).Run(task);
        double end = result.BestEvalLoss!.Value;
        var greedy = task.Decode(new Seq2SeqDecodeOptions { BeamWidth = 1, MaxLength = 8 });
        var beam = task.Decode(new Seq2SeqDecodeOptions { BeamWidth = 3, Alpha = 0.6, MaxLength = 8 });
        TestContext.Out.WriteLine($"held-out loss {start:F3} → {end:F3}, token accuracy {task.LastTokenAccuracy:P1}, exact greedy {greedy.ExactMatch:P0}, beam {beam.ExactMatch:P0}");
        Assert.That(end, Is.LessThan(0.35 * start));
        Assert.That(greedy.ExactMatch, Is.GreaterThan(0.5));
        Assert.That(beam.ExactMatch, Is.GreaterThan(0.5));
    }

    [Test]
    public void CheckpointRoundTripIsBitExactAndLoadsThroughTheCatalogue()
    {
        var pairs = ReversePairs(40, 9);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        using var be = new CpuBackend<float>();
        var config = Small(normFirst: false, positions: "learned") with { SourceVocabularySize = vocab.SourceSize, TargetVocabularySize = vocab.TargetSize };
        using var model = new TransformerSeq2Seq<float>(be, config, new RandomStream(3));
        string path = Path.Combine(Path.GetTempPath(), $"seqcore-tfs2s-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Vocabulary = vocab;
            model.MaxTargetLength = 7;
            model.Save(path);
            Assert.That(ModelCheckpoint.ReadKind(path), Is.EqualTo("transformer-seq2seq"));
            using var loaded = TransformerSeq2Seq<float>.Load(path, be);
            Assert.That(loaded.Config, Is.EqualTo(model.Config));
            Assert.That(loaded.Vocabulary!.TargetCharacters, Is.EqualTo(vocab.TargetCharacters));
            Assert.That(loaded.MaxTargetLength, Is.EqualTo(7));
            Assert.That(loaded.Parameters.Select(p => p.Name), Is.EqualTo(model.Parameters.Select(p => p.Name)));
            for (int i = 0; i < model.Parameters.Count; i++)
                Assert.That(be.ToArray(loaded.Parameters[i].Value).Select(BitConverter.SingleToInt32Bits),
                    Is.EqualTo(be.ToArray(model.Parameters[i].Value).Select(BitConverter.SingleToInt32Bits)), model.Parameters[i].Name);
            var src = vocab.EncodeSource(pairs[0].Item1);
            Assert.That(loaded.Beam(src, 3, 10)[0].Tokens, Is.EqualTo(model.Beam(src, 3, 10)[0].Tokens));
            using var any = ModelCheckpoint.Load(path, be);
            Assert.That(any, Is.InstanceOf<ISeq2SeqModel<float>>());
            Assert.That(() => Seq2Seq<float>.Load(path, be), Throws.InstanceOf<InvalidDataException>().With.Message.Contains(path));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void SharedEmbeddingsHoldOneTableAndNeedOneVocabularySize()
    {
        using var be = new CpuBackend<double>();
        var shared = Small() with { TargetVocabularySize = 9, ShareEmbeddings = true };
        using var model = new TransformerSeq2Seq<double>(be, shared, new RandomStream(1));
        Assert.That(model.Parameters.Select(p => p.Name), Does.Not.Contain("source_embedding.weight"));
        Assert.That(model.Parameters.Sum(p => p.Value.Length), Is.EqualTo(TransformerSeq2SeqKind.Instance.ParameterCount(shared)));
        var e = Assert.Throws<ArgumentException>(() => (Small() with { ShareEmbeddings = true }).Validate())!;
        Assert.That(e.Message, Does.Contain("shareEmbeddings"));
        Assert.That(() => TransformerSeq2SeqConfig.FromJson("{\"model\":\"transformer-seq2seq\",\"sourceVocabularySize\":9,\"targetVocabularySize\":9,\"positions\":\"rotary\"}", "cfg.json"),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contains("cfg.json").And.Message.Contains("rotary"));
    }

    [Test]
    public void ABatchLongerThanMaxLengthIsRefused()
    {
        using var be = new CpuBackend<float>();
        using var model = new TransformerSeq2Seq<float>(be, Small() with { MaxLength = 4 }, new RandomStream(1));
        var e = Assert.Throws<ArgumentException>(() => model.Loss(new Seq2SeqBatch(Sources, Targets)))!;
        Assert.That(e.Message, Does.Contain("maxLength 4"));
    }

    [Test]
    public void SteadyStateTrainingStepAllocatesNothingInTheModel()
    {
        using var be = new CpuBackend<float>();
        using var model = new TransformerSeq2Seq<float>(be, Small() with { Dropout = 0.1 }, new RandomStream(2));
        var batch = new Seq2SeqBatch(Sources, Targets);
        var dropout = new RandomStream(3);
        for (int i = 0; i < 2; i++) model.TrainStep(batch, dropout);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) model.TrainStep(batch, dropout);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), "managed bytes allocated by 3 steady-state steps");
    }

    [Test]
    public void DisposingTheModelAndItsScorerFreesEveryTensor()
    {
        using var be = new CpuBackend<float>();
        long before = be.LiveBytes;
        var model = new TransformerSeq2Seq<float>(be, Small(positions: "learned") with { Dropout = 0.1 }, new RandomStream(2));
        model.TrainStep(new Seq2SeqBatch(Sources, Targets), new RandomStream(3));
        model.Beam(Sources[0], 2, 5);
        model.Greedy(Sources, 5);
        model.Dispose();
        Assert.That(be.LiveBytes, Is.EqualTo(before));
    }

    [Test]
    public void PastMaxLengthEveryRowEndsWithEos()
    {
        using var be = new CpuBackend<double>();
        using var model = new TransformerSeq2Seq<double>(be, Small() with { MaxLength = 5 }, new RandomStream(1));
        using var scorer = model.CreateScorer(Sources, 2);
        int v = scorer.VocabularySize;
        var logProbs = new double[scorer.Rows * v];
        var tokens = Enumerable.Repeat(Seq2SeqVocabulary.Bos, scorer.Rows).ToArray();
        for (int step = 0; step < 5; step++) scorer.Next(tokens, logProbs);
        Assert.That(logProbs.Where(x => x > double.NegativeInfinity).Count(), Is.EqualTo(scorer.Rows * v), "within maxLength: a distribution");
        scorer.Next(tokens, logProbs);
        for (int r = 0; r < scorer.Rows; r++)
            for (int c = 0; c < v; c++)
                Assert.That(logProbs[r * v + c], Is.EqualTo(c == Seq2SeqVocabulary.Eos ? 0 : double.NegativeInfinity));
        Assert.That(model.Greedy(Sources, 50).Select(d => d.Tokens.Length), Is.All.LessThanOrEqualTo(5));
    }
}
