using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>Seq2Seq: learns to reverse short strings, decodes greedily and by beam search, ignores padding, and
/// survives a checkpoint round trip bit for bit.</summary>
public class Seq2SeqTests
{
    private CpuBackend<float> _cpu = null!;
    private CpuBackend<double> _cpu64 = null!;

    [OneTimeSetUp] public void SetUp() { _cpu = new CpuBackend<float>(); _cpu64 = new CpuBackend<double>(); }
    [OneTimeTearDown] public void TearDown() { _cpu.Dispose(); _cpu64.Dispose(); }

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

    private static Seq2SeqConfig Tiny(Seq2SeqVocabulary vocab, CellKind cell = CellKind.Lstm, Seq2SeqAttention attention = Seq2SeqAttention.Additive,
        int embedding = 8, int hidden = 8) => new()
    {
        SourceVocabularySize = vocab.SourceSize, TargetVocabularySize = vocab.TargetSize, EmbeddingSize = embedding, HiddenSize = hidden,
        Cell = cell, Attention = attention, Bidirectional = true, InputFeeding = true,
    };

    [TestCase(CellKind.Lstm, Seq2SeqAttention.Additive)]
    [TestCase(CellKind.Gru, Seq2SeqAttention.Dot)]
    public void LearnsToReverseShortStringsToALossWellBelowItsStart(CellKind cell, Seq2SeqAttention attention)
    {
        var pairs = ReversePairs(400, 3);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        var examples = Encode(vocab, pairs);
        using var model = new Seq2Seq<float>(_cpu, Tiny(vocab, cell, attention, embedding: 16, hidden: 16), new RandomStream(5));
        var task = new Seq2SeqTrainable<float>(model, examples[..360], examples[360..], batchSize: 32, teacherForcing: 1.0, seed: 9);
        double start = task.Evaluate()!.Value.Loss;
        using var adam = new Adam<float>(_cpu, model.Parameters, learningRate: 0.01);
        var result = new Trainer<float>(_cpu, adam, new TrainerOptions { Steps = 50, ClipNorm = 5, EvalEvery = 50 }).Run(task);
        double end = result.BestEvalLoss!.Value;
        TestContext.Out.WriteLine($"held-out loss {start:F3} → {end:F3}, token accuracy {task.LastTokenAccuracy:P1}");
        Assert.That(end, Is.LessThan(0.35 * start));
        Assert.That(task.LastTokenAccuracy, Is.GreaterThan(0.6));
    }

    [Test]
    public void TeacherForcingBelowOneStillTrainsAndIsReproducible()
    {
        var pairs = ReversePairs(64, 4);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        var examples = Encode(vocab, pairs);
        double[] Run()
        {
            using var model = new Seq2Seq<float>(_cpu, Tiny(vocab), new RandomStream(5));
            var task = new Seq2SeqTrainable<float>(model, examples, [], batchSize: 16, teacherForcing: 0.5, seed: 2);
            using var adam = new Adam<float>(_cpu, model.Parameters, learningRate: 0.01);
            var r = new Trainer<float>(_cpu, adam, new TrainerOptions { Steps = 30 }).Run(task);
            return [.. r.History.Select(h => h.Loss)];
        }
        var a = Run();
        var b = Run();
        Assert.That(a, Is.EqualTo(b), "same seed, same losses");
        Assert.That(a[^5..].Average(), Is.LessThan(a[..5].Average()));
    }

    private Seq2Seq<double> RandomModel(Seq2SeqVocabulary vocab, ulong seed, Seq2SeqAttention attention = Seq2SeqAttention.Additive, CellKind cell = CellKind.Lstm)
    {
        var model = new Seq2Seq<double>(_cpu64, Tiny(vocab, cell, attention), new RandomStream(seed));
        // Larger weights than the initialisation, so the untrained model's choices are decisive and varied.
        var random = new RandomStream(seed + 100);
        foreach (var p in model.Parameters)
        {
            var v = new double[p.Value.Length];
            for (int i = 0; i < v.Length; i++) v[i] = 3 * (2 * random.NextDouble() - 1);
            _cpu64.CopyFromHost(v, p.Value);
        }
        return model;
    }

