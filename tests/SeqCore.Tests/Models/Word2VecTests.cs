using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>Skip-gram word2vec: vocabulary and sampling rules, training on a synthetic corpus where words that co-occur
/// end up nearer than words that never do, similarity queries on hand-set vectors, and a bit-exact checkpoint round trip.</summary>
public class Word2VecTests
{
    /// <summary>Two topics that never share a sentence: words of a topic co-occur only with each other.</summary>
    private static string[] TwoTopics(int sentences)
    {
        string[][] topics = [["red", "green", "blue", "yellow", "purple"], ["cat", "dog", "horse", "sheep", "goat"]];
        var random = new RandomStream(11);
        return Enumerable.Range(0, sentences).Select(i =>
        {
            var words = topics[i % 2];
            return string.Join(' ', Enumerable.Range(0, 6).Select(_ => words[random.NextInt(words.Length)]));
        }).ToArray();
    }

    [Test]
    public void Vocabulary_keeps_lower_cased_words_by_count_and_drops_rare_words_punctuation_and_numbers()
    {
        var v = Word2VecVocabulary.Build(["Genesis 1", "In the beginning God created the heaven.", "And the earth; and GOD saw."], minCount: 2);
        Assert.That(v.Words, Is.EqualTo(new[] { "the", "and", "god" }));
        Assert.That(v.Counts, Is.EqualTo(new long[] { 3, 2, 2 }));
        Assert.That(v.IdOf("God"), Is.EqualTo(2));
        Assert.That(v.IdOf("heaven"), Is.EqualTo(-1));
        Assert.That(v.Encode(["The god, and THE", "heaven only", "god"]), Is.EqualTo(new[] { new[] { 0, 2, 1, 0 } }));
        Assert.Throws<ArgumentException>(() => Word2VecVocabulary.Build(["a b c"], minCount: 2));
        Assert.Throws<ArgumentException>(() => Word2VecVocabulary.Build(["", "1 2 ."], minCount: 1));
    }

    [Test]
    public void Noise_follows_count_to_the_three_quarters_and_subsampling_spares_rare_words()
    {
        var v = new Word2VecVocabulary(["a", "b", "c"], [10000, 100, 1]);
        var random = new RandomStream(5);
        var hits = new int[3];
        const int draws = 200_000;
        for (int i = 0; i < draws; i++) hits[v.SampleNoise(random)]++;
        double z = Math.Pow(10000, 0.75) + Math.Pow(100, 0.75) + 1;
        Assert.That(hits[0] / (double)draws, Is.EqualTo(1000 / z).Within(0.01));
        Assert.That(hits[1] / (double)draws, Is.EqualTo(Math.Pow(100, 0.75) / z).Within(0.005));
        Assert.That(hits[2], Is.GreaterThan(0));
        double[] keep = v.KeepProbabilities(1e-3);
        double f = 10000 / 10101.0;
        Assert.That(keep[0], Is.EqualTo(Math.Sqrt(1e-3 / f) + 1e-3 / f).Within(1e-12));
        Assert.That(keep[2], Is.EqualTo(1));
        Assert.That(v.KeepProbabilities(0), Is.All.EqualTo(1));
    }

    [Test]
    public void Sampler_pairs_words_within_the_window_and_draws_negatives_other_than_the_context()
    {
        var v = new Word2VecVocabulary(Enumerable.Range(0, 20).Select(i => $"w{i}").ToArray(), Enumerable.Repeat(10L, 20).ToArray());
        int[][] sentences = [Enumerable.Range(0, 20).ToArray()];
        var sampler = new SkipGramSampler(sentences, v, window: 2, negatives: 3, subsample: 0, new RandomStream(3));
        var centers = new int[500];
        var outputs = new int[500 * 4];
        sampler.Next(centers, outputs);
        for (int b = 0; b < centers.Length; b++)
        {
            int context = outputs[b * 4];
            Assert.That(Math.Abs(context - centers[b]), Is.InRange(1, 2), $"pair {b}");
            for (int j = 1; j < 4; j++) Assert.That(outputs[b * 4 + j], Is.Not.EqualTo(context));
        }
        Assert.That(sampler.Epoch, Is.GreaterThan(0));
    }

