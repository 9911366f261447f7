using SeqCore.Cli.Options;
using SeqCore.IO;
using SeqCore.Models;

namespace SeqCore.Cli.Training;

/// <summary>One (source, target) pair with where it was read (<c>file:line</c>), for messages.</summary>
internal sealed record Seq2SeqLine(string Source, string Target, string Where);

/// <summary>The pairs of a <c>--data</c> file: a verse table split by book (train, development, test), or a TSV of pairs
/// (every pair in <see cref="Train"/>; the trainer holds out its own share).</summary>
internal sealed record Seq2SeqSplits(string Path, bool ByBook, IReadOnlyList<Seq2SeqLine> Train, IReadOnlyList<Seq2SeqLine> Development, IReadOnlyList<Seq2SeqLine> Test)
{
    /// <summary>The pairs <c>eval</c> and <c>translate --data</c> work on: the test books (every verse when none are
    /// named) of a verse table, every pair of a TSV.</summary>
    public IReadOnlyList<Seq2SeqLine> Scored => !ByBook ? Train : Test.Count > 0 ? Test : [.. Train, .. Development];
}

/// <summary>
/// Reads the <c>--data</c> of <c>seq2seq train|eval|translate</c>: a TSV of <c>source&lt;TAB&gt;target</c> pairs, or,
/// with <c>--source-column</c>/<c>--target-column</c>, a verse table (<see cref="VerseTable"/>, e.g.
/// <c>data/bible_es_en.tsv</c>) split by book with <c>--test-books</c> and <c>--dev-books</c>. Any fault is one usage
/// error naming the option, the file and the line.
/// </summary>
internal static class Seq2SeqData
{
    public static readonly TextOption Data = new("--data", "A TSV of source<TAB>target pairs, or with --source-column a verse table: eval scores its pairs (a table's --test-books), translate decodes their sources.", valueName: "FILE");
    public static readonly TextOption SourceColumn = new("--source-column", "Read --data as a verse table (reference<TAB>column…, e.g. data/bible_es_en.tsv) and take the sources from this column; needs --target-column.", valueName: "NAME");
    public static readonly TextOption TargetColumn = new("--target-column", "The verse table's column of the targets (with --source-column).", valueName: "NAME");
    public static readonly TextOption TestBooks = new("--test-books", "Books of the verse table (comma-separated, e.g. Acts) kept out of training: eval scores them and translate --data decodes them (default: eval scores every verse).", valueName: "BOOK[,BOOK...]");
    public static readonly TextOption DevBooks = new("--dev-books", "Books of the verse table (comma-separated, e.g. Eph) held out for the development loss and BLEU during training.", valueName: "BOOK[,BOOK...]");

    /// <summary>The options that select and split a verse table.</summary>
    public static IReadOnlyList<OptionSpec> TableOptions { get; } = [SourceColumn, TargetColumn, TestBooks, DevBooks];

    /// <summary>Reads <paramref name="dataPath"/> as the options say (<paramref name="dataOption"/> names it in messages).</summary>
    public static Seq2SeqSplits Read(OptionValues v, string dataOption, string dataPath)
    {
        string? sourceColumn = v.FindText(SourceColumn), targetColumn = v.FindText(TargetColumn);
        if (sourceColumn is null && targetColumn is null)
        {
            foreach (var books in new[] { TestBooks, DevBooks })
                if (v.FindText(books) is not null) throw new UsageException($"{books.Name} needs a verse table: give --source-column and --target-column.");
            List<(string Source, string Target, int Line)> pairs;
            try { pairs = Seq2SeqPairs.ReadNumbered(dataPath); }
            catch (InvalidDataException e) { throw new UsageException($"{dataOption}: {e.Message}"); }
            return new Seq2SeqSplits(dataPath, false, [.. pairs.Select(p => new Seq2SeqLine(p.Source, p.Target, $"{dataPath}:{p.Line}"))], [], []);
        }
        if (sourceColumn is null || targetColumn is null)
            throw new UsageException($"{(sourceColumn is null ? SourceColumn.Name : TargetColumn.Name)} is required with {(sourceColumn is null ? TargetColumn.Name : SourceColumn.Name)}: a verse table needs both columns.");
        if (sourceColumn == targetColumn) throw new UsageException($"--source-column and --target-column are both '{sourceColumn}'.");
        try
        {
            var table = VerseTable.Read(dataPath);
            int source = Column(table, SourceColumn, sourceColumn), target = Column(table, TargetColumn, targetColumn);
            var (train, dev, test) = table.SplitByBook(Books(v, TestBooks), Books(v, DevBooks));
            Seq2SeqLine[] Lines(IReadOnlyList<VerseRow> rows) => [.. rows.Select(r => new Seq2SeqLine(r.Texts[source], r.Texts[target], $"{dataPath}:{r.Line}"))];
            return new Seq2SeqSplits(dataPath, true, Lines(train), Lines(dev), Lines(test));
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException) { throw new UsageException($"{dataOption}: {e.Message}"); }
        catch (ArgumentException e) { throw new UsageException($"{TestBooks.Name}/{DevBooks.Name}: {e.Message}"); }
    }

    private static int Column(VerseTable table, TextOption option, string name)
    {
        try { return table.ColumnIndex(name); }
        catch (ArgumentException e) { throw new UsageException($"{option.Name}: {e.Message}"); }
    }

    private static string[] Books(OptionValues v, TextOption option) =>
        v.FindText(option) is { } text ? text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [];

    /// <summary>The longest source <paramref name="config"/>'s model reads, in tokens, and that limit in words. The
    /// recurrent encoder has no position table: its limit is the longest sequence any SeqCore model accepts.</summary>
    public static (int Tokens, string Name) SourceLimit(IModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config is TransformerSeq2SeqConfig transformer)
            return (transformer.MaxLength, "the transformer's maxLength (its position tables)");
        return (ModelLimits.MaxContext, "the longest sequence a SeqCore model accepts (ModelLimits.MaxContext)");
    }

    /// <summary>
    /// Encodes the sources of <paramref name="lines"/>, every one before any is decoded, so that a bad one fails the run
    /// before anything is written: a source the vocabulary cannot read, or one longer than <paramref name="maxTokens"/>
    /// (<paramref name="limit"/> says which limit that is), is a usage error naming its line.
    /// </summary>
    public static List<int[]> EncodeSources(Seq2SeqVocabulary vocabulary, IReadOnlyList<(string Text, string Where)> lines, int maxTokens, string limit)
    {
        var sources = new List<int[]>(lines.Count);
        foreach (var (text, where) in lines)
        {
            if (text.Length == 0) throw new UsageException($"{where}: the source is empty.");
            int[] ids;
            try { ids = vocabulary.EncodeSource(text); }
            catch (ArgumentException e) { throw new UsageException($"{where} (\"{(text.Length <= 60 ? text : text[..60] + "…")}\"): {e.Message}"); }
            if (ids.Length > maxTokens)
                throw new UsageException($"{where}: the source is {ids.Length:N0} tokens long (with its end token), over the limit: {limit} is {maxTokens:N0}.");
            sources.Add(ids);
        }
        return sources;
    }
}
