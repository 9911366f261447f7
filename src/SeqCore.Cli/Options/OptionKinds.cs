using System.CommandLine;
using System.Globalization;

namespace SeqCore.Cli.Options;

/// <summary>An integer in [<see cref="Min"/>, <see cref="Max"/>], with an optional default.</summary>
internal sealed class IntOption(string name, string help, int? @default, int min = 1, int max = int.MaxValue, string valueName = "N")
    : OptionSpec<int>(name, help, valueName)
{
    public int? Default { get; } = @default;
    public int Min { get; } = min;
    public int Max { get; } = max;
    public override string TypeText => Max == int.MaxValue ? $"integer ≥ {Min}" : $"integer in [{Min}, {Max}]";
    public override string? DefaultText => Default?.ToString(CultureInfo.InvariantCulture);

    public override bool TryParse(string text, out int value, out string expected)
    {
        expected = Max == int.MaxValue ? $"an integer ≥ {Min}" : $"an integer in [{Min}, {Max}]";
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= Min && value <= Max;
    }
}

/// <summary>An unsigned 64-bit integer (seeds).</summary>
internal sealed class UInt64Option(string name, string help, ulong? @default, string valueName = "S") : OptionSpec<ulong>(name, help, valueName)
{
    public ulong? Default { get; } = @default;
    public override string TypeText => "integer in [0, 2^64 − 1]";
    public override string? DefaultText => Default?.ToString(CultureInfo.InvariantCulture);

    public override bool TryParse(string text, out ulong value, out string expected)
    {
        expected = "an integer in [0, 18446744073709551615]";
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}

/// <summary>A finite real number in a range.</summary>
internal sealed class DoubleOption(string name, string help, double? @default, double min, double max = double.MaxValue, bool minExclusive = false, string valueName = "X")
    : OptionSpec<double>(name, help, valueName)
{
    public double? Default { get; } = @default;
    public override string TypeText => max == double.MaxValue ? $"number {(minExclusive ? ">" : "≥")} {Num(min)}"
        : $"number in {(minExclusive ? "(" : "[")}{Num(min)}, {Num(max)}]";
    public override string? DefaultText => Default is { } d ? Num(d) : null;

    public override bool TryParse(string text, out double value, out string expected)
    {
        expected = $"a {TypeText}";
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value)
            && (minExclusive ? value > min : value >= min) && value <= max;
    }
}

/// <summary>A duration: seconds (<c>90</c>, <c>90s</c>), minutes (<c>2m</c>) or hours (<c>1h</c>).</summary>
internal sealed class DurationOption(string name, string help) : OptionSpec<TimeSpan>(name, help, "DURATION")
{
    public override string TypeText => "duration: 90, 90s, 2m, 1h";
    public override string? DefaultText => null;

    public override bool TryParse(string text, out TimeSpan value, out string expected)
    {
        expected = "a duration such as 120, 90s, 2m or 1h";
        value = default;
        string t = text.Trim().ToLowerInvariant();
        double unit = t.EndsWith('h') ? 3600 : t.EndsWith('m') ? 60 : 1;
        if (t.EndsWith('h') || t.EndsWith('m') || t.EndsWith('s')) t = t[..^1];
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v > 0) || !double.IsFinite(v * unit) || v * unit > TimeSpan.MaxValue.TotalSeconds / 2)
            return false;
        value = TimeSpan.FromSeconds(v * unit);
        return true;
    }
}

/// <summary>One word from a fixed list (case-insensitive; the canonical spelling is returned).</summary>
internal sealed class ChoiceOption(string name, string help, IReadOnlyList<string> choices, string? @default) : OptionSpec<string>(name, help, string.Join('|', choices))
{
    public IReadOnlyList<string> Choices { get; } = choices;
    public string? Default { get; } = @default;
    public override string TypeText => $"one of {string.Join(", ", Choices)}";
    public override string? DefaultText => Default;

    public override bool TryParse(string text, out string value, out string expected)
    {
        expected = string.Join(" or ", Choices);
        value = Choices.FirstOrDefault(c => c.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase))!;
        return value is not null;
    }
}

/// <summary>A text value (a path, a prompt, a list …) taken as given.</summary>
internal sealed class TextOption(string name, string help, string? @default = null, string valueName = "TEXT") : OptionSpec<string>(name, help, valueName)
{
    public string? Default { get; } = @default;
    public override string TypeText => ValueName switch { "FILE" => "file", "DIR" => "folder", _ => "text" };
    public override string? DefaultText => Default;

