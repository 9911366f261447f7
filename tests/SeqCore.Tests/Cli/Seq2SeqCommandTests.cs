using System.Text.Json;
using SeqCore.Cli;
using SeqCore.IO;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore seq2seq</c> in-process on tiny data: make-data, train, translate, and bad inputs (exit code 2, nothing written).</summary>
public class Seq2SeqCommandTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-s2s-cli-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => RunWithInput("", args);

    private static (int Code, string Out, string Err) RunWithInput(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string P(string name) => Path.Combine(_dir, name);

    private static readonly string[] TinyModel = ["--embedding", "8", "--hidden", "8", "--batch", "16", "--eval-every", "10"];

    [Test]
    public void MakesDataTrainsAndTranslates()
    {
        var (code, stdout, stderr) = Run("seq2seq", "make-data", "--task", "reverse", "--count", "80", "--seed", "3", "--out", P("pairs.tsv"), "--json");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(File.ReadAllLines(P("pairs.tsv")), Has.Length.EqualTo(80));
        Assert.That(JsonDocument.Parse(stdout).RootElement.GetProperty("count").GetInt32(), Is.EqualTo(80));

        (code, stdout, stderr) = Run(["seq2seq", "train", "--data", P("pairs.tsv"), "--steps", "20", "--beam", "3", "--out", P("out/model.safetensors"), "--json", .. TinyModel]);
        Assert.That(code, Is.Zero, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Any(l => l.Contains("\"event\":\"progress\"")), "progress lines");
        var result = JsonDocument.Parse(lines[^1]).RootElement;
        Assert.That(result.GetProperty("event").GetString(), Is.EqualTo("result"));
        Assert.That(result.GetProperty("held_out").GetInt32(), Is.EqualTo(8));
        Assert.That(result.GetProperty("exact_match_greedy").GetDouble(), Is.InRange(0, 1));
        Assert.That(result.GetProperty("exact_match_beam").GetDouble(), Is.InRange(0, 1));
        Assert.That(result.GetProperty("held_out_loss").GetDouble(), Is.GreaterThan(0).And.LessThan(double.PositiveInfinity));
        Assert.That(result.GetProperty("steps").GetInt32(), Is.EqualTo(20));
        foreach (var f in new[] { "model.safetensors", "model.loss.svg", "model.attention.svg" })
            Assert.That(File.Exists(P("out/" + f)), f);
        Assert.That(File.ReadAllText(P("out/model.attention.svg")), Does.StartWith("<svg").And.Contain("&lt;eos&gt;"));

        (code, stdout, stderr) = Run("seq2seq", "translate", "--model", P("out/model.safetensors"), "--beam", "2", "--json", "--attention-svg", P("att.svg"), "abc", "cab");
        Assert.That(code, Is.Zero, stderr);
        var outputs = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.That(outputs.Select(o => o.GetProperty("source").GetString()), Is.EqualTo(new[] { "abc", "cab" }));
        Assert.That(outputs.All(o => o.GetProperty("decoding").GetString() == "beam"));
        Assert.That(File.Exists(P("att.svg")));

        // Greedy from standard input, plain output: one line per input with the source.
        (code, stdout, stderr) = RunWithInput("abc\nzyx\n", "seq2seq", "translate", "--model", P("out/model.safetensors"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]), Is.EqualTo(new[] { "abc", "zyx" }));
    }

    [Test]
    public void PlainOutputReportsAccuracyAndThePathsWritten()
    {
        File.WriteAllLines(P("pairs.tsv"), Enumerable.Range(0, 30).Select(i => $"{i}\t{i * 2}"));
        var (code, stdout, stderr) = Run(["seq2seq", "train", "--data", P("pairs.tsv"), "--steps", "5", "--beam", "2", "--out", P("m.safetensors"), .. TinyModel]);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("step 5/5").And.Contain("exact match, greedy:").And.Contain("exact match, beam 2")
            .And.Contain(P("m.safetensors")).And.Contain(P("m.loss.svg")).And.Contain(P("m.attention.svg")));
        Assert.That(File.ReadAllText(P("m.loss.svg")), Does.StartWith("<svg").And.Contain("held-out"));
    }

    [TestCase("make-data", "--task", "--count")]
    [TestCase("train", "--data", "--beam", "--teacher-forcing", "--attention", "--held-out")]
    [TestCase("translate", "--model", "--beam", "--alpha", "--attention-svg")]
    public void HelpListsTheOptions(string verb, params string[] options)
    {
        var (code, stdout, _) = Run("seq2seq", verb, "--help");
        Assert.That(code, Is.Zero);
        foreach (var o in options) Assert.That(stdout, Does.Contain(o));
    }

    [Test]
    public void TrainingIsReproducibleWithASeed()
    {
        File.WriteAllLines(P("pairs.tsv"), Enumerable.Range(0, 40).Select(i => $"{(char)('a' + i % 7)}{(char)('a' + i % 5)}{(char)('a' + i % 3)}\t{(char)('a' + i % 3)}{(char)('a' + i % 5)}{(char)('a' + i % 7)}"));
        string[] Args(string o) => ["seq2seq", "train", "--data", P("pairs.tsv"), "--steps", "8", "--out", P(o), "--json", .. TinyModel];
        var a = Run(Args("a.safetensors"));
        var b = Run(Args("b.safetensors"));
        Assert.That(a.Code, Is.Zero, a.Err);
        double Loss(string s) => JsonDocument.Parse(s.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement.GetProperty("train_loss").GetDouble();
        Assert.That(Loss(b.Out), Is.EqualTo(Loss(a.Out)));
        // Every tensor (weights, optimizer state, data state, history) is bit-identical; only the run's elapsed time differs.
        var (ta, ma) = SafeTensors.Read(P("a.safetensors"));
        var (tb, mb) = SafeTensors.Read(P("b.safetensors"));
        Assert.That(tb.Keys, Is.EquivalentTo(ta.Keys));
        foreach (var (name, t) in ta) Assert.That(tb[name].Data, Is.EqualTo(t.Data), name);
        Assert.That(mb[Checkpoint.ConfigKey], Is.EqualTo(ma[Checkpoint.ConfigKey]));
        Assert.That(mb[Checkpoint.TokenizerKey], Is.EqualTo(ma[Checkpoint.TokenizerKey]));
    }

    /// <summary>Runs <paramref name="args"/>; expects exit code 2, one message with every fragment, and no new file.</summary>
    private void AssertUsageError(string[] args, params string[] fragments)
    {
        var before = Directory.GetFiles(_dir, "*", SearchOption.AllDirectories).ToHashSet();
        var r = Run(args);
        Assert.That(r.Code, Is.EqualTo(2), r.Err);
        Assert.That(r.Err.Trim().Split('\n'), Has.Length.LessThanOrEqualTo(2), "one message (plus a help hint)");
        foreach (var f in fragments) Assert.That(r.Err, Does.Contain(f));
        Assert.That(Directory.GetFiles(_dir, "*", SearchOption.AllDirectories).Where(f => !before.Contains(f)), Is.Empty, "nothing written");
    }

    [Test]
    public void BadTrainingInputsAreUsageErrorsAndWriteNothing()
    {
        string[] Train(string data) => ["seq2seq", "train", "--data", data, "--steps", "2", "--out", P("m.safetensors"), .. TinyModel];
        AssertUsageError(Train(P("missing.tsv")), "file not found", "missing.tsv");

        File.WriteAllText(P("notab.tsv"), "abc\tcba\nhello world\n");
        AssertUsageError(Train(P("notab.tsv")), "notab.tsv:2", "no tab");

        File.WriteAllText(P("empty.tsv"), "\n\n");
        AssertUsageError(Train(P("empty.tsv")), "empty.tsv", "no 'source<TAB>target' pairs");

        File.WriteAllText(P("emptyside.tsv"), "abc\tcba\n\tx\n");
        AssertUsageError(Train(P("emptyside.tsv")), "emptyside.tsv:2", "source is empty");

        File.WriteAllText(P("one.tsv"), "abc\tcba\n");
        AssertUsageError(Train(P("one.tsv")), "--held-out");

        AssertUsageError(["seq2seq", "train", "--data", P("one.tsv"), "--cell", "transformer"], "--cell", "transformer");
        AssertUsageError(["seq2seq", "train", "--data", P("one.tsv"), "--teacher-forcing", "1.5"], "--teacher-forcing", "1.5");
        AssertUsageError(["seq2seq", "make-data", "--task", "poems", "--out", P("x.tsv")], "--task", "poems");
        AssertUsageError(["seq2seq"], "needs a command");
    }

    [Test]
    public void BadTranslateInputsAreUsageErrorsAndWriteNothing()
    {
        File.WriteAllLines(P("pairs.tsv"), ["abc\tcba", "bca\tacb", "cab\tbac", "aab\tbaa"]);
        var trained = Run(["seq2seq", "train", "--data", P("pairs.tsv"), "--steps", "2", "--held-out", "0.25", "--out", P("good.safetensors"),
            .. TinyModel]);
        Assert.That(trained.Code, Is.Zero, trained.Err);

        string[] Translate(string model, params string[] more) => ["seq2seq", "translate", "--model", model, "--attention-svg", P("att.svg"), .. more];
        AssertUsageError(Translate(P("good.safetensors"), "abz"), "'z'", "not in the source vocabulary", "abz");
        AssertUsageError(Translate(P("good.safetensors"), "abc", "a?c"), "input 2", "'?'");
        AssertUsageError(Translate(P("nope.safetensors"), "abc"), "file not found", "nope.safetensors");
        AssertUsageError(Translate(P("good.safetensors")), "nothing to translate");
        File.WriteAllText(P("corrupt.tsv"), "definitely not safetensors");
        AssertUsageError(Translate(P("corrupt.tsv"), "abc"), "corrupt.tsv");
    }
}