    [TestCase(Seq2SeqAttention.Additive, CellKind.Lstm)]
    [TestCase(Seq2SeqAttention.General, CellKind.Gru)]
    public void BeamSearchWithWidthOneIsGreedyDecoding(Seq2SeqAttention attention, CellKind cell)
    {
        var pairs = ReversePairs(50, 6);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        using var model = RandomModel(vocab, 11, attention, cell);
        var sources = Encode(vocab, pairs[..12]).Select(e => e.Source).ToList();
        var greedy = model.Greedy(sources, maxLength: 12);
        int finished = 0;
        for (int i = 0; i < sources.Count; i++)
        {
            var beam = model.Beam(sources[i], beamWidth: 1, maxLength: 12, alpha: 0.6);
            Assert.That(beam, Has.Count.EqualTo(1));
            Assert.That(beam[0].Tokens, Is.EqualTo(greedy[i].Tokens), $"source {i}");
            Assert.That(beam[0].Finished, Is.EqualTo(greedy[i].Finished));
            Assert.That(beam[0].LogProbability, Is.EqualTo(greedy[i].LogProbability).Within(1e-9));
            Assert.That(beam[0].Attention, Has.Length.EqualTo(greedy[i].Attention.Length));
            if (greedy[i].Finished) finished++;
        }
        TestContext.Out.WriteLine($"{finished} of {sources.Count} greedy decodes ended with <eos>; lengths {string.Join(",", greedy.Select(g => g.Tokens.Length))}");
        Assert.That(greedy.Select(g => string.Join(",", g.Tokens)).Distinct().Count(), Is.GreaterThan(1), "the model should not decode every source alike");
    }

    /// <summary>
    /// A hand-built model over tokens {0 pad, 1 bos, 2 eos, 3 A, 4 B}: after &lt;bos&gt;, A has p = 0.6 and B p = 0.4; after A
    /// every token is about equally likely (eos 0.35); after B, eos has p = 0.99. Greedy takes A then eos
    /// (0.6·0.35 = 0.21); the best sequence is B eos (0.4·0.99 = 0.396), which a beam of 2 keeps and finds.
    /// </summary>
    private sealed class TableScorer(int rows) : IBeamScorer
    {
        private readonly int[] _previous = new int[rows];
        public int Rows => rows;
        public int VocabularySize => 5;
        public void Dispose() { }

        public void Next(ReadOnlySpan<int> tokens, Span<double> logProbs)
        {
            for (int r = 0; r < rows; r++)
            {
                double[] p = tokens[r] switch
                {
                    1 => [0, 0, 0, 0.6, 0.4],
                    3 => [0, 0, 0.35, 0.33, 0.32],
                    4 => [0, 0, 0.99, 0.005, 0.005],
                    _ => [0, 0, 1, 0, 0],
                };
                for (int v = 0; v < 5; v++) logProbs[r * 5 + v] = Math.Log(p[v]);
                _previous[r] = tokens[r];
            }
        }

        public void Reorder(ReadOnlySpan<int> parents) { }
        public ReadOnlySpan<double> Attention(int row) => [];
    }

    [Test]
    public void BeamSearchFindsTheMoreLikelySequenceThatGreedyMisses()
    {
        var greedy = BeamSearch.Run(new TableScorer(1), start: 1, end: 2, maxLength: 5, alpha: 0);
        Assert.That(greedy[0].Tokens, Is.EqualTo(new[] { 3, 2 }));
        Assert.That(greedy[0].LogProbability, Is.EqualTo(Math.Log(0.6 * 0.35)).Within(1e-12));

        var beam = BeamSearch.Run(new TableScorer(2), start: 1, end: 2, maxLength: 5, alpha: 0);
        Assert.That(beam[0].Tokens, Is.EqualTo(new[] { 4, 2 }));
        Assert.That(beam[0].LogProbability, Is.EqualTo(Math.Log(0.4 * 0.99)).Within(1e-12));
        Assert.That(beam[0].Finished, Is.True);
        Assert.That(beam.Select(b => b.Score), Is.Ordered.Descending);
    }

