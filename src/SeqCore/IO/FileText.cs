namespace SeqCore.IO;

/// <summary>
/// Quotes values read from a file (tensor names, dtypes, metadata keys) in error messages, cut to a bounded length so a
/// hostile or corrupt file cannot make a message arbitrarily long.
/// </summary>
internal static class FileText
{
    /// <summary>The most characters of one value from a file that an error message quotes.</summary>
    public const int MaxQuotedChars = 200;

    /// <summary>The most names an error message lists before saying how many more there are.</summary>
    public const int MaxListedNames = 10;

    /// <summary><paramref name="value"/> in single quotes, cut after <see cref="MaxQuotedChars"/> characters.</summary>
    public static string Quote(string value) => $"'{Cut(value)}'";

    /// <summary><paramref name="value"/> as is, or its first <see cref="MaxQuotedChars"/> characters and how long it was.</summary>
    public static string Cut(string value) =>
        value.Length <= MaxQuotedChars ? value : $"{value[..MaxQuotedChars]}… ({value.Length} characters)";

    /// <summary>Up to <see cref="MaxListedNames"/> quoted names, comma-separated, then how many were left out.</summary>
    public static string List(IReadOnlyCollection<string> names)
    {
        string shown = string.Join(", ", names.Take(MaxListedNames).Select(Quote));
        return names.Count <= MaxListedNames ? shown : $"{shown} and {names.Count - MaxListedNames} more";
    }
}