    [Test]
    public void Co_occurring_words_end_up_nearer_than_words_that_never_meet()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        string[] corpus = TwoTopics(400);
        var vocabulary = Word2VecVocabulary.Build(corpus, minCount: 1);
        var sampler = new SkipGramSampler(vocabulary.Encode(corpus), vocabulary, window: 3, negatives: 4, subsample: 0, new RandomStream(2));
        using var model = new Word2Vec<float>(be, vocabulary, 16, new RandomStream(1));
        var data = new Word2VecTrainable<float>(model, sampler, batch: 64);
        using var sgd = new Sgd<float>(be, model.Parameters, 0.05);
        var result = new Trainer<float>(be, sgd, new TrainerOptions { Steps = 300 }).Run(data);
        Assert.That(result.History[0].Loss, Is.EqualTo(5 * Math.Log(2)).Within(1e-3), "all logits start at 0: (k+1)·log 2");
        Assert.That(result.FinalLoss, Is.LessThan(0.6 * result.History[0].Loss));

        string[] colours = ["red", "green", "blue", "yellow", "purple"], animals = ["cat", "dog", "horse", "sheep", "goat"];
        double Cos(string a, string b)
        {
            double[] x = model.Vector(a)!, y = model.Vector(b)!;
            return x.Zip(y, (p, q) => p * q).Sum() / Math.Sqrt(x.Sum(p => p * p) * y.Sum(q => q * q));
        }
        double within = 0, across = 0;
        int nWithin = 0, nAcross = 0;
        foreach (var group in new[] { colours, animals })
            foreach (string a in group)
                foreach (string b in group)
                    if (a != b) { within += Cos(a, b); nWithin++; }
        foreach (string a in colours)
            foreach (string b in animals) { across += Cos(a, b); nAcross++; }
        within /= nWithin;
        across /= nAcross;
        Assert.That(within, Is.GreaterThan(across + 0.5), $"mean cosine within topics {within:F3}, across {across:F3}");
        // Every colour's nearest neighbours are the other colours.
        foreach (string c in colours)
            Assert.That(model.Neighbours(c, 4).Select(n => n.Word), Is.EquivalentTo(colours.Where(x => x != c)), c);
    }

    [Test]
    public void Neighbours_and_analogies_exclude_the_query_words()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        var vocabulary = new Word2VecVocabulary(["king", "man", "woman", "queen", "apple"], [5, 4, 3, 2, 1]);
        using var model = new Word2Vec<double>(be, vocabulary, 3, new RandomStream(1));
        be.CopyFromHost([1, 1, 0, /* man */ 1, 0, 0, /* woman */ 0, 0, 1, /* queen */ 0, 1, 1, /* apple */ -1, 0.2, 0], model.InEmbedding.Value);
        model.InvalidateSimilarityCache();
        var answer = model.Analogy("king", "man", "woman", 2);
        Assert.That(answer[0].Word, Is.EqualTo("queen"));
        // Unit vectors: king/√2 − man + woman = (1/√2 − 1, 1/√2, 1); queen/√2 = (0, 1/√2, 1/√2).
        double r = 1 / Math.Sqrt(2);
        Assert.That(answer[0].Similarity, Is.EqualTo((r * r + r) / Math.Sqrt((r - 1) * (r - 1) + r * r + 1)).Within(1e-12));
        Assert.That(answer.Select(a => a.Word), Has.None.AnyOf("king", "man", "woman"));
        var near = model.Neighbours("KING", 10);
        Assert.That(near, Has.Count.EqualTo(4));
        Assert.That(near[0].Word, Is.EqualTo("man").Or.EqualTo("queen"));
        Assert.That(near[0].Similarity, Is.EqualTo(1 / Math.Sqrt(2)).Within(1e-12));
        Assert.That(near[^1].Word, Is.EqualTo("apple"));
        var e = Assert.Throws<KeyNotFoundException>(() => model.Neighbours("prince"))!;
        Assert.That(e.Message, Does.Contain("'prince'"));
    }

    [Test]
    public void Checkpoint_round_trip_is_bit_exact_with_the_vocabulary()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var vocabulary = new Word2VecVocabulary(["alpha", "beta", "gamma"], [3, 2, 1]);
        using var model = new Word2Vec<float>(be, vocabulary, 5, new RandomStream(4));
        be.FillNormal(new RandomStream(5), 0f, 1f, model.OutEmbedding.Value);
        string path = Path.Combine(Path.GetTempPath(), $"seqcore-w2v-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            var meta = SeqCore.IO.Checkpoint.ReadMetadata(path);
            Assert.That(meta[Word2Vec<float>.VocabularyKey], Is.EqualTo("[\"alpha\",\"beta\",\"gamma\"]"));
            using var loaded = Word2Vec<float>.Load(path, be);
            Assert.That(loaded.Vocabulary.Words, Is.EqualTo(vocabulary.Words));
            Assert.That(loaded.Vocabulary.Counts, Is.EqualTo(vocabulary.Counts));
            Assert.That(loaded.Parameters.Select(p => p.Name), Is.EqualTo(new[] { "in_embed.weight", "out_embed.weight" }));
            for (int i = 0; i < 2; i++)
                Assert.That(be.ToArray(loaded.Parameters[i].Value), Is.EqualTo(be.ToArray(model.Parameters[i].Value)));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void A_checkpoint_written_before_the_catalogue_still_loads_and_a_new_one_is_camel_case()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var vocabulary = new Word2VecVocabulary(["alpha", "beta", "gamma"], [3, 2, 1]);
        using var model = new Word2Vec<float>(be, vocabulary, 4, new RandomStream(6));
        string path = Path.Combine(Path.GetTempPath(), $"seqcore-w2v-old-{Guid.NewGuid():N}.safetensors");
        try
        {
            // The shape the old 'word2vec train' wrote: snake_case, its training settings as strings in the config.
            var meta = new Dictionary<string, string>
            {
                [SeqCore.IO.Checkpoint.ConfigKey] = "{\"model\":\"word2vec\",\"dim\":4,\"vocab_size\":3,\"window\":\"5\",\"negatives\":\"5\",\"min_count\":\"1\",\"sample\":\"0.001\"}",
                [Word2Vec<float>.VocabularyKey] = "[\"alpha\",\"beta\",\"gamma\"]",
                [Word2Vec<float>.CountsKey] = "[3,2,1]",
            };
            SeqCore.IO.Checkpoint.Save(path, be, model.Parameters, meta);
            using (var old = Word2Vec<float>.Load(path, be))
            {
                Assert.That(old.Config, Is.EqualTo(new Word2VecConfig { VocabularySize = 3, EmbeddingSize = 4 }));
                Assert.That(old.Vocabulary.Counts, Is.EqualTo(new long[] { 3, 2, 1 }));
                Assert.That(be.ToArray(old.InEmbedding.Value), Is.EqualTo(be.ToArray(model.InEmbedding.Value)));
            }
            Assert.That(ModelCheckpoint.ReadKind(path), Is.EqualTo("word2vec"));

            model.Save(path);
            Assert.That(SeqCore.IO.Checkpoint.ReadMetadata(path)[SeqCore.IO.Checkpoint.ConfigKey],
                Is.EqualTo("{\"model\":\"word2vec\",\"vocabularySize\":3,\"embeddingSize\":4,\"architecture\":\"skipgram\"}"));
            using var any = ModelCheckpoint.Load(path, be);
            Assert.That(any, Is.InstanceOf<Word2Vec<float>>());

            var e = Assert.Throws<InvalidDataException>(() => Word2VecConfig.FromJson("{\"model\":\"word2vec\",\"dim\":4,\"vocab_size\":3,\"hs\":\"1\"}", "old.safetensors"))!;
            Assert.That(e.Message, Does.Contain("old.safetensors").And.Contain("\"hs\""));
            e = Assert.Throws<InvalidDataException>(() => Word2VecConfig.FromJson("{\"model\":\"word2vec\",\"dim\":4,\"vocabularySize\":3,\"window\":5}", "new.safetensors"))!;
            Assert.That(e.Message, Does.Contain("new.safetensors").And.Contain("\"window\""));
        }
        finally { File.Delete(path); }
    }
}
