using System.Text.Json;
using SeqCore.Cli;
using SeqCore.Models;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore seq2seq train --architecture transformer</c> in-process on tiny data, then translate and eval
/// loading the transformer checkpoint; a bad transformer option is a usage error (exit 2) that writes nothing.</summary>
public class Seq2SeqTransformerCommandTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-tfs2s-cli-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(""), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string P(string name) => Path.Combine(_dir, name);

    private static readonly string[] TinyTransformer =
        ["--architecture", "transformer", "--embedding", "16", "--heads", "2", "--encoder-layers", "1", "--decoder-layers", "2", "--ff", "32", "--batch", "16", "--eval-every", "10"];

    [Test]
    public void TrainsATransformerAndTranslatesAndEvaluatesWithIt()
    {
        File.WriteAllLines(P("pairs.tsv"), Enumerable.Range(0, 60).Select(i => $"{i}x\t{i * 3}"));
        var (code, stdout, stderr) = Run(["seq2seq", "train", "--data", P("pairs.tsv"), "--steps", "12", "--beam", "2", "--out", P("tf.safetensors"), "--json", .. TinyTransformer]);
        Assert.That(code, Is.Zero, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(JsonDocument.Parse(lines[0]).RootElement.GetProperty("architecture").GetString(), Is.EqualTo("transformer"));
        var result = JsonDocument.Parse(lines[^1]).RootElement;
        Assert.That(result.GetProperty("steps").GetInt32(), Is.EqualTo(12));
        Assert.That(result.GetProperty("exact_match_beam").GetDouble(), Is.InRange(0, 1));
        Assert.That(ModelCheckpoint.ReadKind(P("tf.safetensors")), Is.EqualTo("transformer-seq2seq"));
        Assert.That(File.ReadAllText(P("tf.attention.svg")), Does.StartWith("<svg"));

        (code, stdout, stderr) = Run("seq2seq", "translate", "--model", P("tf.safetensors"), "--beam", "2", "--json", "12x", "7x");
        Assert.That(code, Is.Zero, stderr);
        var outputs = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.That(outputs.Select(o => o.GetProperty("source").GetString()), Is.EqualTo(new[] { "12x", "7x" }));

        (code, stdout, stderr) = Run("seq2seq", "eval", "--model", P("tf.safetensors"), "--data", P("pairs.tsv"), "--json");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("\"pairs\":60"));

        // A source longer than the model's position tables is a usage error naming the input.
        (code, _, stderr) = Run("seq2seq", "translate", "--model", P("tf.safetensors"), string.Concat(Enumerable.Repeat("12x", 40)));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("input 1").And.Contain("the transformer's maxLength"));

        // Resume goes on with the same architecture from the saved settings.
        (code, _, stderr) = Run("seq2seq", "train", "--resume", P("tf.safetensors"), "--steps", "14", "--json");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(ModelCheckpoint.ReadKind(P("tf.safetensors")), Is.EqualTo("transformer-seq2seq"));
    }

    /// <summary>With --batch-tokens the transformer walks length-bucketed batches, and a run stopped and resumed mid-epoch
    /// ends with the same weights as one that was never stopped.</summary>
    [Test]
    public void TokenBatchesTrainTheTransformerAndResumeExactly()
    {
        File.WriteAllLines(P("pairs.tsv"), Enumerable.Range(0, 60).Select(i => $"{i}x{new string('y', i % 7)}\t{i * 3}"));
        string[] common = ["seq2seq", "train", "--data", P("pairs.tsv"), "--batch-tokens", "96", "--threads", "1", .. TinyTransformer];
        var (code, stdout, stderr) = Run([.. common, "--steps", "9", "--out", P("whole.safetensors"), "--keep-last", "--json"]);
        Assert.That(code, Is.Zero, stderr);
        var start = JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]).RootElement;
        Assert.That(start.GetProperty("batch_tokens").GetInt32(), Is.EqualTo(96));
        Assert.That(start.GetProperty("token_batches").GetInt32(), Is.GreaterThan(1));
        (code, _, stderr) = Run([.. common, "--steps", "4", "--out", P("part.safetensors"), "--keep-last", "--json"]);
        Assert.That(code, Is.Zero, stderr);
        (code, _, stderr) = Run("seq2seq", "train", "--resume", P("part.safetensors"), "--steps", "9", "--json");
        Assert.That(code, Is.Zero, stderr);
        var whole = SeqCore.IO.SafeTensors.Read(P("whole.safetensors")).Tensors;
        var resumed = SeqCore.IO.SafeTensors.Read(P("part.safetensors")).Tensors;
        Assert.That(whole.Keys.Count(k => !k.StartsWith("run.", StringComparison.Ordinal)), Is.GreaterThan(10));
        foreach (var (name, tensor) in whole.Where(t => !t.Key.StartsWith("run.", StringComparison.Ordinal)))
            Assert.That(resumed[name].Data, Is.EqualTo(tensor.Data), name);
    }

    [Test]
    public void HeadsThatDoNotDivideTheWidthAreAUsageError()
    {
        File.WriteAllLines(P("pairs.tsv"), Enumerable.Range(0, 30).Select(i => $"{i}\t{i * 2}"));
        var (code, _, stderr) = Run(["seq2seq", "train", "--data", P("pairs.tsv"), "--steps", "2", "--out", P("bad.safetensors"), "--architecture", "transformer", "--embedding", "16", "--heads", "3"]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("embeddingSize 16 must be divisible by heads (3)"));
        Assert.That(File.Exists(P("bad.safetensors")), Is.False);
    }
}
