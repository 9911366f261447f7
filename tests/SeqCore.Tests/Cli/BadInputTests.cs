using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary>
/// Issue #17, items 6 and 8: every bad input below is refused with exit code 2 and one message naming the file, key,
/// line or verb at fault (never a raw exception name), and the small defects are decided.
/// </summary>
public class BadInputTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"seqcore-badinput-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static void AssertUsageError(string[] args, params string[] expected) => AssertUsageError("", args, expected);

    private static void AssertUsageError(string stdin, string[] args, params string[] expected)
    {
        var (code, _, err) = Run(stdin, args);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        foreach (string e in expected) Assert.That(err, Does.Contain(e));
        Assert.That(err, Does.Not.Contain("Exception"));
    }

    [Test]
    public void An_unknown_verb_with_help_is_named_and_exits_2()
    {
        AssertUsageError(["tags", "--help"], "'tags'");
        AssertUsageError(["tags"], "'tags'");
        AssertUsageError(["bench", "nope", "--help"], "'nope'");
        var (code, stdout, _) = Run("", "train", "--help");
        Assert.That(code, Is.Zero);
        Assert.That(stdout, Does.Contain("--corpus"));
    }

    [Test]
    public void A_constant_series_reports_the_absolute_difference_to_a_perfect_baseline()
    {
        File.WriteAllLines(P("flat.csv"), ["t,y", .. Enumerable.Range(0, 40).Select(i => $"{i},5")]);
        var (code, stdout, err) = Run("", "forecast", "--csv", P("flat.csv"), "--column", "y", "--holdout", "5", "--window", "5",
            "--steps", "2", "--hidden", "2", "--out", P("flat.safetensors"));
        Assert.That(code, Is.Zero, err);
        Assert.That(stdout, Does.Not.Contain("Infinity").And.Not.Contain("NaN"));
        Assert.That(stdout, Does.Contain("The baseline's RMSE is 0"));
    }

    [Test]
    public void Csv_duplicate_column_names_are_refused_naming_the_column_and_both_positions()
    {
        File.WriteAllLines(P("dup.csv"), ["t,y,x,y", .. Enumerable.Range(0, 60).Select(i => $"{i},{i},1,{i}")]);
        AssertUsageError(["forecast", "--csv", P("dup.csv"), "--column", "y", "--holdout", "5", "--window", "5", "--out", P("m.safetensors")], "dup.csv", "'y'", "columns 2 and 4");
    }

    [Test]
    public void Csv_values_beyond_the_magnitude_limit_are_refused_naming_line_and_column()
    {
        File.WriteAllLines(P("huge.csv"), ["t,y", .. Enumerable.Range(0, 60).Select(i => i == 7 ? $"{i},1e300" : $"{i},{i}")]);
        AssertUsageError(["forecast", "--csv", P("huge.csv"), "--column", "y", "--holdout", "5", "--window", "5", "--out", P("m.safetensors")], "huge.csv:9:2", "1e300", "1e15");
        Assert.That(File.Exists(P("m.safetensors")), Is.False);
    }

    /// <summary>Valid text with one byte that is not UTF-8 (0xFF) at <paramref name="offset"/>.</summary>
    private string WithInvalidUtf8(string name, string text, int offset)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        bytes[offset] = 0xFF;
        File.WriteAllBytes(P(name), bytes);
        return P(name);
    }

    [Test]
    public void Invalid_utf8_in_a_corpus_is_refused_with_the_byte_offset()
    {
        string lm = WithInvalidUtf8("lm.txt", string.Concat(Enumerable.Repeat("the cat sat on the mat.\n", 20)), 30);
        AssertUsageError(["train", "--corpus", lm, "--steps", "1", "--out", P("lm.safetensors")], "lm.txt", "byte offset 30", "UTF-8");
        string w2v = WithInvalidUtf8("w2v.txt", string.Concat(Enumerable.Repeat("sun moon star sky.\n", 20)), 41);
        AssertUsageError(["word2vec", "train", "--corpus", w2v, "--min-count", "1", "--steps", "1", "--out", P("w2v.safetensors")], "w2v.txt", "byte offset 41", "UTF-8");
        string tsv = WithInvalidUtf8("cls.tsv", string.Concat(Enumerable.Repeat("a good film\tpos\na bad film\tneg\n", 5)), 5);
        AssertUsageError(["classify", "--tsv", tsv, "--steps", "1", "--out", P("cls.safetensors")], "cls.tsv", "byte offset 5", "UTF-8");
        string pairs = WithInvalidUtf8("pairs.tsv", string.Concat(Enumerable.Range(0, 20).Select(i => $"{i}\t{2 * i}\n")), 12);
        AssertUsageError(["seq2seq", "train", "--data", pairs, "--steps", "1", "--out", P("s2s.safetensors")], "pairs.tsv", "byte offset 12", "UTF-8");
        foreach (string output in new[] { "lm", "w2v", "cls", "s2s" }) Assert.That(File.Exists(P($"{output}.safetensors")), Is.False, output);
    }

    [Test]
    public void A_seq2seq_checkpoint_with_a_bad_max_target_length_is_refused_on_load()
    {
        File.WriteAllLines(P("pairs.tsv"), ["abc\tcba", "bca\tacb", "cab\tbac", "aab\tbaa"]);
        var (code, _, err) = Run("", "seq2seq", "train", "--data", P("pairs.tsv"), "--steps", "1", "--held-out", "0.25", "--embedding", "4", "--hidden", "4",
            "--out", P("good.safetensors"));
        Assert.That(code, Is.Zero, err);
        foreach (string bad in new[] { "-1", "abc" })
        {
            File.Copy(P("good.safetensors"), P("bad.safetensors"), overwrite: true);
            RewriteMetadata(P("bad.safetensors"), "seqcore.seq2seq.max_target_length", bad);
            AssertUsageError(["seq2seq", "translate", "--model", P("bad.safetensors"), "abc"], "bad.safetensors", "max_target_length", $"'{bad}'");
        }
    }

    /// <summary>Sets one metadata entry of a safetensors file, keeping its tensors (their offsets are relative to the data).</summary>
    private static void RewriteMetadata(string path, string key, string value)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, length))!.AsObject();
        header["__metadata__"]![key] = value;
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var file = File.Create(path);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
        file.Write(prefix);
        file.Write(json);
        file.Write(bytes.AsSpan(8 + length));
    }

    [Test]
    public void Duplicate_keys_in_a_config_file_are_refused_naming_the_file_and_key()
    {
        File.WriteAllText(P("dup.json"), "{ \"steps\": 2, \"dim\": 4, \"steps\": 3 }");
        AssertUsageError(["word2vec", "train", "--config", P("dup.json"), "--out", P("m.safetensors")], "dup.json", "\"steps\"", "twice");
    }

    [Test]
    public void A_lone_surrogate_symbol_in_a_tokenizer_file_is_refused_naming_the_file()
    {
        File.WriteAllText(P("tok.json"), "{\"format\": \"seqcore-tokenizer\", \"version\": 1, \"type\": \"char\", \"unknown\": null, \"symbols\": [\"a\", \"\\ud800\"]}");
        AssertUsageError("a", ["tokenize", "--tokenizer", P("tok.json")], "tok.json", "surrogate");
    }

    [Test]
    public void An_empty_symbol_in_a_tokenizer_file_is_refused_naming_the_file()
    {
        File.WriteAllText(P("tok.json"), "{\"format\": \"seqcore-tokenizer\", \"version\": 1, \"type\": \"char\", \"unknown\": null, \"symbols\": [\"a\", \"\"]}");
        AssertUsageError("a", ["tokenize", "--tokenizer", P("tok.json")], "tok.json", "symbol 1", "not exactly one Unicode code point");
    }

    [Test]
    public void A_character_outside_the_vocabulary_in_tokenize_is_a_usage_error()
    {
        File.WriteAllText(P("tok.json"), "{\"format\": \"seqcore-tokenizer\", \"version\": 1, \"type\": \"char\", \"unknown\": null, \"symbols\": [\"a\", \"b\"]}");
        AssertUsageError("abc", ["tokenize", "--tokenizer", P("tok.json")], "U+0063", "not in the vocabulary");
    }

    [Test]
    public void Word2vec_train_creates_a_missing_output_folder()
    {
        File.WriteAllLines(P("corpus.txt"), Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? "sun moon star sky" : "bread wine oil meat"));
        string model = Path.Combine(_dir, "no", "such", "folder", "w2v.safetensors");
        var (code, _, err) = Run("", "word2vec", "train", "--corpus", P("corpus.txt"), "--min-count", "1", "--dim", "4", "--steps", "2", "--out", model);
        Assert.That(code, Is.Zero, err);
        Assert.That(File.Exists(model));
    }
}
