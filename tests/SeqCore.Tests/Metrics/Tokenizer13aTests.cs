using SeqCore.Metrics;

namespace SeqCore.Tests.Metrics;

/// <summary>The 13a tokenizer on hand-picked inputs (the expected outputs are sacreBLEU 2.6.0's); the golden file
/// (<see cref="BleuGoldenTests"/>) checks 122 more.</summary>
public class Tokenizer13aTests
{
    [TestCase("Hello, world!", "Hello , world !")]
    [TestCase("Pi is 3.14 and 1,000 people.", "Pi is 3.14 and 1,000 people .")]
    [TestCase("The 1990-91 season", "The 1990 - 91 season")]
    [TestCase("Tom &amp; Jerry &lt;3", "Tom & Jerry < 3")]
    [TestCase("don't stop", "don't stop")]
    [TestCase("(a) [b] {c}", "( a ) [ b ] { c }")]
    [TestCase("x-ray", "x-ray")]
    [TestCase("a.b,c", "a . b , c")]
    [TestCase("U.S.A.", "U . S . A .")]
    [TestCase("hyphen-\nated line\nbreak", "hyphenated line break")]
    [TestCase("<skipped> kept", "kept")]
    [TestCase("", "")]
    public void SplitsAsMteval13a(string input, string expected) =>
        Assert.That(Tokenizer13a.Tokenize(input), Is.EqualTo(expected));

    [Test]
    public void WhitespaceIsPythonsWhitespace()
    {
        // U+001C..U+001F separate words in Python's str.split() (and so in sacreBLEU) but are not white space in .NET.
        Assert.That(Tokenizer13a.Tokenize("a\u001cb\u00a0c\td"), Is.EqualTo("a b c d"));
    }
}