    public override bool TryParse(string text, out string value, out string expected)
    {
        expected = "a value";
        value = text;
        return true;
    }
}

/// <summary>A switch: present means true (in a config file, <c>true</c> or <c>false</c>).</summary>
internal sealed class FlagOption(string name, string help) : OptionSpec<bool>(name, help, "")
{
    public override string TypeText => "switch";
    public override string? DefaultText => "off";
    protected override Option CreateSymbol() => new Option<bool>(Name) { Description = HelpLine };

    public override bool TryParse(string text, out bool value, out string expected)
    {
        expected = "true or false";
        return bool.TryParse(text, out value);
    }
}

/// <summary>A comma-separated list whose items <typeparamref name="TItem"/> are parsed by the subclass; the option may be
/// repeated (every occurrence adds to the list). Read with <see cref="Values"/>.</summary>
internal abstract class ListOption<TItem>(string name, string help, string valueName, IReadOnlyList<TItem> @default)
    : OptionSpec<string>(name, help, valueName)
{
    public override bool Repeatable => true;

    public IReadOnlyList<TItem> Default { get; } = @default;

    public override bool TryParse(string text, out string value, out string expected)
    {
        value = text;
        return TryParseItems(text, out _, out expected);
    }

    /// <summary>The items given, or the default.</summary>
    public IReadOnlyList<TItem> Values(OptionValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.FindText(this) is { } text && TryParseItems(text, out var items, out _) ? items : Default;
    }

    /// <summary>Parses every item of <paramref name="text"/>; on failure, what was expected (naming the bad item).</summary>
    protected abstract bool TryParseItems(string text, out TItem[] items, out string expected);
}

/// <summary>
/// A comma-separated list of positive integers, e.g. <c>--m 32,1024</c> (a benchmark runs each value). With a
/// <paramref name="zeroWord"/> (e.g. <c>all</c>), 0 is allowed and the word means 0. The option may be repeated
/// (<c>--m 32 --m 64</c> is <c>32,64</c>). Read with <see cref="ListOption{TItem}.Values"/>; an empty default means "not given" (the
/// verb decides).
/// </summary>
internal sealed class IntListOption(string name, string help, int[] @default, string? zeroWord = null, string valueName = "N[,N...]")
    : ListOption<int>(name, help, valueName, @default)
{
    public string? ZeroWord { get; } = zeroWord;
    private string Expected => ZeroWord is null ? "positive integers" : $"integers ≥ 0 or '{ZeroWord}'";
    public override string TypeText => $"{Expected} separated by commas";
    public override string? DefaultText => Default.Count == 0 ? null : string.Join(",", Default.Select(v => v == 0 && ZeroWord is not null ? ZeroWord : v.ToString(CultureInfo.InvariantCulture)));

    protected override bool TryParseItems(string text, out int[] items, out string expected)
    {
        var list = new List<int>();
        items = [];
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int v = 0;
            bool zero = ZeroWord is not null && part.Equals(ZeroWord, StringComparison.OrdinalIgnoreCase);
            if (!zero && !(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out v) && (v > 0 || ZeroWord is not null)))
            {
                // Name the bad item when the list has several.
                expected = part.Length == 0 || part == text.Trim() ? $"{Expected} separated by commas" : $"{Expected} separated by commas ('{part}' is not one)";
                return false;
            }
            list.Add(v);
        }
        items = [.. list];
        expected = "";
        return true;
    }
}

/// <summary>
/// A comma-separated list of words from a fixed list (case-insensitive; canonical spellings, each once), e.g.
/// <c>--type float,double</c> (a benchmark runs each). The option may be repeated. Read with <see cref="ListOption{TItem}.Values"/>.
/// </summary>
internal sealed class ChoiceListOption(string name, string help, IReadOnlyList<string> choices, string[] @default)
    : ListOption<string>(name, help, string.Join('|', choices), @default)
{
    public IReadOnlyList<string> Choices { get; } = choices;
    public override string TypeText => $"{string.Join(", ", Choices)}, separated by commas";
    public override string? DefaultText => string.Join(",", Default);

    /// <summary>The words (canonical spelling, each once, in order).</summary>
    protected override bool TryParseItems(string text, out string[] items, out string expected)
    {
        var list = new List<string>();
        items = [];
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            string? match = Choices.FirstOrDefault(c => c.Equals(part, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                expected = part == text.Trim() ? string.Join(" or ", Choices) : $"{string.Join(" or ", Choices)} ('{part}' is not one)";
                return false;
            }
            if (!list.Contains(match)) list.Add(match);
        }
        items = [.. list];
        expected = "";
        return true;
    }
}
