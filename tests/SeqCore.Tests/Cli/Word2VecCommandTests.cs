using System.Text.Json;
using SeqCore.Cli;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore word2vec train|neighbours|analogy</c> in-process on a tiny corpus, and their errors.</summary>
public class Word2VecCommandTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"seqcore-w2v-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private string Corpus()
    {
        string path = Path.Combine(_dir, "corpus.txt");
        var random = new System.Random(3);
        string[][] topics = [["sun", "moon", "star", "sky"], ["bread", "wine", "oil", "meat"]];
        File.WriteAllLines(path, Enumerable.Range(0, 200).Select(i => string.Join(' ', Enumerable.Range(0, 5).Select(_ => topics[i % 2][random.Next(4)])) + "."));
        return path;
    }

    [Test]
    public void Trains_then_answers_neighbours_and_analogies()
    {
        string model = Path.Combine(_dir, "m.safetensors");
        var (code, stdout, stderr) = Run("word2vec", "train", "--corpus", Corpus(), "--dim", "8", "--window", "2", "--negatives", "3",
            "--min-count", "1", "--sample", "0", "--steps", "150", "--batch", "32", "--lr", "0.05", "--out", model, "--json");
        Assert.That(code, Is.Zero, stderr);
        using (var result = JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]))
        {
            var r = result.RootElement;
            Assert.That(r.GetProperty("vocabulary").GetInt32(), Is.EqualTo(8));
            Assert.That(r.GetProperty("steps").GetInt32(), Is.EqualTo(150));
            Assert.That(r.GetProperty("final_loss").GetDouble(), Is.LessThan(r.GetProperty("first_loss").GetDouble()));
            Assert.That(r.GetProperty("checkpoint").GetString(), Is.EqualTo(model));
            Assert.That(r.GetProperty("loss_svg").GetString(), Is.EqualTo(Path.Combine(_dir, "m.loss.svg")));
        }
        Assert.That(File.Exists(model));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "m.loss.svg")), Does.StartWith("<svg"));

        (code, stdout, stderr) = Run("word2vec", "neighbours", "--model", model, "--word", "Sun", "--top", "3", "--json");
        Assert.That(code, Is.Zero, stderr);
        using (var result = JsonDocument.Parse(stdout))
        {
            var words = result.RootElement.GetProperty("results").EnumerateArray().Select(e => e.GetProperty("word").GetString()).ToArray();
            Assert.That(words, Is.EquivalentTo(new[] { "moon", "star", "sky" }));
        }

        (code, stdout, stderr) = Run("word2vec", "analogy", "--model", model, "sun", "moon", "bread", "--top", "2");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("cosine").And.Not.Contain(" sun ").And.Not.Contain(" bread "));
    }

    [Test]
    public void Train_model_word2vec_is_the_same_run_as_the_verb()
    {
        string corpus = Corpus();
        string[] options = ["--corpus", corpus, "--dim", "4", "--min-count", "1", "--steps", "3", "--batch", "16", "--threads", "1", "--json"];
        var (code, viaVerb, stderr) = Run(["word2vec", "train", .. options, "--out", Path.Combine(_dir, "a.safetensors")]);
        Assert.That(code, Is.Zero, stderr);
        (code, var viaTrain, stderr) = Run(["train", "--model", "word2vec", .. options, "--out", Path.Combine(_dir, "b.safetensors")]);
        Assert.That(code, Is.Zero, stderr);
        double Loss(string stdout) => JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement.GetProperty("final_loss").GetDouble();
        Assert.That(Loss(viaTrain), Is.EqualTo(Loss(viaVerb)));
        Assert.That(File.ReadAllBytes(Path.Combine(_dir, "b.safetensors")).Length, Is.GreaterThan(0));
    }

    [Test]
    public void Bad_inputs_exit_2_naming_the_problem()
    {
        string model = Path.Combine(_dir, "m.safetensors");
        var (code, _, err) = Run("word2vec", "train", "--corpus", Path.Combine(_dir, "missing.txt"), "--out", model);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("file not found").And.Contain("missing.txt"));

        string empty = Path.Combine(_dir, "empty.txt");
        File.WriteAllText(empty, "1 2 3\n. , ;\n");
        (code, _, err) = Run("word2vec", "train", "--corpus", empty, "--out", model);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("empty.txt").And.Contain("no words"));

        string rare = Path.Combine(_dir, "rare.txt");
        File.WriteAllText(rare, "once upon a time\n");
        (code, _, err) = Run("word2vec", "train", "--corpus", rare, "--out", model);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("no word occurs 5 times"));
        Assert.That(File.Exists(model), Is.False);

        (code, _, _) = Run("word2vec", "train", "--corpus", Corpus(), "--min-count", "1", "--steps", "2", "--dim", "4", "--out", model);
        Assert.That(code, Is.Zero);
        (code, _, err) = Run("word2vec", "neighbours", "--model", model, "--word", "pharaoh");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("'pharaoh'").And.Contain("not in the vocabulary"));
        (code, _, err) = Run("word2vec", "analogy", "--model", model, "sun", "unicorn", "bread");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("'unicorn'"));
        (code, _, err) = Run("word2vec", "analogy", "--model", model, "sun", "moon");
        Assert.That(code, Is.EqualTo(2));

        string corrupt = Path.Combine(_dir, "corrupt.safetensors");
        File.WriteAllBytes(corrupt, [1, 2, 3]);
        (code, _, err) = Run("word2vec", "neighbours", "--model", corrupt, "--word", "sun");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("corrupt.safetensors"));

        (code, _, err) = Run("word2vec", "neighbours", "--model", Path.Combine(_dir, "none.safetensors"), "--word", "sun");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("file not found"));

        (code, _, err) = Run("word2vec", "train", "--corpus", Corpus(), "--dim", "-3");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--dim"));

        (code, _, err) = Run("word2vec", "train", "--corpus", Corpus(), "--sample", "-1");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--sample"));

        (code, _, err) = Run("word2vec", "train", "--out", model);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--corpus is required"));

        (code, _, err) = Run("word2vec", "neighbours", "--model", model);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--word is required"));

        (code, _, err) = Run("word2vec");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("train, neighbours, analogy"));
    }

    [Test]
    public void A_forecaster_checkpoint_is_not_a_word2vec_model()
    {
        string csv = Path.Combine(_dir, "s.csv");
        File.WriteAllLines(csv, ["t,y", .. Enumerable.Range(0, 40).Select(i => $"{i},{Math.Sin(i)}")]);
        string outDir = Path.Combine(_dir, "fc");
        var (code, _, err) = Run("forecast", "--csv", csv, "--column", "y", "--holdout", "5", "--window", "5", "--steps", "2", "--hidden", "2", "--out", Path.Combine(outDir, "forecast.safetensors"));
        Assert.That(code, Is.Zero, err);
        (code, _, err) = Run("word2vec", "neighbours", "--model", Path.Combine(outDir, "forecast.safetensors"), "--word", "sun");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("'forecaster' model").And.Contain("'word2vec'"));
    }
}
