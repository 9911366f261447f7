using System.Text.Json;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Metrics;

/// <summary><c>seqcore score</c> in-process: both metrics, text and JSON, several reference files, bad input.</summary>
public class ScoreCommandTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => _dir = Directory.CreateTempSubdirectory("seqcore-score-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Test]
    public void PrintsBleuAndChrFLikeSacreBleu()
    {
        // sacreBLEU's README example; the last line of a file may lack its newline.
        string hyp = Write("hyp.txt", "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n");
        string ref1 = Write("ref1.txt", "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.");
        string ref2 = Write("ref2.txt", "The dog had bit the man.\r\nNo one was surprised.\r\nThe man had bitten the dog.\r\n");
        var (code, stdout, stderr) = CliRunner.Run("score", "--hypotheses", hyp, "--references", ref1, "--references", ref2);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout.ReplaceLineEndings("\n"), Is.EqualTo(
            "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)\n" +
            "chrF2|nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no = 59.73\n"));

        (code, stdout, stderr) = CliRunner.Run("score", "--hypotheses", hyp, "--references", ref1, "--references", ref2, "--json");
        Assert.That(code, Is.Zero, stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.That(json.GetProperty("segments").GetInt32(), Is.EqualTo(3));
        Assert.That(json.GetProperty("bleu").GetProperty("score").GetDouble(), Is.EqualTo(48.530827).Within(1e-6));
        Assert.That(json.GetProperty("bleu").GetProperty("ref_len").GetInt32(), Is.EqualTo(18));
        Assert.That(json.GetProperty("chrf").GetProperty("name").GetString(), Is.EqualTo("chrF2"));
        Assert.That(json.GetProperty("chrf").GetProperty("score").GetDouble(), Is.EqualTo(59.72751782684763).Within(1e-9));
    }

    [Test]
    public void BadInputIsAUsageErrorNamingTheFile()
    {
        string hyp = Write("hyp.txt", "a b c\nd e f\n");
        string shortRef = Write("short.txt", "a b c\n");
        var (code, _, err) = CliRunner.Run("score", "--hypotheses", hyp, "--references", shortRef);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("short.txt has 1 lines").And.Contain("hyp.txt has 2"));

        (code, _, err) = CliRunner.Run("score", "--hypotheses", Path.Combine(_dir, "missing.txt"), "--references", shortRef);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--hypotheses").And.Contain("file not found").And.Contain("missing.txt"));

        (code, _, err) = CliRunner.Run("score", "--hypotheses", hyp, "--references", Path.Combine(_dir, "gone.txt"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--references").And.Contain("gone.txt"));

        (code, _, err) = CliRunner.Run("score", "--hypotheses", hyp);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--references is required"));

        string latin1 = Path.Combine(_dir, "latin1.txt");
        File.WriteAllBytes(latin1, [0x63, 0x61, 0x66, 0xE9, 0x0A, 0x78, 0x0A]);
        (code, _, err) = CliRunner.Run("score", "--hypotheses", hyp, "--references", latin1);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("latin1.txt").And.Contain("UTF-8"));
    }
}
