namespace SeqCore.Models;

/// <summary>
/// A text corpus read for word2vec: its vocabulary (words seen at least <c>minCount</c> times) and its lines as sentences
/// of word ids (see <see cref="Word2VecVocabulary"/> for the rules).
/// </summary>
/// <param name="Path">The file read.</param>
/// <param name="Vocabulary">The words kept, with their counts.</param>
/// <param name="Sentences">The lines with two or more known words, as ids.</param>
public sealed record Word2VecCorpus(string Path, Word2VecVocabulary Vocabulary, int[][] Sentences)
{
    /// <summary>Reads <paramref name="path"/> (one sentence a line). <see cref="InvalidDataException"/> names the file
    /// and the fault: missing, unreadable, not UTF-8 (with the byte offset), no words, no word frequent enough, no sentence of two known words.</summary>
    public static Word2VecCorpus Load(string path, int minCount)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new InvalidDataException($"file not found: {full}");
        string[] lines;
        try { lines = IO.Utf8Text.ReadLines(full).ToArray(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidDataException($"{full}: {e.Message}", e); }
        string name = System.IO.Path.GetFileName(full);
        try
        {
            var vocabulary = Word2VecVocabulary.Build(lines, minCount);
            int[][] sentences = vocabulary.Encode(lines);
            if (sentences.Length == 0) throw new ArgumentException("Word2Vec: no line has two or more words of the vocabulary.");
            return new Word2VecCorpus(path, vocabulary, sentences);
        }
        catch (ArgumentException e) { throw new InvalidDataException($"{name}: {e.Message}", e); }
    }
}
