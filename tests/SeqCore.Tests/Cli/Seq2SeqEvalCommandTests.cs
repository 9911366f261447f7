using System.Text.Json;
using SeqCore.Cli;
using SeqCore.Metrics;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore seq2seq eval</c>: the scores equal BLEU, chrF2 and exact match computed from what
/// <c>seq2seq translate</c> prints for the same sources; bad input exits 2 naming the file or pair.</summary>
public class Seq2SeqEvalCommandTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-s2s-eval-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string P(string name) => Path.Combine(_dir, name);

    private string TrainTinyModel()
    {
        var (code, _, err) = Run("", "seq2seq", "make-data", "--task", "reverse", "--count", "60", "--seed", "5", "--out", P("pairs.tsv"));
        Assert.That(code, Is.Zero, err);
        (code, _, err) = Run("", "seq2seq", "train", "--data", P("pairs.tsv"), "--steps", "30", "--embedding", "8", "--hidden", "16",
            "--batch", "16", "--eval-every", "15", "--out", P("m.safetensors"));
        Assert.That(code, Is.Zero, err);
        return P("m.safetensors");
    }

    [Test]
    public void Scores_equal_the_metrics_of_the_translations()
    {
        string model = TrainTinyModel();
        var pairs = File.ReadAllLines(P("pairs.tsv")).Take(20).Select(l => l.Split('\t')).ToList();
        File.WriteAllLines(P("test.tsv"), pairs.Select(p => $"{p[0]}\t{p[1]}"));

        var (code, stdout, stderr) = Run(string.Join("\n", pairs.Select(p => p[0])), "seq2seq", "translate", "--model", model);
        Assert.That(code, Is.Zero, stderr);
        var outputs = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[1]).ToList();
        var references = pairs.Select(p => p[1]).ToList();

        (code, stdout, stderr) = Run("", "seq2seq", "eval", "--model", model, "--data", P("test.tsv"), "--json");
        Assert.That(code, Is.Zero, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.That(result.GetProperty("pairs").GetInt32(), Is.EqualTo(20));
        Assert.That(result.GetProperty("bleu").GetDouble(), Is.EqualTo(Bleu.Corpus(outputs, references).Score));
        Assert.That(result.GetProperty("chrf").GetDouble(), Is.EqualTo(ChrF.Corpus(outputs, references).Score));
        Assert.That(result.GetProperty("exact_match").GetDouble(), Is.EqualTo(outputs.Where((o, i) => o == references[i]).Count() / 20.0));

        (code, stdout, stderr) = Run("", "seq2seq", "eval", "--model", model, "--data", P("test.tsv"), "--json", "--by-length", "1");
        Assert.That(code, Is.Zero, stderr);
        var byLength = JsonDocument.Parse(stdout).RootElement;
        var buckets = byLength.GetProperty("by_length").EnumerateArray().ToList();
        // The reversal task's sources are single words, so --by-length 1 makes one bucket, 1–1, scored like the whole set.
        Assert.That(buckets, Has.Count.EqualTo(1));
        Assert.That((buckets[0].GetProperty("from").GetInt32(), buckets[0].GetProperty("to").GetInt32(), buckets[0].GetProperty("pairs").GetInt32()),
            Is.EqualTo((1, 1, 20)));
        Assert.That(buckets[0].GetProperty("bleu").GetDouble(), Is.EqualTo(byLength.GetProperty("bleu").GetDouble()));
        Assert.That(buckets[0].GetProperty("chrf").GetDouble(), Is.EqualTo(byLength.GetProperty("chrf").GetDouble()));

        (code, stdout, stderr) = Run("", "seq2seq", "eval", "--model", model, "--data", P("test.tsv"), "--beam", "3", "--limit", "5");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("5 pairs decoded").And.Contain("beam 3").And.Contain("BLEU|nrefs:1").And.Contain("chrF2|"));
    }

    [Test]
    public void Bad_input_exits_2_naming_the_file_or_the_pair()
    {
        string model = TrainTinyModel();
        var (code, _, err) = Run("", "seq2seq", "eval", "--model", model);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--data"));
        File.WriteAllText(P("notab.tsv"), "abc\n");
        (code, _, err) = Run("", "seq2seq", "eval", "--model", model, "--data", P("notab.tsv"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("notab.tsv:1"));
        File.WriteAllText(P("unknown.tsv"), "abc\tcba\n€€\tx\n");
        (code, _, err) = Run("", "seq2seq", "eval", "--model", model, "--data", P("unknown.tsv"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("unknown.tsv:2"));
    }

    [Test]
    public void By_length_scores_each_bucket_of_source_words_on_its_own()
    {
        string[] sources = ["a", "a b", "a b c", "a  b c d e", "one two three four five six seven"];
        string[] references = ["x", "x y", "x y z", "p q r s t", "the cat sat on the mat today"];
        string[] outputs = ["x", "x z", "x y z", "p q r s t", "a dog sat on the mat"];
        var buckets = SeqCore.Cli.Commands.Seq2SeqLengthReport.Buckets(sources, outputs, references, width: 3);
        Assert.That(buckets.Select(b => (b.From, b.To, b.Pairs)), Is.EqualTo(new[] { (1, 3, 3), (4, 6, 1), (7, 9, 1) }));
        Assert.That(buckets[0].ExactMatch, Is.EqualTo(2 / 3.0));
        Assert.That(buckets[0].Bleu, Is.EqualTo(Bleu.Corpus(outputs[..3], references[..3]).Score));
        Assert.That(buckets[1].Bleu, Is.EqualTo(100).Within(1e-9), "an exact 5-word output");
        Assert.That(buckets[2].Chrf, Is.EqualTo(ChrF.Corpus([outputs[4]], [references[4]]).Score));
        Assert.That(SeqCore.Cli.Commands.Seq2SeqLengthReport.Words("  a\tb  c "), Is.EqualTo(3));
    }
}
