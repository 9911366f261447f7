using SeqCore.Text;

namespace SeqCore.Tests.Text;

public class TokenizerFileErrorTests
{
    string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(TestContext.CurrentContext.WorkDirectory, "tok-errors-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    static void ExpectError(Action load, string path, params string[] fragments)
    {
        var e = Assert.Throws<InvalidDataException>(() => load())!;
        Assert.That(e.Message, Does.Contain(path));
        foreach (var f in fragments) Assert.That(e.Message, Does.Contain(f));
    }

    [Test]
    public void Truncated_file()
    {
        string good = Path.Combine(_dir, "good.json");
        WordTokenizer.Train("a b c").Save(good);
        string text = File.ReadAllText(good);
        string path = Write("truncated.json", text[..(text.Length / 2)]);
        ExpectError(() => WordTokenizer.Load(path), path, "not valid JSON");
        ExpectError(() => TokenizerFile.Load(path), path, "truncated");
    }

    [Test]
    public void Empty_and_non_object_files()
    {
        string empty = Write("empty.json", "");
        ExpectError(() => TokenizerFile.Load(empty), empty, "not valid JSON");
        string array = Write("array.json", "[1, 2]");
        ExpectError(() => TokenizerFile.Load(array), array, "JSON object", "array");
    }

    [Test]
    public void Wrong_format_version_or_type()
    {
        string other = Write("other.json", """{"format":"something-else","version":1,"type":"char"}""");
        ExpectError(() => CharTokenizer.Load(other), other, "something-else");
        string version = Write("version.json", """{"format":"seqcore-tokenizer","version":7,"type":"char"}""");
        ExpectError(() => CharTokenizer.Load(version), version, "version 7");
        string unknownType = Write("type.json", """{"format":"seqcore-tokenizer","version":1,"type":"sentencepiece"}""");
        ExpectError(() => TokenizerFile.Load(unknownType), unknownType, "sentencepiece");
        string chars = Path.Combine(_dir, "chars.json");
        CharTokenizer.Train("abc").Save(chars);
        ExpectError(() => WordTokenizer.Load(chars), chars, "'char'", "'word'");
        ExpectError(() => ByteLevelBpeTokenizer.Load(chars), chars, "'char'");
    }

    [Test]
    public void Missing_or_mistyped_fields()
    {
        string missing = Write("missing.json", """{"format":"seqcore-tokenizer","version":1,"type":"word"}""");
        ExpectError(() => WordTokenizer.Load(missing), missing, "\"words\"");
        string mistyped = Write("mistyped.json", """{"format":"seqcore-tokenizer","version":1,"type":"word","words":["<unk>", 5]}""");
        ExpectError(() => WordTokenizer.Load(mistyped), mistyped, "\"words\"[1]", "string");
        string noUnk = Write("nounk.json", """{"format":"seqcore-tokenizer","version":1,"type":"word","words":["a"]}""");
        ExpectError(() => WordTokenizer.Load(noUnk), noUnk, "<unk>");
    }

    [Test]
    public void Inconsistent_vocabularies()
    {
        string dupWord = Write("dupword.json", """{"format":"seqcore-tokenizer","version":1,"type":"word","words":["<unk>","a","a"]}""");
        ExpectError(() => WordTokenizer.Load(dupWord), dupWord, "twice");
        string twoChars = Write("twochars.json", """{"format":"seqcore-tokenizer","version":1,"type":"char","unknown":null,"symbols":["a","bc"]}""");
        ExpectError(() => CharTokenizer.Load(twoChars), twoChars, "not exactly one");

        string bpe = Path.Combine(_dir, "bpe.json");
        ByteLevelBpeTokenizer.Train("ab ab ab", 2).Save(bpe);
        string text = File.ReadAllText(bpe);
        string badMerge = Write("badmerge.json", text.Replace("\"a b\"", "\"a zz\""));
        ExpectError(() => ByteLevelBpeTokenizer.Load(badMerge), badMerge, "merge 0", "not in the vocabulary");
        string noByte = Write("nobyte.json", text.Replace("\"Ġ\",", "\"Ġx\","));
        ExpectError(() => ByteLevelBpeTokenizer.Load(noByte), noByte, "byte 0x20");
    }

    [Test]
    public void Corrupt_gpt2_files()
    {
        string vocab = Path.Combine(Gpt2GoldenTests.Folder, "vocab.bpe");
        string encoder = Write("encoder.json", File.ReadAllText(Path.Combine(Gpt2GoldenTests.Folder, "encoder.json"))[..5000]);
        ExpectError(() => ByteLevelBpeTokenizer.LoadGpt2(encoder, vocab), encoder, "not valid JSON");
        string gappy = Write("gappy.json", """{"a": 0, "b": 5}""");
        ExpectError(() => ByteLevelBpeTokenizer.LoadGpt2(gappy, vocab), gappy, "id 5");
        string fullEncoder = Path.Combine(Gpt2GoldenTests.Folder, "encoder.json");
        string badBpe = Write("vocab.bpe", "#version: 0.2\nĠ t\nthree parts here\n");
        ExpectError(() => ByteLevelBpeTokenizer.LoadGpt2(fullEncoder, badBpe), badBpe, "line 3");
    }
}