    /// <summary>After &lt;bos&gt;: eos and A each p = 0.5; after A: A 0.9, eos 0.1. "eos" has log p −0.69 and length 1, "A eos"
    /// has log p −3.0 and length 2: plain log-probability prefers "eos", a strong length normalisation "A eos".</summary>
    private sealed class ShortOrLongScorer : IBeamScorer
    {
        public int Rows => 2;
        public int VocabularySize => 4;
        public void Dispose() { }
        public void Next(ReadOnlySpan<int> tokens, Span<double> logProbs)
        {
            for (int r = 0; r < 2; r++)
            {
                double[] p = tokens[r] switch { 1 => [0, 0, 0.5, 0.5], 3 => [0, 0, 0.1, 0.9], _ => [0, 0, 1, 0] };
                for (int v = 0; v < 4; v++) logProbs[r * 4 + v] = Math.Log(p[v]);
            }
        }
        public void Reorder(ReadOnlySpan<int> parents) { }
        public ReadOnlySpan<double> Attention(int row) => [];
    }

    [Test]
    public void LengthNormalisationDecidesBetweenAShortAndALongHypothesis()
    {
        var plain = BeamSearch.Run(new ShortOrLongScorer(), start: 1, end: 2, maxLength: 4, alpha: 0);
        Assert.That(plain[0].Tokens, Is.EqualTo(new[] { 2 }));
        Assert.That(plain.Select(h => h.Tokens.Length), Is.EquivalentTo(new[] { 1, 2 }), "both hypotheses finished");
        var normalised = BeamSearch.Run(new ShortOrLongScorer(), start: 1, end: 2, maxLength: 4, alpha: 10);
        Assert.That(normalised[0].Tokens, Is.EqualTo(new[] { 3, 2 }));
        Assert.That(normalised[0].Score, Is.EqualTo(Math.Log(0.05) / Math.Pow(7.0 / 6.0, 10)).Within(1e-12));
    }

    [Test]
    public void LengthPenaltyIsGnmts()
    {
        Assert.That(BeamSearch.LengthPenalty(1, 0.6), Is.EqualTo(1.0).Within(1e-15));
        Assert.That(BeamSearch.LengthPenalty(7, 0.6), Is.EqualTo(Math.Pow(2.0, 0.6)).Within(1e-15));
        Assert.That(BeamSearch.LengthPenalty(10, 0), Is.EqualTo(1.0));
    }

    [TestCase(Seq2SeqAttention.Additive, CellKind.Lstm)]
    [TestCase(Seq2SeqAttention.Dot, CellKind.Gru)]
    public void APaddedSourceDecodesAsItDoesAlone(Seq2SeqAttention attention, CellKind cell)
    {
        var pairs = ReversePairs(50, 8);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        using var model = RandomModel(vocab, 12, attention, cell);
        var examples = Encode(vocab, pairs[..6]);
        var sources = examples.Select(e => e.Source).ToList();
        Assume.That(sources.Select(s => s.Length).Distinct().Count(), Is.GreaterThan(1), "the batch must be ragged");
        var batched = model.Greedy(sources, maxLength: 8);
        for (int i = 0; i < sources.Count; i++)
        {
            var alone = model.Greedy([sources[i]], maxLength: 8)[0];
            Assert.That(batched[i].Tokens, Is.EqualTo(alone.Tokens), $"source {i}");
            Assert.That(batched[i].LogProbability, Is.EqualTo(alone.LogProbability).Within(1e-10));
            for (int t = 0; t < alone.Attention.Length; t++)
                Assert.That(batched[i].Attention[t], Is.EqualTo(alone.Attention[t]).Within(1e-12), $"source {i} step {t}");
        }
        // The teacher-forced loss too: the batch's summed loss is the sum of the examples' own.
        var batchLoss = model.Loss(new Seq2SeqBatch(sources, [.. examples.Select(e => e.Target)]));
        double sum = examples.Sum(e => { var l = model.Loss(new Seq2SeqBatch([e.Source], [e.Target])); return l.Loss * l.Tokens; });
        Assert.That(batchLoss.Loss * batchLoss.Tokens, Is.EqualTo(sum).Within(1e-9));
    }

