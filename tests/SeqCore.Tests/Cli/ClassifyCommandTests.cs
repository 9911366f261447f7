using System.Text.Json;
using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore classify</c> in-process: training on a tiny TSV and a tiny fake aclImdb folder, prediction with the saved
/// model, and every kind of bad input (one message, exit code 2, nothing written).</summary>
public class ClassifyCommandTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-classify-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Two made-up "languages": words over {a, b, c} and words over {x, y, z}, 24 of each, with a header line.</summary>
    private string TinyTsv()
    {
        var random = new System.Random(3);
        string Word(string letters) => new([.. Enumerable.Range(0, 3 + random.Next(5)).Select(_ => letters[random.Next(letters.Length)])]);
        var lines = new List<string> { "word\tlanguage" };
        for (int i = 0; i < 24; i++) { lines.Add($"{Word("abc")}\tabc"); lines.Add($"{Word("xyz")}\txyz"); }
        return Write("tiny.tsv", string.Join("\n", lines) + "\n");
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static readonly string[] Small = ["--embedding", "4", "--hidden", "8", "--batch", "8", "--seed", "2"];

    [Test]
    public void Trains_on_a_tsv_writes_checkpoint_and_plots_then_predicts_with_the_saved_model()
    {
        string tsv = TinyTsv(), outDir = Path.Combine(_dir, "out"), checkpoint = Path.Combine(outDir, "words.safetensors");
        var (code, stdout, stderr) = Run("", ["classify", "--tsv", tsv, "--epochs", "25", "--lr", "0.02", "--out", checkpoint, "--json", .. Small]);
        Assert.That(code, Is.Zero, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.That(lines.SkipLast(1).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()), Is.All.EqualTo("progress"));
        var result = JsonDocument.Parse(lines[^1]).RootElement;
        Assert.That(result.GetProperty("event").GetString(), Is.EqualTo("result"));
        Assert.That(result.GetProperty("labels").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "abc", "xyz" }));
        Assert.That(result.GetProperty("test_count").GetInt32() + result.GetProperty("train_count").GetInt32() + result.GetProperty("valid_count").GetInt32(), Is.EqualTo(48), "header line skipped");
        Assert.That(result.GetProperty("test_count").GetInt32(), Is.EqualTo(10)); // round(0.2 · 24) of each label
        Assert.That(result.GetProperty("accuracy").GetDouble(), Is.EqualTo(1.0), "letters never overlap between the two labels");
        Assert.That(result.GetProperty("baseline_majority").GetDouble(), Is.EqualTo(0.5));
        Assert.That(result.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Sum(c => c.GetInt32())), Is.EqualTo(new[] { 5, 5 }));
        foreach (string name in new[] { "words.safetensors", "words.loss.svg", "words.confusion.svg" })
            Assert.That(File.Exists(Path.Combine(outDir, name)), name);
        Assert.That(Directory.GetFiles(outDir), Has.Length.EqualTo(3), "no temporary files left");
        Assert.That(File.ReadAllText(Path.Combine(outDir, "words.confusion.svg")), Does.StartWith("<svg").And.Contain(">xyz</text>"));

        (code, stdout, stderr) = Run("", "classify", "--model", checkpoint, "--predict", "cabbac", "--predict", "zyxxy");
        Assert.That(code, Is.Zero, stderr);
        var predictions = stdout.Trim().Split('\n').Select(l => l.Split('\t')).ToArray();
        Assert.That(predictions.Select(p => p[0]), Is.EqualTo(new[] { "abc", "xyz" }));
        Assert.That(predictions.Select(p => p[2]), Is.EqualTo(new[] { "cabbac", "zyxxy" }));

        (code, stdout, stderr) = Run("aab\n\nyyz\n", "classify", "--model", checkpoint, "--json");
        Assert.That(code, Is.Zero, stderr);
        var json = stdout.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.That(json.Select(j => j.GetProperty("label").GetString()), Is.EqualTo(new[] { "abc", "xyz" }), "the blank line is skipped");
        Assert.That(json[0].GetProperty("probabilities").GetProperty("abc").GetDouble(), Is.EqualTo(json[0].GetProperty("probability").GetDouble()));
    }

    [Test]
    public void Human_output_has_accuracy_baselines_and_tables()
    {
        var (code, stdout, stderr) = Run("", ["classify", "--tsv", TinyTsv(), "--steps", "3", "--encoder", "conv", "--pooling", "max", "--out", Path.Combine(_dir, "h.safetensors"), .. Small]);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("(header line skipped)").And.Contain("held-out test: accuracy").And.Contain("majority class 0.5000")
            .And.Contain("3-gram naive Bayes").And.Contain("Per class").And.Contain("Confusion matrix").And.Contain("Precision"));
    }

    [Test]
    public void Trains_the_lecture_keras_pipeline_with_a_binary_head_and_reports_roc_auc()
    {
        string tsv = TinyTsv(), checkpoint = Path.Combine(_dir, "keras.safetensors");
        string[] keras = ["--encoder", "lstm", "--go-backwards", "--pooling", "mean", "--hidden-layers", "8", "--head", "binary"];
        var (code, stdout, stderr) = Run("", ["classify", "--tsv", tsv, .. keras, "--epochs", "25", "--lr", "0.02", "--json", "--out", checkpoint, .. Small]);
        Assert.That(code, Is.Zero, stderr);
        var result = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        var config = result.GetProperty("config");
        Assert.That(config.GetProperty("head").GetString(), Is.EqualTo("binary"));
        Assert.That(config.GetProperty("go_backwards").GetBoolean(), Is.True);
        Assert.That(config.GetProperty("hidden_layers").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 8 }));
        Assert.That(result.GetProperty("accuracy").GetDouble(), Is.EqualTo(1.0), "letters never overlap between the two labels");
        Assert.That(result.GetProperty("auc").GetDouble(), Is.EqualTo(1.0));
        Assert.That(result.GetProperty("baseline_naive_bayes_auc").GetDouble(), Is.EqualTo(1.0));

        (code, stdout, stderr) = Run("", "classify", "--model", checkpoint, "--predict", "cabbac", "--predict", "zyxxy");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout.Trim().Split('\n').Select(l => l.Split('\t')[0]), Is.EqualTo(new[] { "abc", "xyz" }));

        (code, stdout, stderr) = Run("", ["classify", "--tsv", tsv, "--encoder", "rnn", "--go-backwards", "--head", "binary", "--steps", "3", "--out", Path.Combine(_dir, "rnn.safetensors"), .. Small]);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("RNN reading backwards, 1 layer of 8").And.Contain("1 sigmoid output (P(xyz), binary cross-entropy)")
            .And.Contain(", ROC AUC ").And.Contain("naive Bayes 1.0000 (ROC AUC 1.0000)"));
    }

    [Test]
    public void Reads_the_aclImdb_layout()
    {
        string root = FakeImdb();
        var (code, stdout, stderr) = Run("", ["classify", "--imdb", root, "--epochs", "2", "--json", "--out", Path.Combine(_dir, "imdb.safetensors"), .. Small]);
        Assert.That(code, Is.Zero, stderr);
        var result = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.That(result.GetProperty("labels").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "neg", "pos" }));
        Assert.That(result.GetProperty("test_count").GetInt32(), Is.EqualTo(6));
        Assert.That(result.GetProperty("train_count").GetInt32() + result.GetProperty("valid_count").GetInt32(), Is.EqualTo(12));
        Assert.That(result.GetProperty("tokens").GetString(), Is.EqualTo("word"));
        // Word vocabulary from the training reviews only: <unk> + the distinct words (the <br /> tags are gone).
        Assert.That(result.GetProperty("vocabulary").GetInt32(), Is.LessThan(20));
    }

    private string FakeImdb()
    {
        string root = Path.Combine(_dir, "aclImdb");
        string[] good = ["a great film", "wonderful and great", "good fun<br />great cast", "loved it", "great great", "so good"];
        string[] bad = ["a boring film", "awful and boring", "bad plot<br />awful cast", "hated it", "boring boring", "so bad"];
        foreach (var (split, count) in new[] { ("train", 6), ("test", 3) })
            foreach (var (label, texts) in new[] { ("pos", good), ("neg", bad) })
            {
                string dir = Path.Combine(root, split, label);
                Directory.CreateDirectory(dir);
                for (int i = 0; i < count; i++) File.WriteAllText(Path.Combine(dir, $"{i}_7.txt"), texts[(i + (split == "test" ? 3 : 0)) % texts.Length]);
            }
        return root;
    }

    private void AssertUsageError(string expected, string stdin, params string[] args)
    {
        string outDir = Path.Combine(_dir, "out");
        var (code, stdout, stderr) = Run(stdin, [.. args, "--out", Path.Combine(outDir, "c.safetensors")]);
        Assert.That(code, Is.EqualTo(2), $"stdout: {stdout}\nstderr: {stderr}");
        Assert.That(stderr, Does.Contain(expected));
        Assert.That(stderr.Trim().Split('\n'), Has.Length.LessThanOrEqualTo(2), "one message (and at most a help hint)");
        Assert.That(Directory.Exists(outDir), Is.False, "nothing written");
    }

    [Test]
    public void Bad_input_gives_one_message_exit_code_2_and_writes_nothing()
    {
        AssertUsageError("file not found", "", "classify", "--tsv", Path.Combine(_dir, "missing.tsv"));
        string noTab = Write("notab.tsv", "abc\tx\nabd\tx\nxyz y\nxyy\ty\n");
        AssertUsageError($"{noTab}:3: no tab", "", "classify", "--tsv", noTab);
        string single = Write("single.tsv", "abc\tx\nabd\tx\nxyz\ty\nxyy\ty\nqqq\tz\n");
        AssertUsageError("label 'z' has 1 example", "", "classify", "--tsv", single);
        string oneClass = Write("oneclass.tsv", "abc\tx\nabd\tx\nabe\tx\n");
        AssertUsageError("only one class ('x')", "", "classify", "--tsv", oneClass);
        string emptyText = Write("empty.tsv", "abc\tx\n\tx\nxyz\ty\nxyy\ty\n");
        AssertUsageError($"{emptyText}:2: the text before the tab is empty", "", "classify", "--tsv", emptyText);
        string emptyFile = Write("nothing.tsv", "");
        AssertUsageError("no examples", "", "classify", "--tsv", emptyFile);

        string root = FakeImdb();
        Directory.Delete(Path.Combine(root, "test", "neg"), recursive: true);
        AssertUsageError("test/neg is missing", "", "classify", "--imdb", root);
        AssertUsageError("folder not found", "", "classify", "--imdb", Path.Combine(_dir, "no-such-folder"));

        string tsv = TinyTsv();
        AssertUsageError("--encoder: expected rnn or rnn-relu or lstm or gru or conv, got 'transformer'", "", "classify", "--tsv", tsv, "--encoder", "transformer");
        AssertUsageError("--pooling: expected mean or max or last, got 'sum'", "", "classify", "--tsv", tsv, "--pooling", "sum");
        AssertUsageError("--test-fraction: expected a number in (0, 0.95], got '1.5'", "", "classify", "--tsv", tsv, "--test-fraction", "1.5");
        AssertUsageError("give one of --tsv FILE or --imdb DIR", "", "classify");
        AssertUsageError("give one of --tsv FILE or --imdb DIR", "", "classify", "--tsv", tsv, "--imdb", root);
        AssertUsageError("--bidirectional and --layers are recurrent options", "", "classify", "--tsv", tsv, "--encoder", "conv", "--bidirectional");
        AssertUsageError("--predict needs --model", "", "classify", "--tsv", tsv, "--predict", "abc");
        AssertUsageError("--threads: expected an integer in [0, 1024], got '1,2'", "", "classify", "--tsv", tsv, "--threads", "1,2");
        AssertUsageError("--kernel: expected an odd width, got 4", "", "classify", "--tsv", tsv, "--encoder", "conv", "--kernel", "4");
        string three = Write("three.tsv", "abc\tx\nabd\tx\nxyz\ty\nxyy\ty\nqqq\tz\nqqr\tz\n");
        AssertUsageError($"{three}: --head binary needs exactly two labels; found 3: x, y, z.", "", "classify", "--tsv", three, "--head", "binary");
        AssertUsageError("--head: expected softmax or binary, got 'sigmoid'", "", "classify", "--tsv", tsv, "--head", "sigmoid");
        AssertUsageError("--go-backwards reverses a one-directional recurrent encoder's reading", "", "classify", "--tsv", tsv, "--encoder", "conv", "--go-backwards");
        AssertUsageError("--go-backwards reverses a one-directional recurrent encoder's reading", "", "classify", "--tsv", tsv, "--bidirectional", "--go-backwards");
        AssertUsageError("--hidden-layers: expected positive integers separated by commas ('0' is not one)", "", "classify", "--tsv", tsv, "--hidden-layers", "8,0");
    }

    [Test]
    public void Prediction_errors_name_the_file_or_the_text()
    {
        string corrupt = Write("corrupt.safetensors", "this is not a checkpoint");
        var (code, _, stderr) = Run("", "classify", "--model", corrupt, "--predict", "abc");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain(corrupt));
        (code, _, stderr) = Run("", "classify", "--model", Path.Combine(_dir, "none.safetensors"), "--predict", "abc");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("file not found"));

        string model = Path.Combine(_dir, "m.safetensors");
        Assert.That(Run("", ["classify", "--tsv", TinyTsv(), "--steps", "1", "--out", model, .. Small]).Code, Is.Zero);
        (code, _, stderr) = Run("", "classify", "--model", model, "--predict", "  ");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--predict #1: the text is empty"));
        (code, _, stderr) = Run("", "classify", "--model", model);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("no text to classify"));
        (code, _, stderr) = Run("", "classify", "--model", model, "--predict", "abc", "--hidden", "9");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--hidden is a training option"));
    }

    [Test]
    public void Same_seed_gives_the_same_result()
    {
        string tsv = TinyTsv();
        string Result(string name) => Run("", ["classify", "--tsv", tsv, "--steps", "6", "--json", "--threads", "1", "--out", Path.Combine(_dir, name + ".safetensors"), .. Small]).Out.Trim().Split('\n')[^1];
        static string WithoutTimeAndFiles(string json, string name) =>
            System.Text.RegularExpressions.Regex.Replace(json, "\"elapsed_s\":[^,]*,", "").Replace(name + ".", "NAME.");
        Assert.That(WithoutTimeAndFiles(Result("a"), "a"), Is.EqualTo(WithoutTimeAndFiles(Result("b"), "b")));
    }
}
