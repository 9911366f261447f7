using System.Text.Json;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore generate --attention FILE.svg</c>: the last layer's attention of a tiny transformer over the prompt
/// and the generated tokens; a recurrent model or a missing head is one message and exit 2.</summary>
public class GenerateAttentionTests
{
    private string _dir = null!;
    private string _corpus = null!;

    [SetUp]
    public void MakeFiles()
    {
        _dir = Path.Combine(Path.GetTempPath(), "seqcore-lmattn-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(_corpus, string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log.\n", 40)));
    }

    [TearDown] public void RemoveFiles() => Directory.Delete(_dir, true);

    private string Train(string arch)
    {
        string model = Path.Combine(_dir, arch + ".safetensors");
        var (code, _, err) = Run("train", "--corpus", _corpus, "--arch", arch, "--embedding", "16", "--heads", "2", "--layers", "2", "--hidden", "16",
            "--context", "16", "--steps", "5", "--batch", "4", "--bptt", "8", "--eval-every", "0", "--threads", "1", "--out", model);
        Assert.That(code, Is.Zero, err);
        return model;
    }

    [Test]
    public void DrawsEveryPositionOverTheEarlierOnesWithTokenLabels()
    {
        string model = Train("transformer"), svg = Path.Combine(_dir, "att.svg");
        var (code, stdout, err) = Run("generate", "--model", model, "--prompt", "the cat", "--tokens", "5", "--seed", "2", "--attention", svg, "--json");
        Assert.That(code, Is.Zero, err);
        var result = JsonDocument.Parse(stdout.Trim()).RootElement;
        Assert.That(result.GetProperty("attention").GetString(), Is.EqualTo(Path.GetFullPath(svg)));
        string text = File.ReadAllText(svg);
        Assert.That(text, Does.StartWith("<svg").And.Contain("layer 2 of 2 (mean of 2 heads), 12 tokens").And.Contain("attends to"));
        Assert.That(CountOf(text, "</title></rect>"), Is.EqualTo(12 * 12), "one cell per (position, earlier position) pair");
        Assert.That(text, Does.Contain(">c</text>").And.Contain(">␣</text>"), "token labels");
        // Position 0 can only look at itself: its first cell carries the whole weight.
        Assert.That(text, Does.Contain("t ← t: 1.000"));

        (code, _, err) = Run("generate", "--model", model, "--prompt", "the cat", "--tokens", "5", "--seed", "2", "--attention", svg, "--attention-head", "1");
        Assert.That(code, Is.Zero, err);
        Assert.That(File.ReadAllText(svg), Does.Contain("(head 1 of 2)"));

        // Past the context (16) the last 16 tokens are drawn, and stderr says so.
        (code, _, err) = Run("generate", "--model", model, "--prompt", "the cat", "--tokens", "20", "--seed", "2", "--attention", svg);
        Assert.That(code, Is.Zero, err);
        Assert.That(err, Does.Contain("27 tokens, more than the model's context of 16; drawing the last 16"));
        Assert.That(CountOf(File.ReadAllText(svg), "</title></rect>"), Is.EqualTo(16 * 16));
    }

    [Test]
    public void ARecurrentModelAMissingHeadOrAHeadWithoutAFileIsExitTwo()
    {
        string lstm = Train("lstm"), tf = Train("transformer"), svg = Path.Combine(_dir, "att.svg");
        void Expect(string[] args, params string[] fragments)
        {
            var (code, stdout, err) = Run(args);
            Assert.That(code, Is.EqualTo(2), $"{string.Join(' ', args)}: {err}");
            foreach (var f in fragments) Assert.That(err, Does.Contain(f), string.Join(' ', args));
            Assert.That(stdout, Is.Empty, "nothing generated");
            Assert.That(File.Exists(svg), Is.False, "no SVG written");
        }
        Expect(["generate", "--model", lstm, "--prompt", "the", "--attention", svg], "--attention", "recurrent", "lstm", "no attention");
        Expect(["generate", "--model", tf, "--prompt", "the", "--attention", svg, "--attention-head", "2"], "--attention-head", "2 heads");
        Expect(["generate", "--model", tf, "--prompt", "the", "--attention-head", "0"], "--attention-head needs --attention");
    }

    private static int CountOf(string text, string piece)
    {
        int count = 0;
        for (int at = text.IndexOf(piece, StringComparison.Ordinal); at >= 0; at = text.IndexOf(piece, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
