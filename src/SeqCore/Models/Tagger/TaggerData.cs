using System.Globalization;

namespace SeqCore.Models;

/// <summary>
/// The tagged sentences of a tagger run — training, validation and (for the built-in task) test — with the vocabulary
/// built from the training part. Made from tag files (<see cref="FromFiles"/>) or from the built-in diacritic-restoration
/// task on a verse table (<see cref="ForDiacritics"/>).
/// </summary>
public sealed class TaggerData
{
    /// <summary>The built-in task of <see cref="ForDiacritics"/>.</summary>
    public const string DiacriticsTask = "diacritics";

    /// <summary>The file the training sentences come from.</summary>
    public required string Source { get; init; }

    /// <summary>The validation tag file, or null (none, or the built-in task's development books of <see cref="Source"/>).</summary>
    public string? ValidSource { get; init; }

    /// <summary>The built-in task, or null for tag files.</summary>
    public string? Task { get; init; }

    /// <summary>How the parts were made, in words.</summary>
    public required string Description { get; init; }

    /// <summary>Tokens (from the training part) and tags.</summary>
    public required TaggerVocabulary Vocabulary { get; init; }

    /// <summary>Training sentences.</summary>
    public required IReadOnlyList<TaggedSentence> Train { get; init; }

    /// <summary>Validation sentences (may be empty).</summary>
    public required IReadOnlyList<TaggedSentence> Valid { get; init; }

    /// <summary>Test sentences (empty for tag files: <c>tag eval</c> scores a test file).</summary>
    public required IReadOnlyList<TaggedSentence> Test { get; init; }

    /// <summary>The built-in task's verses (original texts), or null.</summary>
    public DiacriticsData? Verses { get; init; }

    /// <summary>Reads a training tag file and an optional validation tag file (<see cref="TagFile"/>) in token unit
    /// <paramref name="unit"/>; the tags are those of the training file. <see cref="InvalidDataException"/> or
    /// <see cref="FileNotFoundException"/> names the file and line at fault, including a validation tag the training file lacks.</summary>
    public static TaggerData FromFiles(string trainPath, string? validPath, string unit)
    {
        var train = TagFile.Read(trainPath, unit);
        var vocabulary = TaggerVocabulary.Build(unit, train);
        var valid = validPath is null ? [] : TagFile.Read(validPath, unit);
        CheckTags(vocabulary, valid);
        string description = validPath is null ? "no validation file" : string.Create(CultureInfo.InvariantCulture, $"validation: {validPath}");
        return new TaggerData { Source = trainPath, ValidSource = validPath, Description = description, Vocabulary = vocabulary, Train = train, Valid = valid, Test = [] };
    }

    /// <summary>The built-in task: the verses of <paramref name="column"/> of a verse table split by book, each turned into
    /// its stripped characters tagged with their marks (<see cref="Diacritics"/>); the tag set is <see cref="Diacritics.Tags"/>.</summary>
    public static TaggerData ForDiacritics(string path, string column, IReadOnlyCollection<string> testBooks, IReadOnlyCollection<string> developmentBooks)
    {
        var verses = DiacriticsData.Load(path, column, testBooks, developmentBooks);
        var train = DiacriticsData.Sentences(verses.Train);
        return new TaggerData
        {
            Source = path,
            Task = DiacriticsTask,
            Description = $"column {column}; test books {string.Join(" ", testBooks)}; development books {string.Join(" ", developmentBooks)}; the rest trains",
            Vocabulary = TaggerVocabulary.Build(TaggerVocabulary.CharTokens, train, Diacritics.Tags),
            Train = train,
            Valid = DiacriticsData.Sentences(verses.Development),
            Test = DiacriticsData.Sentences(verses.Test),
            Verses = verses,
        };
    }

    /// <summary>Token ids and tag ids of <paramref name="sentences"/> under <paramref name="vocabulary"/>;
    /// <see cref="InvalidDataException"/> names the sentence (<c>file:line</c>) of a tag the vocabulary lacks.</summary>
    public static (int[][] Ids, int[][] Tags) Encode(TaggerVocabulary vocabulary, IReadOnlyList<TaggedSentence> sentences)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(sentences);
        CheckTags(vocabulary, sentences);
        return ([.. sentences.Select(s => vocabulary.EncodeTokens(s.Tokens))], [.. sentences.Select(s => s.Tags.Select(vocabulary.TagId).ToArray())]);
    }

    private static void CheckTags(TaggerVocabulary vocabulary, IEnumerable<TaggedSentence> sentences)
    {
        foreach (var s in sentences)
            foreach (string tag in s.Tags)
                if (vocabulary.TagId(tag) < 0)
                    throw new InvalidDataException($"{s.Source}: unknown tag '{tag}'; the model's tags are {string.Join(" ", vocabulary.Tags)}.");
    }
}
