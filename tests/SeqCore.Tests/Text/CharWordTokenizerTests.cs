using SeqCore.Text;

namespace SeqCore.Tests.Text;

public class CharWordTokenizerTests
{
    static string Tmp(string name) => Path.Combine(TestContext.CurrentContext.WorkDirectory, $"tok-{name}-{Guid.NewGuid():N}.json");

    [Test]
    public void Char_vocabulary_is_sorted_distinct_code_points()
    {
        var t = CharTokenizer.Train("hello world");
        Assert.That(t.Symbols, Is.EqualTo(new[] { " ", "d", "e", "h", "l", "o", "r", "w" }));
        Assert.That(t.Encode("hello"), Is.EqualTo(new[] { 3, 2, 4, 4, 5 }));
        Assert.That(t.Decode(t.Encode("world hello")), Is.EqualTo("world hello"));
    }

    [Test]
    public void Char_unknowns()
    {
        var t = CharTokenizer.Train("abc😀", "<unk>");
        Assert.That(t.VocabularySize, Is.EqualTo(5));
        Assert.That(t.Encode("a😀zb"), Is.EqualTo(new[] { 1, 4, 0, 2 }));
        Assert.That(t.Decode(new[] { 0, 1 }), Is.EqualTo("<unk>a"));
        var strict = CharTokenizer.Train("abc");
        var e = Assert.Throws<ArgumentException>(() => strict.Encode("abz"))!;
        Assert.That(e.Message, Does.Contain("U+007A"));
        Assert.Throws<ArgumentOutOfRangeException>(() => strict.Decode(new[] { 3 }));
    }

    [Test]
    public void Char_save_load()
    {
        var t = CharTokenizer.Train("Straße 日本 😀\n", "<unk>");
        string path = Tmp("char");
        try
        {
            t.Save(path);
            var u = CharTokenizer.Load(path);
            Assert.That(u.Symbols, Is.EqualTo(t.Symbols));
            Assert.That(u.UnknownToken, Is.EqualTo("<unk>"));
            Assert.That(u.Encode("ße?😀"), Is.EqualTo(t.Encode("ße?😀")));
            Assert.That(TokenizerFile.Load(path), Is.InstanceOf<CharTokenizer>());
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Word_split_rule()
    {
        Assert.That(WordTokenizer.Split("Don't stop, it's 3.14!\n\tsnake_case 'quoted' 日本😀"),
            Is.EqualTo(new[] { "Don't", "stop", ",", "it's", "3", ".", "14", "!", "snake_case", "'", "quoted", "'", "日本", "😀" }));
        Assert.That(WordTokenizer.Split("  \n "), Is.Empty);
    }

    [Test]
    public void Word_vocabulary_cap_by_frequency_with_ordinal_ties()
    {
        var t = WordTokenizer.Train("b a c a b d", maxVocabulary: 3);
        Assert.That(t.Words, Is.EqualTo(new[] { "<unk>", "a", "b" }));
        Assert.That(t.Encode("a b c"), Is.EqualTo(new[] { 1, 2, 0 }));
        Assert.That(WordTokenizer.Train("z y x z", maxVocabulary: 3).Words, Is.EqualTo(new[] { "<unk>", "z", "x" }));
        Assert.That(WordTokenizer.Train("z y x z", minCount: 2).Words, Is.EqualTo(new[] { "<unk>", "z" }));
    }

    [Test]
    public void Word_round_trip_and_save_load()
    {
        const string corpus = "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void.";
        var t = WordTokenizer.Train(corpus);
        var ids = t.Encode(corpus);
        Assert.That(ids, Does.Not.Contain(0));
        Assert.That(t.Decode(ids), Is.EqualTo("In the beginning God created the heaven and the earth . And the earth was without form , and void ."));
        Assert.That(t.Encode(t.Decode(ids)), Is.EqualTo(ids));
        string path = Tmp("word");
        try
        {
            t.Save(path);
            var u = WordTokenizer.Load(path);
            Assert.That(u.Words, Is.EqualTo(t.Words));
            Assert.That(u.Encode("the unknown earth"), Is.EqualTo(t.Encode("the unknown earth")));
            Assert.That(u.Encode("the unknown earth")[1], Is.EqualTo(0));
        }
        finally { File.Delete(path); }
    }
}
