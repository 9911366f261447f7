namespace SeqCore.IO;

/// <summary>One row of a <see cref="VerseTable"/>.</summary>
/// <param name="Reference">The verse reference, e.g. <c>Acts 2:4</c>.</param>
/// <param name="Book">The book: the reference up to its last space (<c>Acts</c>, <c>1Cor</c>).</param>
/// <param name="Texts">The text columns after the reference, in the header's order.</param>
/// <param name="Line">The 1-based line of the file, for messages.</param>
public sealed record VerseRow(string Reference, string Book, IReadOnlyList<string> Texts, int Line);

/// <summary>
/// A UTF-8 TSV of verses with a header line, <c>reference&lt;TAB&gt;column&lt;TAB&gt;…</c> (e.g. <c>data/bible_es_en.tsv</c>:
/// <c>reference spanish english</c>), and its split <b>by book</b>: parallel passages (the synoptic gospels, Kings and
/// Chronicles) would leak between a training and a test split drawn verse by verse. Faults are
/// <see cref="InvalidDataException"/>s naming the file, the line and what is wrong.
/// </summary>
public sealed class VerseTable
{
    private VerseTable(string path, IReadOnlyList<string> columns, IReadOnlyList<VerseRow> rows)
    {
        Path = path;
        Columns = columns;
        Rows = rows;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The names of the text columns (the header after <c>reference</c>).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Every verse, in file order.</summary>
    public IReadOnlyList<VerseRow> Rows { get; }

    /// <summary>The books, in order of first appearance.</summary>
    public IReadOnlyList<string> Books => [.. Rows.Select(r => r.Book).Distinct()];

    /// <summary>The index of column <paramref name="name"/> in <see cref="VerseRow.Texts"/>;
    /// <see cref="ArgumentException"/> lists the columns when there is none.</summary>
    public int ColumnIndex(string name)
    {
        for (int i = 0; i < Columns.Count; i++) if (Columns[i] == name) return i;
        throw new ArgumentException($"{Path}: no column '{name}'; the columns are {string.Join(", ", Columns)}.");
    }

    /// <summary>
    /// Reads <paramref name="path"/>: a header whose first field is <c>reference</c> and at least one more column, then
    /// one verse a line with exactly as many fields, every field non-empty (blank lines skipped, a trailing <c>\r</c>
    /// dropped).
    /// </summary>
    public static VerseTable Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        string[]? header = null;
        var rows = new List<VerseRow>();
        int number = 0;
        foreach (string raw in Utf8Text.ReadLines(path))
        {
            number++;
            string line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.Length == 0) continue;
            string[] fields = line.Split('\t');
            if (header is null)
            {
                if (fields.Length < 2 || fields[0] != "reference")
                    throw new InvalidDataException($"{path}:{number}: expected a header 'reference<TAB>column…', got '{Shorten(line)}'.");
                header = fields;
                continue;
            }
            if (fields.Length != header.Length)
                throw new InvalidDataException($"{path}:{number}: {fields.Length} fields, the header has {header.Length} ({string.Join(", ", header)}).");
            for (int i = 0; i < fields.Length; i++)
                if (fields[i].Trim().Length == 0)
                    throw new InvalidDataException($"{path}:{number}: the '{header[i]}' field is empty.");
            int space = fields[0].LastIndexOf(' ');
            if (space <= 0) throw new InvalidDataException($"{path}:{number}: the reference '{fields[0]}' is not 'Book chapter:verse'.");
            rows.Add(new VerseRow(fields[0], fields[0][..space], fields[1..], number));
        }
        if (header is null) throw new InvalidDataException($"{path}: the file is empty.");
        if (rows.Count == 0) throw new InvalidDataException($"{path}: a header and no verses.");
        return new VerseTable(path, header[1..], rows);
    }

    /// <summary>
    /// Splits the verses by book: those of <paramref name="testBooks"/> to Test, of <paramref name="developmentBooks"/> to
    /// Development, every other book to Train (file order kept). <see cref="ArgumentException"/> names a book that is
    /// not in the table, one named twice, or a split left empty.
    /// </summary>
    public (IReadOnlyList<VerseRow> Train, IReadOnlyList<VerseRow> Development, IReadOnlyList<VerseRow> Test) SplitByBook(
        IReadOnlyCollection<string> testBooks, IReadOnlyCollection<string> developmentBooks)
    {
        ArgumentNullException.ThrowIfNull(testBooks);
        ArgumentNullException.ThrowIfNull(developmentBooks);
        var known = Books.ToHashSet();
        foreach (string b in testBooks.Concat(developmentBooks))
            if (!known.Contains(b)) throw new ArgumentException($"{Path}: no book '{b}'; the books are {string.Join(" ", Books)}.");
        var overlap = testBooks.Intersect(developmentBooks).ToArray();
        if (overlap.Length > 0) throw new ArgumentException($"{Path}: book {overlap[0]} is in both the test and the development split.");
        var test = Rows.Where(r => testBooks.Contains(r.Book)).ToArray();
        var dev = Rows.Where(r => developmentBooks.Contains(r.Book)).ToArray();
        var train = Rows.Where(r => !testBooks.Contains(r.Book) && !developmentBooks.Contains(r.Book)).ToArray();
        if (train.Length == 0) throw new ArgumentException($"{Path}: the split leaves no book to train on.");
        return (train, dev, test);
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
