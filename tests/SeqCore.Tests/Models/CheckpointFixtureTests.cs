using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;

namespace SeqCore.Tests.Models;

/// <summary>
/// Checkpoints written by an older build (Fixtures/checkpoints-2026-12, see its README) keep loading and give the numbers
/// recorded when they were written: the config keys renamed since are still read.
/// </summary>
[TestFixture]
public sealed class CheckpointFixtureTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "checkpoints-2026-12");
    private CpuBackend<float> _cpu = null!;

    [OneTimeSetUp]
    public void CreateBackend() => _cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });

    [OneTimeTearDown]
    public void DisposeBackend() => _cpu.Dispose();

    private static string File(string name) => Path.Combine(Folder, name);

    private static void AssertClose(double actual, double expected, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(1e-5 * Math.Max(1, Math.Abs(expected))), what);

    [TestCase("lm-lstm", 3.5952215287243607)]
    [TestCase("lm-transformer", 3.558059220486777)]
    public void LanguageModelScoresTheTextAsWhenWritten(string name, double nll)
    {
        using var model = LanguageModel<float>.Load(File(name + ".safetensors"), _cpu);
        string text = System.IO.File.ReadAllText(File("text.txt"));
        var metrics = LanguageModelEvaluator.Score(model, text, model.Tokenizer!.Encode(text), batch: 2, window: 16);
        TestContext.Out.WriteLine($"{name}: nll {metrics.Nll:R}");
        AssertClose(metrics.Nll, nll, $"{name} NLL");
    }

    [Test]
    public void ForecasterForecastsAsWhenWritten()
    {
        using var model = Forecaster<float>.Load(File("forecaster.safetensors"), _cpu);
        var data = ForecastData.Load(File("series.csv"), model.Config.Target, model.Config.Inputs);
        var split = ForecastSplit.ForForecasting(model.Config, data.Series.Length, holdout: 6, horizon: 0, season: 0, knownInputs: false, File("series.csv"), "forecaster");
        var result = ForecastEvaluation.Run(model, data.Series, split, knownInputs: false);
        TestContext.Out.WriteLine($"forecast {string.Join(", ", result.Forecast.Select(v => v.ToString("R")))}");
        double[] expected = [151.66054206020607, 153.20765460556905, 154.26717242533573, 154.50702360398077, 154.50891884011293, 154.45921782966573];
        for (int i = 0; i < expected.Length; i++) AssertClose(result.Forecast[i], expected[i], $"forecast step {i}");
    }

    [Test]
    public void ClassifierPredictsAsWhenWritten()
    {
        using var model = TextClassifier<float>.Load(File("classifier.safetensors"), _cpu);
        var probabilities = model.Predict(["yoked", "tomográficos"]);
        TestContext.Out.WriteLine($"probabilities {string.Join(" | ", probabilities.Select(p => string.Join(", ", p.Select(v => v.ToString("R")))))}");
        double[][] expected = [[0.6660119295120239, 0.33398813009262085], [0.6528499126434326, 0.3471500873565674]];
        for (int i = 0; i < expected.Length; i++)
            for (int k = 0; k < expected[i].Length; k++) AssertClose(probabilities[i][k], expected[i][k], $"text {i} class {k}");
    }

    [Test]
    public void Seq2SeqScoresAndDecodesAsWhenWritten()
    {
        using var model = Seq2Seq<float>.Load(File("seq2seq.safetensors"), _cpu);
        var vocabulary = model.Vocabulary!;
        var decoded = model.Greedy([vocabulary.EncodeSource("yoked")], maxLength: 8);
        double logProbability = decoded[0].LogProbability;
        TestContext.Out.WriteLine($"greedy '{vocabulary.DecodeTarget(decoded[0].Tokens)}' log p {logProbability:R}");
        AssertClose(logProbability, -24.364774465560913, "greedy log-probability");
        Assert.That(vocabulary.DecodeTarget(decoded[0].Tokens), Is.EqualTo("eeeeeeee"));
    }

    [Test]
    public void Word2VecGivesTheVectorsAsWhenWritten()
    {
        using var model = Word2Vec<float>.Load(File("word2vec.safetensors"), _cpu);
        double[] vector = model.Vector("God")!;
        TestContext.Out.WriteLine($"vector {string.Join(", ", vector.Select(v => v.ToString("R")))}");
        double[] expected = [-0.12178611010313034, 0.017108691856265068, 0.06464782357215881, 0.07303598523139954];
        for (int i = 0; i < expected.Length; i++) AssertClose(vector[i], expected[i], $"component {i}");
    }

    [Test]
    public void A_config_with_both_the_old_and_the_new_name_of_a_key_is_refused_naming_both()
    {
        var e = Assert.Throws<InvalidDataException>(() => LanguageModelConfig.FromJson("{\"vocabSize\":5,\"vocabularySize\":5}", "both.json"))!;
        Assert.That(e.Message, Does.StartWith("both.json").And.Contain("\"vocabSize\"").And.Contain("\"vocabularySize\""));
        Assert.That(LanguageModelConfig.FromJson("{\"vocabSize\":5}", "old.json").VocabularySize, Is.EqualTo(5));
    }

    [TestCase("lm-lstm", "language-model")]
    [TestCase("lm-transformer", "language-model")]
    [TestCase("forecaster", "forecaster")]
    [TestCase("classifier", "classifier")]
    [TestCase("seq2seq", "seq2seq")]
    [TestCase("word2vec", "word2vec")]
    public void AnyCheckpointOpensAsItsKind(string name, string kind)
    {
        using var model = ModelCheckpoint.Load(File(name + ".safetensors"), _cpu);
        Assert.That(model.Config.Model, Is.EqualTo(kind));
        Assert.That(Checkpoint.ReadMetadata(File(name + ".safetensors")), Does.ContainKey(Checkpoint.ConfigKey));
    }
}
