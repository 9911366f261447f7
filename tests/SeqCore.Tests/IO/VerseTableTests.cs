using NUnit.Framework;
using SeqCore.IO;

namespace SeqCore.Tests.IO;

public class VerseTableTests
{
    private static readonly string Bible = Path.Combine(AppContext.BaseDirectory, "Data", "bible_es_en.tsv");

    [Test]
    public void The_shipped_bible_splits_by_book_into_acts_ephesians_and_the_rest()
    {
        var table = VerseTable.Read(Bible);
        Assert.That(table.Rows, Has.Count.EqualTo(31_077));
        Assert.That(table.Columns, Is.EqualTo(new[] { "spanish", "english" }));
        Assert.That(table.Books, Has.Count.EqualTo(66));
        Assert.That(table.Rows[0].Reference, Is.EqualTo("Gen 1:1"));
        Assert.That(table.Rows[0].Texts[table.ColumnIndex("english")], Is.EqualTo("In the beginning, God created the heavens and the earth."));
        var (train, dev, test) = table.SplitByBook(["Acts"], ["Eph"]);
        Assert.That((train.Count, dev.Count, test.Count), Is.EqualTo((29_919, 155, 1_003)));
        Assert.That(test.All(r => r.Book == "Acts") && dev.All(r => r.Book == "Eph"), Is.True);
        Assert.That(train.Any(r => r.Book is "Acts" or "Eph"), Is.False);
    }

    [TestCase("reference\tspanish\tenglish\nGen 1:1\tuno\n", "x.tsv:2: 2 fields, the header has 3")]
    [TestCase("reference\tspanish\tenglish\nGen 1:1\tuno\t \n", "x.tsv:2: the 'english' field is empty")]
    [TestCase("ref\tspanish\nGen 1:1\tuno\n", "x.tsv:1: expected a header")]
    [TestCase("reference\tspanish\nGen1:1\tuno\n", "x.tsv:2: the reference 'Gen1:1' is not 'Book chapter:verse'")]
    [TestCase("reference\tspanish\n", "x.tsv: a header and no verses")]
    public void A_malformed_table_is_refused_naming_the_file_and_line(string text, string message)
    {
        string dir = Directory.CreateTempSubdirectory("verses").FullName;
        try
        {
            string path = Path.Combine(dir, "x.tsv");
            File.WriteAllText(path, text);
            var e = Assert.Throws<InvalidDataException>(() => VerseTable.Read(path))!;
            Assert.That(e.Message, Does.StartWith(Path.Combine(dir, message)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void A_split_naming_an_unknown_or_a_doubled_book_is_refused()
    {
        var table = VerseTable.Read(Bible);
        Assert.That(() => table.SplitByBook(["Acts"], ["Ephesians"]), Throws.ArgumentException.With.Message.Contains("no book 'Ephesians'"));
        Assert.That(() => table.SplitByBook(["Acts"], ["Acts"]), Throws.ArgumentException.With.Message.Contains("in both"));
        Assert.That(() => table.ColumnIndex("french"), Throws.ArgumentException.With.Message.Contains("spanish, english"));
    }
}
