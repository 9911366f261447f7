using System.Text.Json;
using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore tokenize --model CHECKPOINT</c>: the tokenizer stored in a trained model's metadata.</summary>
public class TokenizeModelTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-tok-model-{Guid.NewGuid():N}"));

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public void Encodes_and_decodes_with_a_language_models_tokenizer()
    {
        string corpus = Path.Combine(_dir, "c.txt"), model = Path.Combine(_dir, "m.safetensors");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat("abc cab bca.\n", 50)));
        var (code, _, err) = Run("", "train", "--corpus", corpus, "--steps", "2", "--hidden", "8", "--embedding", "4", "--batch", "2",
            "--bptt", "8", "--threads", "1", "--out", model);
        Assert.That(code, Is.Zero, err);
        (code, string ids, err) = Run("cab.", "tokenize", "--model", model);
        Assert.That(code, Is.Zero, err);
        Assert.That(JsonSerializer.Deserialize<int[]>(ids), Has.Length.EqualTo(4));
        (code, string text, err) = Run(ids, "tokenize", "--model", model, "--decode");
        Assert.That(code, Is.Zero, err);
        Assert.That(text, Is.EqualTo("cab."));
    }

    [Test]
    public void A_checkpoint_without_a_tokenizer_or_two_sources_are_usage_errors()
    {
        string csv = Path.Combine(AppContext.BaseDirectory, "Data", "airpassengers.csv"), outDir = Path.Combine(_dir, "f");
        var (code, _, err) = Run("", "forecast", "--csv", csv, "--column", "passengers", "--holdout", "12", "--window", "12", "--hidden", "4",
            "--steps", "2", "--out", Path.Combine(outDir, "forecast.safetensors"));
        Assert.That(code, Is.Zero, err);
        (code, _, err) = Run("x", "tokenize", "--model", Path.Combine(outDir, "forecast.safetensors"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("forecast.safetensors").And.Contain("no tokenizer"));
        (code, _, err) = Run("x", "tokenize", "--model", "a.safetensors", "--tokenizer", "t.json");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("--model"));
    }
}