    [Test]
    public void CheckpointRoundTripIsBitExact()
    {
        var pairs = ReversePairs(40, 9);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        using var model = new Seq2Seq<float>(_cpu, Tiny(vocab, CellKind.Gru, Seq2SeqAttention.General) with { InputFeeding = false }, new RandomStream(3));
        string path = Path.Combine(Path.GetTempPath(), $"seqcore-s2s-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Vocabulary = vocab;
            model.MaxTargetLength = 7;
            model.Save(path);
            var loaded = Seq2Seq<float>.Load(path, _cpu);
            using (loaded)
            {
                Assert.That(loaded.Config, Is.EqualTo(model.Config));
                Assert.That(loaded.Vocabulary!.SourceCharacters, Is.EqualTo(vocab.SourceCharacters));
                Assert.That(loaded.Vocabulary.TargetCharacters, Is.EqualTo(vocab.TargetCharacters));
                Assert.That(loaded.MaxTargetLength, Is.EqualTo(7));
                Assert.That(ConfigJson.ReadKind(Checkpoint.ReadMetadata(path)[Checkpoint.ConfigKey]), Is.EqualTo("seq2seq"));
                Assert.That(loaded.Parameters.Select(p => p.Name), Is.EqualTo(model.Parameters.Select(p => p.Name)));
                for (int i = 0; i < model.Parameters.Count; i++)
                {
                    var a = _cpu.ToArray(model.Parameters[i].Value).Select(BitConverter.SingleToInt32Bits);
                    var b = _cpu.ToArray(loaded.Parameters[i].Value).Select(BitConverter.SingleToInt32Bits);
                    Assert.That(b, Is.EqualTo(a), model.Parameters[i].Name);
                }
                var src = vocab.EncodeSource(pairs[0].Item1);
                Assert.That(loaded.Beam(src, 3, 10)[0].Tokens, Is.EqualTo(model.Beam(src, 3, 10)[0].Tokens));
            }
            Assert.That(Directory.GetFiles(Path.GetTempPath(), $".{Path.GetFileName(path)}*"), Is.Empty, "no temporary file left");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void ACheckpointWrittenBeforeTheCatalogueStillLoads()
    {
        // The shape Seq2SeqCheckpoint wrote: snake_case config without "model", enums as "Gru"/"General", the kind under "seqcore.model".
        var pairs = ReversePairs(20, 4);
        var vocab = Seq2SeqVocabulary.Build(pairs);
        using var model = new Seq2Seq<float>(_cpu, Tiny(vocab, CellKind.Gru, Seq2SeqAttention.General) with { InputFeeding = false }, new RandomStream(8));
        string legacyConfig = $$"""{"source_vocab_size":{{vocab.SourceSize}},"target_vocab_size":{{vocab.TargetSize}},"embedding_size":8,"hidden_size":8,"cell":"Gru","bidirectional":true,"attention":"General","attention_size":0,"input_feeding":false}""";
        string path = Path.Combine(Path.GetTempPath(), $"seqcore-s2s-{Guid.NewGuid():N}.safetensors");
        try
        {
            Checkpoint.Save(path, _cpu, model.Parameters, new Dictionary<string, string>
            {
                ["seqcore.model"] = "seq2seq", [Checkpoint.ConfigKey] = legacyConfig, [Seq2Seq<float>.MaxTargetLengthKey] = "5",
            }, vocab.ToJson());
            using var loaded = Seq2Seq<float>.Load(path, _cpu);
            Assert.That(loaded.Config, Is.EqualTo(model.Config));
            Assert.That(loaded.MaxTargetLength, Is.EqualTo(5));
            var src = vocab.EncodeSource(pairs[0].Item1);
            Assert.That(loaded.Greedy([src], 8)[0].Tokens, Is.EqualTo(model.Greedy([src], 8)[0].Tokens));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void TheConfigIsCamelCaseJsonNamingItsKindAndRefusesUnknownKeys()
    {
        var config = Tiny(Seq2SeqVocabulary.Build([("ab", "ba")]), CellKind.Gru, Seq2SeqAttention.Dot);
        string json = ModelCheckpoint.ConfigText(config);
        Assert.That(json, Does.Contain("\"model\":\"seq2seq\"").And.Contain("\"sourceVocabularySize\"").And.Contain("\"cell\":\"gru\"").And.Contain("\"attention\":\"dot\""));
        Assert.That(Seq2SeqConfig.FromJson(json, "test"), Is.EqualTo(config));
        Assert.That(() => Seq2SeqConfig.FromJson(json.Replace("\"hiddenSize\"", "\"hidenSize\""), "c.json"),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contains("c.json").And.Message.Contains("hidenSize"));
    }

    [Test]
    public void ParameterNamesFollowTheStateDictLayout()
    {
        var vocab = Seq2SeqVocabulary.Build([("ab", "ba")]);
        using var model = new Seq2Seq<float>(_cpu, Tiny(vocab), new RandomStream(1));
        var names = model.Parameters.Select(p => p.Name).ToList();
        Assert.That(names, Does.Contain("source_embedding.weight").And.Contain("encoder.weight_ih_l0_reverse").And.Contain("decoder.weight_hh_l0")
            .And.Contain("attention.v.weight").And.Contain("combine.weight").And.Contain("generator.bias"));
        Assert.That(names, Is.Unique);
    }

    [Test]
    public void LoadingSomethingElseGivesAClearError()
    {
        string path = Path.Combine(Path.GetTempPath(), $"seqcore-s2s-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllText(path, "not a safetensors file");
            Assert.That(() => Seq2Seq<float>.Load(path, _cpu), Throws.InstanceOf<InvalidDataException>().With.Message.Contains(path));
            Checkpoint.Save(path, _cpu, [], new Dictionary<string, string>());
            Assert.That(() => Seq2Seq<float>.Load(path, _cpu), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("not a SeqCore model checkpoint"));
            using var lm = new LanguageModel<float>(_cpu, new LanguageModelConfig { VocabularySize = 5, EmbeddingSize = 4, HiddenSize = 4 }, new RandomStream(1));
            ModelCheckpoint.Save(path, lm);
            Assert.That(() => Seq2Seq<float>.Load(path, _cpu), Throws.InstanceOf<InvalidDataException>()
                .With.Message.Contains("'language-model'").And.Message.Contains("'seq2seq'").And.Message.Contains(path));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void VocabularyRejectsUnknownCharactersByName()
    {
        var vocab = Seq2SeqVocabulary.Build([("abc", "xyz")]);
        Assert.That(vocab.EncodeSource("ca"), Is.EqualTo(new[] { 4, 2, Seq2SeqVocabulary.SourceEos }));
        Assert.That(() => vocab.EncodeSource("abd"), Throws.ArgumentException.With.Message.Contains("'d'"));
        Assert.That(vocab.DecodeTarget([5, 3, Seq2SeqVocabulary.Eos, 4]), Is.EqualTo("zx"));
        var again = Seq2SeqVocabulary.FromJson(vocab.ToJson(), "test");
        Assert.That(again.TargetCharacters, Is.EqualTo(vocab.TargetCharacters));
    }

    [Test]
    public void TaskGeneratorsAreDeterministicAndCorrect()
    {
        var a = Seq2SeqTasks.Generate("dates", 200, 1);
        Assert.That(Seq2SeqTasks.Generate("dates", 200, 1), Is.EqualTo(a));
        Assert.That(a.Select(p => p.Source), Is.Unique);
        foreach (var (source, target) in a)
        {
            Assert.That(target, Does.Match(@"^(19[5-9]\d|20[0-4]\d)-\d\d-\d\d$"), source);
            Assert.That(DateTime.TryParseExact(target, "yyyy-MM-dd", null, System.Globalization.DateTimeStyles.None, out _), source);
        }
        Assert.That(Seq2SeqTasks.NumberWords(312), Is.EqualTo("three hundred and twelve"));
        Assert.That(Seq2SeqTasks.NumberWords(2005), Is.EqualTo("two thousand and five"));
        Assert.That(Seq2SeqTasks.NumberWords(9999), Is.EqualTo("nine thousand nine hundred and ninety-nine"));
        Assert.That(Seq2SeqTasks.NumberWords(40), Is.EqualTo("forty"));
        Assert.That(Seq2SeqTasks.Generate("reverse", 5, 2).All(p => new string(p.Source.Reverse().ToArray()) == p.Target));
        Assert.That(() => Seq2SeqTasks.Generate("poems", 5, 2), Throws.ArgumentException.With.Message.Contains("poems"));
    }
}
