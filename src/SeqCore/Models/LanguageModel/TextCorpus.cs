using SeqCore.Text;

namespace SeqCore.Models;

/// <summary>
/// A text corpus for a language model: split into a training part and a held-out tail (at a line start near
/// <c>1 − validFraction</c> of the text), with its tokenizer and both parts encoded.
/// </summary>
public sealed record TextCorpus(string Path, string TrainText, string HeldOutText, ITokenizer Tokenizer, int[] Train, int[] HeldOut)
{
    /// <summary>The tokenizer kinds <see cref="Load"/> builds.</summary>
    public static IReadOnlyList<string> TokenizerKinds { get; } = ["char", "word", "bpe", "gpt2"];

    /// <summary>Reads a UTF-8 text file; <see cref="InvalidDataException"/> for a missing, unreadable or empty file, or one
    /// with bytes that are not UTF-8 (named by byte offset, see <see cref="IO.Utf8Text"/>).</summary>
    public static string ReadText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InvalidDataException($"file not found: {path}");
        string text;
        try { text = IO.Utf8Text.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidDataException($"cannot read {path}: {e.Message}", e); }
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidDataException($"{path} is empty; a corpus needs text.");
        return text;
    }

    /// <summary>Splits <paramref name="text"/> at the start of a line near <c>1 − validFraction</c> of it.</summary>
    public static (string Train, string HeldOut) Split(string text, double validFraction)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (validFraction <= 0) return (text, "");
        int cut = (int)(text.Length * (1 - validFraction));
        int newline = text.IndexOf('\n', cut);
        if (newline >= 0 && newline - cut < 1000) cut = newline + 1;
        if (cut > 0 && cut < text.Length && char.IsHighSurrogate(text[cut - 1])) cut++;
        return (text[..cut], text[cut..]);
    }

    /// <summary>
    /// Reads <paramref name="path"/>, splits it, builds the tokenizer and encodes both parts. A char tokenizer is built
    /// from the whole text (so the held-out part has no unseen characters); word and BPE vocabularies from the training
    /// part only; gpt2 reads GPT-2's <paramref name="gpt2Vocab"/> (encoder.json) and <paramref name="gpt2Merges"/> (vocab.bpe).
    /// </summary>
    public static TextCorpus Load(string path, double validFraction, string tokenizerKind, int maxVocab = 10000, int bpeMerges = 1000,
        string? gpt2Vocab = null, string? gpt2Merges = null)
    {
        string text = ReadText(path);
        var (train, heldOut) = Split(text, validFraction);
        ITokenizer tokenizer = tokenizerKind switch
        {
            "char" => CharTokenizer.Train(text),
            "word" => WordTokenizer.Train(train, maxVocab),
            "bpe" => ByteLevelBpeTokenizer.Train(train, bpeMerges),
            "gpt2" => ByteLevelBpeTokenizer.LoadGpt2(gpt2Vocab ?? throw new ArgumentException("gpt2 needs encoder.json"), gpt2Merges ?? throw new ArgumentException("gpt2 needs vocab.bpe")),
            _ => throw new ArgumentException($"tokenizer: expected one of {string.Join(", ", TokenizerKinds)}, got '{tokenizerKind}'."),
        };
        return new TextCorpus(path, train, heldOut, tokenizer, tokenizer.Encode(train), heldOut.Length > 0 ? tokenizer.Encode(heldOut) : []);
    }
}
