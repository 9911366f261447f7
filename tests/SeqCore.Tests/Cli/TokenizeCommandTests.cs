using System.Text.Json;
using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore tokenize</c> in-process, with the GPT-2 files copied beside the tests.</summary>
public class TokenizeCommandTests
{
    private static readonly string Gpt2 = Path.Combine(AppContext.BaseDirectory, "Golden", "gpt2");

    private static (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] Gpt2Args(params string[] more) =>
        ["tokenize", "--vocab", Path.Combine(Gpt2, "encoder.json"), "--merges", Path.Combine(Gpt2, "vocab.bpe"), .. more];

    [Test]
    public void EncodesLikeTheReferenceEncoderAndDecodesBack()
    {
        // Ids from the reference JavaScript encoder (npm gpt-3-encoder 1.1.4) for this text.
        const string text = "Hello world, it's 2026!\n  Über 🙂";
        int[] reference = [15496, 995, 11, 340, 338, 1160, 2075, 0, 198, 220, 49363, 527, 32485];
        var (code, stdout, stderr) = Run(text, Gpt2Args());
        Assert.That(code, Is.Zero, stderr);
        Assert.That(JsonSerializer.Deserialize<int[]>(stdout), Is.EqualTo(reference));
        var (code2, decoded, stderr2) = Run(stdout, Gpt2Args("--decode"));
        Assert.That(code2, Is.Zero, stderr2);
        Assert.That(decoded, Is.EqualTo(text));
    }

    [Test]
    public void BadArgumentsAndInputGiveUsageErrors()
    {
        var (code, _, err) = Run("", "tokenize", "--vocab", Path.Combine(Gpt2, "encoder.json"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--merges is missing"));
        (code, _, err) = Run("", "tokenize", "--tokenizer", "/nonexistent/tok.json");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("file not found").And.Contain("/nonexistent/tok.json"));
        (code, _, err) = Run("[1, 99999999]", Gpt2Args("--decode"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("99999999").And.Contain("50257"));
        (code, _, err) = Run("not json", Gpt2Args("--decode"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("JSON array"));
    }
}
