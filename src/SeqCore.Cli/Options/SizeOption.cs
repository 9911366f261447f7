using System.Globalization;

namespace SeqCore.Cli.Options;

/// <summary>A size in bytes: a whole number, optionally with K, M, G or T (powers of 1024), e.g. <c>512M</c>, <c>8G</c>,
/// <c>1048576</c>.</summary>
internal sealed class SizeOption(string name, string help, string defaultText, string valueName = "SIZE") : OptionSpec<long>(name, help, valueName)
{
    private const string Units = "KMGT";

    public override string TypeText => "size: bytes, or with K, M, G, T (e.g. 512M, 8G)";
    public override string? DefaultText { get; } = defaultText;

    public override bool TryParse(string text, out long value, out string expected)
    {
        expected = "a positive size such as 1048576, 512M or 8G";
        value = 0;
        string t = text.Trim().ToUpperInvariant();
        int shift = t.Length > 0 && Units.Contains(t[^1], StringComparison.Ordinal) ? 10 * (Units.IndexOf(t[^1], StringComparison.Ordinal) + 1) : 0;
        if (shift > 0) t = t[..^1];
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n <= 0 || n > long.MaxValue >> shift) return false;
        value = n << shift;
        return true;
    }
}
