using SeqCore.Cpu;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>Batched decoding (<see cref="Seq2SeqDecoder"/>, <see cref="BeamSearch"/> over n·k rows) gives each sentence
/// what the single-sentence search gives it; the length rule; stacked, attention-free and dropout models decode, train
/// reproducibly and survive a checkpoint.</summary>
public class Seq2SeqDecoderTests
{
    private CpuBackend<double> _cpu64 = null!;
    private CpuBackend<float> _cpu = null!;

    [OneTimeSetUp] public void SetUp() { _cpu64 = new CpuBackend<double>(); _cpu = new CpuBackend<float>(); }
    [OneTimeTearDown] public void TearDown() { _cpu64.Dispose(); _cpu.Dispose(); }

    private static List<(string, string)> ReversePairs(int count, ulong seed)
    {
        var random = new RandomStream(seed);
        var pairs = new List<(string, string)>();
        for (int i = 0; i < count; i++)
        {
            var chars = new char[2 + random.NextInt(6)];
            for (int j = 0; j < chars.Length; j++) chars[j] = (char)('a' + random.NextInt(5));
            var s = new string(chars);
            Array.Reverse(chars);
            pairs.Add((s, new string(chars)));
        }
        return pairs;
    }

    private static Seq2SeqConfig Config(Seq2SeqVocabulary vocab, Seq2SeqAttention attention, CellKind cell, int encoderLayers, int decoderLayers) => new()
    {
        SourceVocabularySize = vocab.SourceSize, TargetVocabularySize = vocab.TargetSize, EmbeddingSize = 6, HiddenSize = 5, Cell = cell,
        Attention = attention, Bidirectional = true, InputFeeding = true, EncoderLayers = encoderLayers, DecoderLayers = decoderLayers,
    };

    /// <summary>An untrained model with weights large enough that its choices are decisive and differ by source.</summary>
    private Seq2Seq<double> RandomModel(Seq2SeqConfig config, ulong seed)
    {
        var model = new Seq2Seq<double>(_cpu64, config, new RandomStream(seed));
        var random = new RandomStream(seed + 100);
        foreach (var p in model.Parameters)
        {
            var v = new double[p.Value.Length];
            for (int i = 0; i < v.Length; i++) v[i] = 2 * (2 * random.NextDouble() - 1);
            _cpu64.CopyFromHost(v, p.Value);
        }
        return model;
    }

    [TestCase(Seq2SeqAttention.Additive, CellKind.Lstm, 1, 1, 3)]
    [TestCase(Seq2SeqAttention.Dot, CellKind.Gru, 2, 2, 4)]
    [TestCase(Seq2SeqAttention.None, CellKind.Lstm, 2, 1, 3)]
    [TestCase(Seq2SeqAttention.General, CellKind.Gru, 1, 2, 1)]
    public void BatchedDecodingGivesEachSentenceWhatItsOwnSearchGives(Seq2SeqAttention attention, CellKind cell, int encoderLayers, int decoderLayers, int k)
    {
        var pairs = ReversePairs(40, 21);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        using var model = RandomModel(Config(vocab, attention, cell, encoderLayers, decoderLayers), 31);
        var sources = pairs[..9].Select(p => vocab.EncodeSource(p.Item1)).ToList();
        Assume.That(sources.Select(s => s.Length).Distinct().Count(), Is.GreaterThan(2), "ragged sources");
        // Batches of 4 sentences, so sentences share batches with others of other lengths and limits.
        var options = new Seq2SeqDecodeOptions { BeamWidth = k, Alpha = 0.6, MaxLengthRatio = 1, MaxLengthExtra = 2, Sentences = 4 };
        var batched = Seq2SeqDecoder.DecodeAll(model, sources, options);
        int finished = 0;
        for (int i = 0; i < sources.Count; i++)
        {
            using var scorer = model.CreateScorer([sources[i]], k);
            var alone = ReferenceBeamSearch.Run(scorer, Seq2SeqVocabulary.Bos, Seq2SeqVocabulary.Eos, options.MaxLengthFor(sources[i].Length), options.Alpha);
            Assert.That(batched[i], Has.Count.EqualTo(alone.Count), $"source {i}: hypotheses");
            for (int h = 0; h < alone.Count; h++)
            {
                Assert.That(batched[i][h].Tokens, Is.EqualTo(alone[h].Tokens), $"source {i} hypothesis {h}");
                Assert.That(batched[i][h].Finished, Is.EqualTo(alone[h].Finished));
                Assert.That(batched[i][h].Score, Is.EqualTo(alone[h].Score).Within(1e-9));
                Assert.That(batched[i][h].Attention.Length, Is.EqualTo(alone[h].Attention.Length));
                for (int t = 0; t < alone[h].Attention.Length; t++)
                    Assert.That(batched[i][h].Attention[t], Is.EqualTo(alone[h].Attention[t]).Within(1e-12));
            }
            if (alone[0].Finished) finished++;
        }
        TestContext.Out.WriteLine($"{finished} of {sources.Count} best hypotheses finished; lengths {string.Join(",", batched.Select(b => b[0].Tokens.Length))}");
        Assert.That(batched.Select(b => string.Join(",", b[0].Tokens)).Distinct().Count(), Is.GreaterThan(1), "sources should decode differently");
        Assert.That(Seq2SeqDecoder.Decode(model, sources, options).Select(d => d.Tokens), Is.EqualTo(batched.Select(b => b[0].Tokens)));
    }

