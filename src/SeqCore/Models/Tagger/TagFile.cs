using System.Globalization;
using SeqCore.IO;

namespace SeqCore.Models;

/// <summary>
/// The generic tag file: UTF-8, one sentence a line, <c>tokens&lt;TAB&gt;tags</c>. The tags are space-separated, one per
/// token. With word tokens the tokens are space-separated too; with char tokens every character of the first field is a
/// token (spaces included), so <c>la niña&lt;TAB&gt;O O O O O ~ O</c> tags 7 characters. Blank lines are skipped. A line
/// whose tags and tokens differ in count, or without a tab, is refused with the file and line named. For prediction the
/// same file without the tab and tags (or with them, ignored) gives the sentences.
/// </summary>
public static class TagFile
{
    /// <summary>Reads a tagged file in token unit <paramref name="unit"/> (<see cref="TaggerVocabulary.CharTokens"/> or
    /// <see cref="TaggerVocabulary.WordTokens"/>); <see cref="InvalidDataException"/> or <see cref="FileNotFoundException"/>
    /// names the file (and line) at fault.</summary>
    public static List<TaggedSentence> Read(string path, string unit)
    {
        var sentences = new List<TaggedSentence>();
        foreach (var (text, line) in Lines(path))
        {
            int tab = text.IndexOf('\t');
            if (tab < 0) throw new InvalidDataException($"{path}:{line}: expected 'tokens<TAB>tags', found no tab.");
            if (text.IndexOf('\t', tab + 1) >= 0) throw new InvalidDataException($"{path}:{line}: expected one tab between the tokens and the tags, found several.");
            string[] tokens = TaggerVocabulary.Split(text[..tab], unit);
            string[] tags = text[(tab + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0) throw new InvalidDataException($"{path}:{line}: the sentence has no tokens.");
            if (tokens.Length != tags.Length)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}:{line}: {tokens.Length} {unit} tokens but {tags.Length} tags; give one tag per token."));
            sentences.Add(new TaggedSentence(tokens, tags, $"{path}:{line}"));
        }
        if (sentences.Count == 0) throw new InvalidDataException($"{path}: no tagged sentences.");
        return sentences;
    }

    /// <summary>Reads the sentences of a file to tag: each non-blank line (up to a tab, when it has one), split into
    /// tokens of <paramref name="unit"/>, with its <c>file:line</c>.</summary>
    public static List<(string[] Tokens, string Source)> ReadUntagged(string path, string unit)
    {
        var sentences = new List<(string[], string)>();
        foreach (var (text, line) in Lines(path))
        {
            int tab = text.IndexOf('\t');
            string[] tokens = TaggerVocabulary.Split(tab < 0 ? text : text[..tab], unit);
            if (tokens.Length == 0) throw new InvalidDataException($"{path}:{line}: the sentence has no tokens.");
            sentences.Add((tokens, $"{path}:{line}"));
        }
        if (sentences.Count == 0) throw new InvalidDataException($"{path}: no sentences to tag.");
        return sentences;
    }

    private static IEnumerable<(string Text, int Line)> Lines(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        int number = 0;
        foreach (string text in Utf8Text.ReadLines(path))
        {
            number++;
            if (text.Trim().Length == 0) continue;
            yield return (text, number);
        }
    }
}
