using System.Text.Json;
using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore seq2seq</c> with a stacked model without attention: train, translate, eval (its decoding speed),
/// and the attention map it cannot draw.</summary>
public class Seq2SeqPlainCommandTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-s2s-plain-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(""), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string P(string name) => Path.Combine(_dir, name);

    [Test]
    public void AStackedModelWithoutAttentionTrainsTranslatesAndEvaluates()
    {
        var (code, _, stderr) = Run("seq2seq", "make-data", "--task", "reverse", "--count", "60", "--seed", "3", "--out", P("pairs.tsv"));
        Assert.That(code, Is.Zero, stderr);
        (code, var stdout, stderr) = Run("seq2seq", "train", "--data", P("pairs.tsv"), "--attention", "none", "--encoder-layers", "2", "--decoder-layers", "2",
            "--dropout", "0.1", "--embedding", "8", "--hidden", "8", "--batch", "8", "--steps", "6", "--beam", "2", "--decode-batch", "3",
            "--out", P("plain.safetensors"), "--json");
        Assert.That(code, Is.Zero, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var start = JsonDocument.Parse(lines.Single(l => l.Contains("\"event\":\"start\""))).RootElement;
        Assert.That(start.GetProperty("encoder_layers").GetInt32(), Is.EqualTo(2));
        Assert.That(start.GetProperty("attention").GetString(), Is.EqualTo("none"));
        var result = JsonDocument.Parse(lines[^1]).RootElement;
        Assert.That(result.GetProperty("exact_match_beam").GetDouble(), Is.InRange(0, 1));
        Assert.That(!result.TryGetProperty("attention_svg", out var svg) || svg.ValueKind == JsonValueKind.Null, "no attention map path");
        Assert.That(File.Exists(P("plain.attention.svg")), Is.False, "no attention map without attention");

        (code, stdout, stderr) = Run("seq2seq", "translate", "--model", P("plain.safetensors"), "--beam", "2", "--max-length-ratio", "1", "--max-length-extra", "1", "abc", "bcad");
        Assert.That(code, Is.Zero, stderr);
        var outputs = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(outputs, Has.Length.EqualTo(2));
        // ⌈1·|source|⌉ + 1 tokens at most (|source| counts <eos>): 5 for "abc", the <eos> included.
        Assert.That(outputs[0].Split('\t')[1].Length, Is.LessThanOrEqualTo(5));

        (code, _, stderr) = Run("seq2seq", "translate", "--model", P("plain.safetensors"), "--attention-svg", P("att.svg"), "abc");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--attention-svg").And.Contain("without attention"));
        Assert.That(File.Exists(P("att.svg")), Is.False);

        (code, stdout, stderr) = Run("seq2seq", "eval", "--model", P("plain.safetensors"), "--data", P("pairs.tsv"), "--beam", "2", "--decode-batch", "7", "--json");
        Assert.That(code, Is.Zero, stderr);
        var eval = JsonDocument.Parse(stdout).RootElement;
        Assert.That(eval.GetProperty("pairs").GetInt32(), Is.EqualTo(60));
        Assert.That(eval.GetProperty("decode_batch").GetInt32(), Is.EqualTo(7));
        Assert.That(eval.GetProperty("sentences_per_second").GetDouble(), Is.GreaterThan(0));
    }

    [Test]
    public void ADecodingLimitOfNothingIsABadFlag()
    {
        var (code, _, stderr) = Run("seq2seq", "make-data", "--task", "reverse", "--count", "30", "--seed", "3", "--out", P("pairs.tsv"));
        Assert.That(code, Is.Zero, stderr);
        (code, _, stderr) = Run("seq2seq", "train", "--data", P("pairs.tsv"), "--embedding", "4", "--hidden", "4", "--steps", "1", "--out", P("m.safetensors"));
        Assert.That(code, Is.Zero, stderr);
        (code, _, stderr) = Run("seq2seq", "translate", "--model", P("m.safetensors"), "--max-length-ratio", "0", "--max-length-extra", "0", "abc");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--max-length-ratio"));
    }
}
