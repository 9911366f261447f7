using SeqCore.Text;

namespace SeqCore.Cli.LanguageModels;

/// <summary>A text corpus split into a training part and a held-out tail, and tokenized.</summary>
internal sealed record Corpus(string Path, string TrainText, string HeldOutText, int[] Train, int[] HeldOut)
{
    /// <summary>Reads a UTF-8 text file; <see cref="UsageException"/> for a missing, unreadable or empty file.</summary>
    public static string ReadText(string option, string? path)
    {
        if (string.IsNullOrEmpty(path)) throw new UsageException($"{option} is required: the text file to read.");
        if (!File.Exists(path)) throw new UsageException($"{option}: file not found: {path}");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"{option}: cannot read {path}: {e.Message}"); }
        if (string.IsNullOrWhiteSpace(text)) throw new UsageException($"{option}: {path} is empty; a corpus needs text.");
        return text;
    }

    /// <summary>Splits <paramref name="text"/> at the start of a line near <c>1 − validFraction</c> of it.</summary>
    public static (string Train, string HeldOut) Split(string text, double validFraction)
    {
        if (validFraction <= 0) return (text, "");
        int cut = (int)(text.Length * (1 - validFraction));
        int newline = text.IndexOf('\n', cut);
        if (newline >= 0 && newline - cut < 1000) cut = newline + 1;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1])) cut++;
        return (text[..cut], text[cut..]);
    }

    /// <summary>Encodes both parts; a char tokenizer without an unknown token is trained on the whole text, so the
    /// held-out part has no unseen characters.</summary>
    public static Corpus Create(string path, string text, double validFraction, ITokenizer tokenizer)
    {
        var (train, heldOut) = Split(text, validFraction);
        return new Corpus(path, train, heldOut, tokenizer.Encode(train), heldOut.Length > 0 ? tokenizer.Encode(heldOut) : []);
    }
}
