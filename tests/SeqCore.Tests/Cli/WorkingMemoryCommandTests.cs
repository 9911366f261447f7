using System.Text;
using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Models;
using SeqCore.Text;
using static SeqCore.Tests.Cli.BudgetCommandTests;

namespace SeqCore.Tests.Cli;

/// <summary>
/// Every verb that trains or runs a model checks the working memory of its run (<see cref="IModelKind.WorkingMemory"/>)
/// against <c>--max-memory</c> before anything is allocated: a tiny model with a huge run is refused with exit code 2,
/// naming the budget and the largest term.
/// </summary>
public class WorkingMemoryCommandTests
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "seqcore-wm-cli-" + Guid.NewGuid().ToString("N")));

    [TearDown] public void RemoveDir() => Directory.Delete(_dir, true);

    private string Out => Path.Combine(_dir, "o.safetensors");

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private void AssertRefused(string[] args, string largestTerm)
    {
        string err = Refused([.. args, "--max-memory", "1G"]);
        Assert.That(err, Does.Contain("--max-memory").And.Contain("budget of 1,073,741,824 bytes").And.Contain($"largest term: {largestTerm}"));
        Assert.That(File.Exists(Out), Is.False);
    }

    [Test]
    public void Forecaster_training_counts_batch_times_window()
    {
        var csv = new StringBuilder("t,y\n");
        for (int i = 0; i < 5000; i++) csv.Append(i).Append(',').Append(Math.Sin(i / 7.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        AssertRefused(["train", "--model", "forecaster", "--csv", Write("s.csv", csv.ToString()), "--column", "y", "--window", "2000", "--batch", "4096",
            "--hidden", "16", "--layers", "8", "--steps", "1", "--out", Out], "recurrent encoder: batch 4096 × steps 2000");
    }

    [Test]
    public void Classifier_training_counts_the_batch_times_the_longest_text()
    {
        var tsv = new StringBuilder();
        for (int i = 0; i < 300; i++) tsv.Append(new string(i % 2 == 0 ? 'a' : 'b', 3000)).Append('\t').Append(i % 2 == 0 ? "x" : "y").Append('\n');
        // Evaluation and prediction run 256 texts at a time, so the run's largest pass is 256 texts of 3000 characters.
        AssertRefused(["train", "--model", "classifier", "--tsv", Write("t.tsv", tsv.ToString()), "--hidden", "16", "--layers", "8",
            "--steps", "1", "--out", Out], "recurrent encoder: batch 256 × steps 3000");
    }

    [Test]
    public void Seq2seq_training_counts_the_batch_times_the_longest_source_and_target()
    {
        var tsv = new StringBuilder();
        for (int i = 0; i < 50; i++) tsv.Append(new string((char)('a' + i % 5), 2000)).Append('\t').Append(new string((char)('k' + i % 5), 2000)).Append('\n');
        AssertRefused(["seq2seq", "train", "--data", Write("p.tsv", tsv.ToString()), "--batch", "4096", "--hidden", "8", "--embedding", "8",
            "--steps", "1", "--out", Out], "attention: batch 4096");
    }

    [Test]
    public void Word2vec_training_counts_the_batch_times_the_negatives()
    {
        string corpus = Write("c.txt", string.Concat(Enumerable.Repeat("the cat sat on the mat\n", 20)));
        AssertRefused(["word2vec", "train", "--corpus", corpus, "--min-count", "1", "--dim", "8", "--batch", "100000000", "--negatives", "20",
            "--steps", "1", "--out", Out], "gathered rows: batch 100000000 × rows per pair + center 22");
    }

    private string LanguageModel(LanguageModelConfig config)
    {
        string path = Path.Combine(_dir, "lm.safetensors");
        using var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var tokenizer = CharTokenizer.Train("the cat sat on the mat.\n");
        using var model = new LanguageModel<float>(cpu, config with { VocabularySize = tokenizer.VocabularySize }, new RandomStream(1));
        model.Tokenizer = tokenizer;
        model.Save(path);
        return path;
    }

    [Test]
    public void Eval_counts_batch_times_window()
    {
        string model = LanguageModel(new LanguageModelConfig { VocabularySize = 1, EmbeddingSize = 4, HiddenSize = 5 });
        AssertRefused(["eval", "--model", model, "--corpus", Write("c.txt", "the cat sat on the mat.\n"), "--batch", "100000", "--window", "1000000"],
            "recurrent layers: batch 100000 × steps 1000000");
    }

    [Test]
    public void Generate_with_a_transformer_counts_its_context()
    {
        // Sinusoidal positions: the context length adds no parameters, so only the run's working memory is too large.
        string small = LanguageModel(new LanguageModelConfig { Arch = "transformer", VocabularySize = 1, EmbeddingSize = 8, Layers = 1, Heads = 2, ContextLength = 16, Positions = "sinusoidal" });
        string huge = ModelBudgetTests.Craft(small, Path.Combine(_dir, "long.safetensors"), "contextLength", 1 << 20);
        AssertRefused(["generate", "--model", huge, "--prompt", "the", "--tokens", "5"], "attention weights: batch 1 × layers 1 × heads 2 × window 1048576 × window 1048576");
    }

    [Test]
    public void Seq2seq_translate_counts_beams_times_the_longest_output()
    {
        string path = Path.Combine(_dir, "s2s.safetensors");
        using (var cpu = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 }))
        {
            var vocabulary = Seq2SeqVocabulary.Build([("abc", "cba"), ("bca", "acb")]);
            var config = new Seq2SeqConfig { SourceVocabularySize = vocabulary.SourceSize, TargetVocabularySize = vocabulary.TargetSize, EmbeddingSize = 4, HiddenSize = 4 };
            using var model = new Seq2Seq<float>(cpu, config, new RandomStream(1)) { Vocabulary = vocabulary };
            model.Save(path);
        }
        string err = Refused("seq2seq", "translate", "--model", path, "--beam", "1024", "--max-length", "1000000", "--max-length-ratio", "300000", "--max-memory", "1G", "abc");
        Assert.That(err, Does.Contain("budget of 1,073,741,824 bytes").And.Contain("largest term: attention weights kept for the map: batch 1024 × target 1000000"));
    }
}
