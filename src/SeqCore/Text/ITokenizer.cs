namespace SeqCore.Text;

/// <summary>
/// Turns text into token ids and back. Every tokenizer in <see cref="SeqCore.Text"/> can be saved to a JSON file with
/// <see cref="Save"/> and read back with its own <c>Load</c> method or with <see cref="TokenizerFile.Load"/>.
/// </summary>
public interface ITokenizer
{
    /// <summary>Number of distinct ids; every id returned by <see cref="Encode"/> lies in <c>[0, VocabularySize)</c>.</summary>
    int VocabularySize { get; }

    /// <summary>Splits <paramref name="text"/> into tokens and returns their ids.</summary>
    int[] Encode(string text);

    /// <summary>Joins the tokens of <paramref name="ids"/> back into text. Throws <see cref="ArgumentOutOfRangeException"/> for an id outside the vocabulary.</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>Writes the tokenizer to <paramref name="path"/> as JSON, through a temporary file renamed into place.</summary>
    void Save(string path);
}
