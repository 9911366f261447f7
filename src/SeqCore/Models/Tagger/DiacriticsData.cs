using SeqCore.IO;

namespace SeqCore.Models;

/// <summary>
/// The built-in diacritic-restoration task on a verse table (e.g. the Spanish column of <c>data/bible_es_en.tsv</c>),
/// split by book (<see cref="VerseTable.SplitByBook"/>): each verse's original text, from which
/// <see cref="Diacritics.Sentence"/> makes the stripped input and the marks to predict.
/// </summary>
public sealed class DiacriticsData
{
    /// <summary>The verse table read.</summary>
    public required string Source { get; init; }

    /// <summary>The text column used.</summary>
    public required string Column { get; init; }

    /// <summary>Training verses (original text) and their <c>file:line</c>.</summary>
    public required IReadOnlyList<(string Text, string Source)> Train { get; init; }

    /// <summary>Development verses (validation and early stopping).</summary>
    public required IReadOnlyList<(string Text, string Source)> Development { get; init; }

    /// <summary>Test verses.</summary>
    public required IReadOnlyList<(string Text, string Source)> Test { get; init; }

    /// <summary>Reads <paramref name="path"/> and splits column <paramref name="column"/> by book;
    /// <see cref="InvalidDataException"/> names the file and the fault (no such column or book, an empty split).</summary>
    public static DiacriticsData Load(string path, string column, IReadOnlyCollection<string> testBooks, IReadOnlyCollection<string> developmentBooks)
    {
        var table = VerseTable.Read(path);
        try
        {
            int index = table.ColumnIndex(column);
            var (train, dev, test) = table.SplitByBook(testBooks, developmentBooks);
            if (test.Count == 0) throw new ArgumentException($"{path}: the test split is empty; name a book with --test-books.");
            (string, string)[] Texts(IReadOnlyList<VerseRow> rows) => [.. rows.Select(r => (r.Texts[index], $"{path}:{r.Line}"))];
            return new DiacriticsData { Source = path, Column = column, Train = Texts(train), Development = Texts(dev), Test = Texts(test) };
        }
        catch (ArgumentException e) { throw new InvalidDataException(e.Message, e); }
    }

    /// <summary>The tagged character sentences of <paramref name="verses"/>.</summary>
    public static List<TaggedSentence> Sentences(IReadOnlyList<(string Text, string Source)> verses)
    {
        ArgumentNullException.ThrowIfNull(verses);
        return [.. verses.Select(v => Diacritics.Sentence(v.Text, v.Source))];
    }
}
