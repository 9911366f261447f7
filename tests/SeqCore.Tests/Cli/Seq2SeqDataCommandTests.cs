using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SeqCore.Cli;
using SeqCore.Cli.Training;
using SeqCore.Models;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore seq2seq train|eval|translate</c> on a verse table split by book, with word/BPE vocabularies and
/// token batches; <c>translate --input/--output</c>; and each bad input of issue #14 (exit 2, one message naming the
/// file and line, nothing written).</summary>
public class Seq2SeqDataCommandTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-s2s-data-{Guid.NewGuid():N}"));
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

    private static readonly string[] Tiny = ["--embedding", "8", "--hidden", "8", "--eval-every", "5", "--threads", "1"];

    /// <summary>A verse table of three books: Gen (training), Eph (development, 3 verses), Acts (test, 4 verses).</summary>
    private string Table()
    {
        string[] es = ["el perro come", "el gato duerme", "la casa es grande", "el perro duerme", "la casa come", "el gato es grande"];
        string[] en = ["the dog eats", "the cat sleeps", "the house is big", "the dog sleeps", "the house eats", "the cat is big"];
        var lines = new List<string> { "reference\tspanish\tenglish" };
        for (int i = 0; i < 24; i++) lines.Add($"Gen 1:{i + 1}\t{es[i % 6]}\t{en[i % 6]}");
        for (int i = 0; i < 4; i++) lines.Add($"Acts 1:{i + 1}\t{es[(i + 1) % 6]}\t{en[(i + 1) % 6]}");
        for (int i = 0; i < 3; i++) lines.Add($"Eph 1:{i + 1}\t{es[(i + 2) % 6]}\t{en[(i + 2) % 6]}");
        File.WriteAllLines(P("table.tsv"), lines);
        return P("table.tsv");
    }

    private string[] TableOptions(string table) =>
        ["--data", table, "--source-column", "spanish", "--target-column", "english", "--test-books", "Acts", "--dev-books", "Eph"];

    private static JsonElement Last(string stdout) => JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;

    [TestCase("word", "joint")]
    [TestCase("bpe", "separate")]
    public void TrainsOnTheTrainingBooksAndScoresTheTestBooks(string tokens, string vocabulary)
    {
        string table = Table();
        var (code, stdout, stderr) = Run(["seq2seq", "train", .. TableOptions(table), "--tokens", tokens, "--vocabulary", vocabulary, "--merges", "30",
            "--batch-tokens", "60", "--steps", "10", "--out", P("m.safetensors"), "--json", .. Tiny]);
        Assert.That(code, Is.Zero, stderr);
        var start = JsonDocument.Parse(stdout.Split('\n')[0]).RootElement;
        Assert.That(start.GetProperty("train").GetInt32(), Is.EqualTo(24), "Gen only");
        Assert.That(start.GetProperty("held_out").GetInt32(), Is.EqualTo(3), "Eph");
        Assert.That(start.GetProperty("tokens").GetString(), Is.EqualTo(tokens));
        Assert.That(start.GetProperty("joint").GetBoolean(), Is.EqualTo(vocabulary == "joint"));
        Assert.That(start.GetProperty("batch_tokens").GetInt32(), Is.EqualTo(60));
        var result = Last(stdout);
        Assert.That(result.GetProperty("bleu_greedy").GetDouble(), Is.InRange(0, 100));
        Assert.That(result.GetProperty("chrf_greedy").GetDouble(), Is.InRange(0, 100));

        (code, stdout, stderr) = Run(["seq2seq", "eval", "--model", P("m.safetensors"), .. TableOptions(table), "--json"]);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(Last(stdout).GetProperty("pairs").GetInt32(), Is.EqualTo(4), "Acts");

        (code, stdout, stderr) = Run(["seq2seq", "translate", "--model", P("m.safetensors"), .. TableOptions(table)]);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(4), "one line a test verse");

        // The same translations, from a file into a file, line for line.
        File.WriteAllLines(P("in.txt"), ["el gato come", "la casa duerme", "el perro es grande"]);
        (code, _, stderr) = Run("seq2seq", "translate", "--model", P("m.safetensors"), "--input", P("in.txt"), "--output", P("out/en.txt"));
        Assert.That(code, Is.Zero, stderr);
        var written = File.ReadAllLines(P("out/en.txt"));
        Assert.That(written, Has.Length.EqualTo(3));
        (code, stdout, stderr) = RunWithInput("el gato come\nla casa duerme\nel perro es grande\n", "seq2seq", "translate", "--model", P("m.safetensors"), "--input", "-", "--output", "-");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(written));
    }

    [Test]
    public void DataReportsTheSplitTheCopyBaselineAndTheVocabulary()
    {
        string table = Table();
        var (code, stdout, stderr) = Run(["seq2seq", "data", .. TableOptions(table), "--tokens", "word", "--json"]);
        Assert.That(code, Is.Zero, stderr);
        var r = Last(stdout);
        Assert.That((r.GetProperty("train").GetInt32(), r.GetProperty("development").GetInt32(), r.GetProperty("test").GetInt32()), Is.EqualTo((24, 3, 4)));
        var acts = File.ReadAllLines(table).Where(l => l.StartsWith("Acts", StringComparison.Ordinal)).Select(l => l.Split('\t')).ToList();
        var copy = SeqCore.Metrics.Bleu.Corpus([.. acts.Select(f => f[1])], [.. acts.Select(f => f[2])]);
        Assert.That(r.GetProperty("copy_bleu").GetDouble(), Is.EqualTo(copy.Score));
        // Words of Gen only, with the space before them: el, " perro", " come", … and <pad> <s> </s> <unk>.
        var expected = Seq2SeqVocabulary.Build([.. File.ReadAllLines(table).Skip(1).Take(24).Select(l => l.Split('\t')).Select(f => (f[1], f[2]))], Seq2SeqTokens.Word, false, 0);
        Assert.That(r.GetProperty("source_vocabulary").GetInt32(), Is.EqualTo(expected.SourceSize));
        Assert.That(r.GetProperty("source_tokens_per_pair").GetDouble(), Is.EqualTo(3.0).Within(0.5));
    }

    [Test]
    public void TokenBatchedTrainingResumesExactly()
    {
        string table = Table();
        string[] Train(string output, int steps) => ["seq2seq", "train", .. TableOptions(table), "--tokens", "word", "--batch-tokens", "50",
            "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", P(output), "--json", .. Tiny];
        Assert.That(Run(Train("whole.safetensors", 10)).Code, Is.Zero);
        Assert.That(Run(Train("part.safetensors", 5)).Code, Is.Zero);
        var rest = Run("seq2seq", "train", "--resume", P("part.safetensors"), "--steps", "10", "--json");
        Assert.That(rest.Code, Is.Zero, rest.Err);
        var whole = SeqCore.IO.SafeTensors.Read(P("whole.safetensors")).Tensors;
        var part = SeqCore.IO.SafeTensors.Read(P("part.safetensors")).Tensors;
        Assert.That(part["generator.weight"].Data, Is.EqualTo(whole["generator.weight"].Data));
    }

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
    public void BadDataIsOneUsageErrorNamingTheFileAndLine()
    {
        string table = Table();
        string[] Train(params string[] data) => ["seq2seq", "train", .. data, "--steps", "2", "--out", P("m.safetensors"), .. Tiny];
        // A missing column: not in the header, or missing from a row.
        AssertUsageError(Train("--data", table, "--source-column", "french", "--target-column", "english"), "--source-column", "no column 'french'", "spanish, english");
        File.WriteAllText(P("short.tsv"), "reference\tspanish\tenglish\nGen 1:1\tuno\tone\nGen 1:2\tdos\n");
        AssertUsageError(Train("--data", P("short.tsv"), "--source-column", "spanish", "--target-column", "english"), "short.tsv:3", "2 fields");
        AssertUsageError(Train("--data", table, "--source-column", "spanish"), "--target-column");
        AssertUsageError(Train("--data", table, "--source-column", "spanish", "--target-column", "english", "--test-books", "Rev"), "no book 'Rev'");
        // An empty side, in a table and in a TSV of pairs.
        File.WriteAllText(P("empty.tsv"), "reference\tspanish\tenglish\nGen 1:1\tuno\tone\nGen 1:2\t \ttwo\n");
        AssertUsageError(Train("--data", P("empty.tsv"), "--source-column", "spanish", "--target-column", "english"), "empty.tsv:3", "'spanish' field is empty");
        File.WriteAllText(P("pairs.tsv"), "uno\tone\ndos\t\n");
        AssertUsageError(Train("--data", P("pairs.tsv")), "pairs.tsv:2", "target is empty");
        // A line without a tab.
        File.WriteAllText(P("notab.tsv"), "uno\tone\ndos two\n");
        AssertUsageError(Train("--data", P("notab.tsv")), "notab.tsv:2", "no tab");
        // A pair over the token bound.
        AssertUsageError(Train("--data", table, "--source-column", "spanish", "--target-column", "english", "--tokens", "word", "--batch-tokens", "5"), "--batch-tokens", "more than the batch bound of 5");
    }

    [Test]
    public void BadTranslateInputIsOneUsageErrorAndNothingIsWritten()
    {
        string table = Table();
        Assert.That(Run(["seq2seq", "train", .. TableOptions(table), "--steps", "2", "--out", P("m.safetensors"), .. Tiny]).Code, Is.Zero);
        File.WriteAllLines(P("in.txt"), ["el gato come", "", "la casa"]);
        AssertUsageError(["seq2seq", "translate", "--model", P("m.safetensors"), "--input", P("in.txt"), "--output", P("out.txt")], "in.txt:2", "empty");
        File.WriteAllLines(P("in.txt"), ["el gato come", "el ñu"]);
        AssertUsageError(["seq2seq", "translate", "--model", P("m.safetensors"), "--input", P("in.txt"), "--output", P("out.txt")], "in.txt:2", "'ñ'");
        AssertUsageError(["seq2seq", "translate", "--model", P("m.safetensors"), "--input", P("in.txt"), "--output", P("in.txt")], "would overwrite the input");
        AssertUsageError(["seq2seq", "translate", "--model", P("m.safetensors"), "--input", P("in.txt"), "--output", P("m.safetensors")], "--output");
        AssertUsageError(["seq2seq", "translate", "--model", P("m.safetensors"), "--input", P("in.txt"), "el gato"], "one way");
        AssertUsageError(["seq2seq", "translate", "--model", P("m.safetensors"), "--input", P("nope.txt")], "nope.txt", "not found");
        // A source longer than the model's maximum (the recurrent encoder's: the longest sequence any model accepts).
        File.WriteAllText(P("long.txt"), "el gato come\n" + new string('a', SeqCore.Models.ModelLimits.MaxContext) + "\n");
        AssertUsageError(["seq2seq", "translate", "--model", P("m.safetensors"), "--input", P("long.txt"), "--output", P("out.txt")],
            "long.txt:2", "1,048,577 tokens", "ModelLimits.MaxContext) is 1,048,576");
    }

    [Test]
    public void AVocabularyThatDoesNotMatchTheCheckpointIsRefused()
    {
        string table = Table();
        string[] train = ["seq2seq", "train", .. TableOptions(table), "--steps", "2", "--out", P("m.safetensors"), .. Tiny];
        Assert.That(Run(train).Code, Is.Zero);
        // Resuming with other vocabulary options than the checkpoint's.
        AssertUsageError(["seq2seq", "train", "--resume", P("m.safetensors"), "--steps", "4", "--tokens", "word"], "--resume", "does not match", "m.safetensors");
        // A checkpoint whose stored vocabulary does not fit its weights.
        File.Copy(P("m.safetensors"), P("bad.safetensors"));
        var other = Seq2SeqVocabulary.Build([("a", "b")]);
        ReplaceMetadata(P("bad.safetensors"), SeqCore.IO.Checkpoint.TokenizerKey, other.ToJson());
        AssertUsageError(["seq2seq", "eval", "--model", P("bad.safetensors"), .. TableOptions(table)], "--model", "bad.safetensors", "do not match");
        AssertUsageError(["seq2seq", "translate", "--model", P("bad.safetensors"), "el gato"], "--model", "bad.safetensors", "do not match");
    }

    [Test]
    public void ASourceLongerThanTheLimitNamesTheLimitAndTheLine()
    {
        var vocabulary = Seq2SeqVocabulary.Build([("abc", "cba")]);
        Assert.That(Seq2SeqData.EncodeSources(vocabulary, [("abc", "f:1"), ("ab", "f:2")], 4, "the limit"), Has.Count.EqualTo(2));
        Assert.That(() => Seq2SeqData.EncodeSources(vocabulary, [("abc", "f:1"), ("abcabc", "f:2")], 4, "the position table of the model"),
            Throws.TypeOf<UsageException>().With.Message.EqualTo("f:2: the source is 7 tokens long (with its end token), over the limit: the position table of the model is 4."));
    }

    /// <summary>Rewrites one <c>__metadata__</c> value of a safetensors file (the header's length changes; the data
    /// offsets are relative to the data, so they stay).</summary>
    private static void ReplaceMetadata(string path, string key, string value)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long n = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n))!.AsObject();
        header["__metadata__"]![key] = value;
        byte[] newHeader = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, newHeader.Length);
        file.Write(length);
        file.Write(newHeader);
        file.Write(bytes.AsSpan(8 + (int)n));
    }
}
