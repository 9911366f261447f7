using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>CBOW word2vec: the sampler's windows, training below the start loss with topics separated, and an exact
/// resume of the sampler.</summary>
public class Word2VecCbowTests
{
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
    public void Sampler_gives_each_center_its_window_padded_and_negatives_other_than_the_center()
    {
        var v = new Word2VecVocabulary(Enumerable.Range(0, 20).Select(i => $"w{i}").ToArray(), Enumerable.Repeat(10L, 20).ToArray());
        int[][] sentences = [Enumerable.Range(0, 20).ToArray()];
        var sampler = new CbowSampler(sentences, v, window: 3, negatives: 4, subsample: 0, new RandomStream(3));
        Assert.That(sampler.InputsPerExample, Is.EqualTo(6));
        Assert.That(sampler.EstimatedPairsPerEpoch(), Is.EqualTo(20));
        var contexts = new int[20 * 6];
        var outputs = new int[20 * 5];
        sampler.Next(contexts, outputs);
        for (int b = 0; b < 20; b++)
        {
            int center = outputs[b * 5];
            Assert.That(center, Is.EqualTo(b), "centers in sentence order");
            var window = contexts.Skip(b * 6).Take(6).ToArray();
            var real = window.TakeWhile(id => id >= 0).ToArray();
            Assert.That(window.Skip(real.Length), Is.All.EqualTo(-1), "padding after the window's words");
            Assert.That(real, Is.Not.Empty);
            Assert.That(real, Has.All.Matches<int>(id => id != center && Math.Abs(id - center) <= 3));
            int b0 = real.Max(id => Math.Abs(id - center));
            Assert.That(real, Is.EquivalentTo(Enumerable.Range(center - b0, 2 * b0 + 1).Where(id => id != center && id >= 0 && id < 20)), "the whole dynamic window");
            Assert.That(outputs.Skip(b * 5 + 1).Take(4), Has.None.EqualTo(center));
        }
    }

    [Test]
    public void Cbow_trains_below_its_start_loss_and_separates_topics()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        string[] corpus = TwoTopics(400);
        var vocabulary = Word2VecVocabulary.Build(corpus, minCount: 1);
        var sampler = new CbowSampler(vocabulary.Encode(corpus), vocabulary, window: 3, negatives: 4, subsample: 0, new RandomStream(2));
        var config = new Word2VecConfig { VocabularySize = vocabulary.Count, EmbeddingSize = 16, Architecture = Word2VecConfig.Cbow };
        using var model = new Word2Vec<float>(be, vocabulary, config, new RandomStream(1));
        var data = new Word2VecTrainable<float>(model, sampler, batch: 64);
        Assert.That(data.ItemUnit, Is.EqualTo("windows"));
        using var sgd = new Sgd<float>(be, model.Parameters, 0.05);
        var result = new Trainer<float>(be, sgd, new TrainerOptions { Steps = 300 }).Run(data);
        Assert.That(result.History[0].Loss, Is.EqualTo(5 * Math.Log(2)).Within(1e-3), "all logits start at 0: (k+1)·log 2");
        Assert.That(result.FinalLoss, Is.LessThan(0.6 * result.History[0].Loss));
        string[] colours = ["red", "green", "blue", "yellow", "purple"];
        foreach (string c in colours)
            Assert.That(model.Neighbours(c, 4).Select(n => n.Word), Is.EquivalentTo(colours.Where(x => x != c)), c);
    }

    [Test]
    public void Cbow_sampler_resumes_exactly_mid_sentence()
    {
        string[] corpus = TwoTopics(50);
        var vocabulary = Word2VecVocabulary.Build(corpus, minCount: 1);
        CbowSampler Make() => new(vocabulary.Encode(corpus), vocabulary, window: 2, negatives: 3, subsample: 1e-2, new RandomStream(9));
        var a = Make();
        var (ctx, outs) = (new int[7 * 4], new int[7 * 4]);
        a.Next(ctx, outs);
        var state = new TrainableState();
        a.SaveState(state);
        var b = Make();
        b.RestoreState(state);
        var (ca, oa, cb, ob) = (new int[40 * 4], new int[40 * 4], new int[40 * 4], new int[40 * 4]);
        a.Next(ca, oa);
        b.Next(cb, ob);
        Assert.That(cb, Is.EqualTo(ca));
        Assert.That(ob, Is.EqualTo(oa));
    }

    [Test]
    public void A_config_without_architecture_is_skip_gram_and_cbow_round_trips()
    {
        var old = Word2VecConfig.FromJson("{\"model\":\"word2vec\",\"vocabularySize\":5,\"embeddingSize\":3}", "test");
        Assert.That(old.Architecture, Is.EqualTo(Word2VecConfig.SkipGram));
        var cbow = new Word2VecConfig { VocabularySize = 5, EmbeddingSize = 3, Architecture = Word2VecConfig.Cbow };
        Assert.That(Word2VecConfig.FromJson(cbow.ToJson(), "test"), Is.EqualTo(cbow));
        Assert.Throws<InvalidDataException>(() => Word2VecConfig.FromJson("{\"model\":\"word2vec\",\"vocabularySize\":5,\"embeddingSize\":3,\"architecture\":\"glove\"}", "test"));
    }
}