    /// <summary>Every row: after &lt;bos&gt; token 3 (p 0.9) or eos; after 3, 3 again (p 0.9) or eos. The search stops a
    /// sentence only at its own length limit.</summary>
    private sealed class RepeatScorer(int rows) : IBeamScorer
    {
        public int Rows => rows;
        public int VocabularySize => 4;
        public void Dispose() { }
        public void Next(ReadOnlySpan<int> tokens, Span<double> logProbs)
        {
            for (int r = 0; r < rows; r++)
            {
                double[] p = tokens[r] == 2 ? [0, 0, 1, 0] : [0, 0, 0.1, 0.9];
                for (int v = 0; v < 4; v++) logProbs[r * 4 + v] = Math.Log(p[v]);
            }
        }
        public void Reorder(ReadOnlySpan<int> parents) { }
        public ReadOnlySpan<double> Attention(int row) => [];
    }

    [Test]
    public void EachSentenceStopsAtItsOwnLengthLimit()
    {
        var found = BeamSearch.Run(new RepeatScorer(3), sentences: 3, start: 1, end: 2, maxLengths: [2, 5, 3], alpha: 0);
        Assert.That(found.Select(f => f.Max(h => h.Tokens.Length)), Is.EqualTo(new[] { 2, 5, 3 }));
        Assert.That(found[1][0].Tokens, Is.EqualTo(new[] { 3, 3, 3, 3, 3 }), "greedy: 3 until the limit");
        Assert.That(found[1][0].Finished, Is.False);
        Assert.That(() => BeamSearch.Run(new RepeatScorer(4), 3, 1, 2, [2, 2, 2], 0), Throws.ArgumentException.With.Message.Contains("4 scorer rows"));
    }

    [Test]
    public void TheLengthLimitIsRelativeToTheSourceAndCapped()
    {
        var options = new Seq2SeqDecodeOptions { MaxLengthRatio = 1.5, MaxLengthExtra = 4 };
        Assert.That(options.MaxLengthFor(10), Is.EqualTo(19));
        Assert.That(options.MaxLengthFor(3), Is.EqualTo(9), "⌈4.5⌉ + 4");
        Assert.That((options with { MaxLength = 12 }).MaxLengthFor(10), Is.EqualTo(12));
        Assert.That(() => (options with { BeamWidth = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("beam width"));
        Assert.That(() => (options with { MaxLengthRatio = 0, MaxLengthExtra = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("no output"));
    }

    [Test]
    public void AStackedModelWithoutAttentionSurvivesACheckpoint()
    {
        var pairs = ReversePairs(30, 5);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        var config = Config(vocab, Seq2SeqAttention.None, CellKind.Lstm, 2, 3) with { Dropout = 0.2 };
        using var model = new Seq2Seq<float>(_cpu, config, new RandomStream(4)) { Vocabulary = vocab };
        Assert.That(model.Parameters.Select(p => p.Name), Does.Contain("encoder.weight_hh_l1_reverse").And.Contain("decoder.weight_ih_l2").And.None.StartsWith("attention."));
        string path = Path.Combine(Path.GetTempPath(), $"seqcore-s2s-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            using var loaded = Seq2Seq<float>.Load(path, _cpu);
            Assert.That(loaded.Config, Is.EqualTo(config));
            var sources = pairs[..5].Select(p => vocab.EncodeSource(p.Item1)).ToList();
            var options = new Seq2SeqDecodeOptions { BeamWidth = 2 };
            Assert.That(Seq2SeqDecoder.Decode(loaded, sources, options).Select(d => d.Tokens), Is.EqualTo(Seq2SeqDecoder.Decode(model, sources, options).Select(d => d.Tokens)));
            Assert.That(Seq2SeqDecoder.Decode(loaded, sources, options).All(d => d.Attention.All(row => row.Length == 0)), "no attention weights without attention");
        }
        finally { File.Delete(path); }
    }

    [TestCase(Seq2SeqAttention.Additive)]
    [TestCase(Seq2SeqAttention.None)]
    public void AStackedModelWithDropoutLearnsReproduciblyAndDecodesWithoutIt(Seq2SeqAttention attention)
    {
        var pairs = ReversePairs(200, 7);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        var examples = pairs.Select(p => new Seq2SeqExample(vocab.EncodeSource(p.Item1), vocab.EncodeTarget(p.Item2))).ToList();
        var config = Config(vocab, attention, CellKind.Gru, 2, 2) with { EmbeddingSize = 16, HiddenSize = 16, Dropout = 0.2 };
        (double[] Losses, double HeldOut, Seq2SeqAccuracy A, Seq2SeqAccuracy B) Run()
        {
            using var model = new Seq2Seq<float>(_cpu, config, new RandomStream(5));
            var task = new Seq2SeqTrainable<float>(model, examples[..180], examples[180..], batchSize: 32, teacherForcing: 1.0, seed: 9);
            using var adam = new Adam<float>(_cpu, model.Parameters, learningRate: 0.01);
            var r = new Trainer<float>(_cpu, adam, new TrainerOptions { Steps = 40, ClipNorm = 5 }).Run(task);
            // Evaluation and decoding run without dropout: the same weights decode the same twice.
            var options = new Seq2SeqDecodeOptions { BeamWidth = 1, Sentences = 7 };
            return ([.. r.History.Select(h => h.Loss)], task.Evaluate()!.Value.Loss, task.Decode(options), task.Decode(options));
        }
        var first = Run();
        var second = Run();
        Assert.That(second.Losses, Is.EqualTo(first.Losses), "same seed, same dropout masks, same losses");
        Assert.That(first.B.Predictions, Is.EqualTo(first.A.Predictions));
        TestContext.Out.WriteLine($"{attention}: train loss {first.Losses[..5].Average():F3} → {first.Losses[^5..].Average():F3}, held out {first.HeldOut:F3}, exact {first.A.ExactMatch:P0}");
        Assert.That(first.Losses[^5..].Average(), Is.LessThan(0.8 * first.Losses[..5].Average()));
    }
}
