using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace SeqCore.Cli;

/// <summary>
/// Option factories with our own parsers, so every malformed value gets one message that names the option,
/// the value given and what was expected, e.g. <c>--m: expected a positive integer, got 'abc'.</c>
/// </summary>
internal static class CliOptions
{
    /// <summary>The name the user typed for the option being parsed (an alias counts), for messages.</summary>
    private static string OptionName(ArgumentResult result) =>
        result.Parent is OptionResult o ? o.IdentifierToken?.Value ?? o.Option.Name : result.Argument.Name;

    /// <summary>A positive integer, e.g. <c>--repeat 10</c>.</summary>
    public static Option<int?> PositiveInt(string name, string description, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        HelpName = "N",
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (TryParsePositive(text, out int v)) return v;
            r.AddError($"{OptionName(r)}: expected a positive integer, got '{text}'.");
            return null;
        },
    };

    /// <summary>A comma-separated list of positive integers, e.g. <c>--m 32,1024</c>.</summary>
    public static Option<int[]> PositiveIntList(string name, string description, int[] defaultValue, params string[] aliases) =>
        IntList(name, description, defaultValue, allowZero: false, zeroMeaning: null, aliases);

    /// <summary>A comma-separated list of integers ≥ 0 where 0 (or the word <c>all</c>) has a special meaning.</summary>
    public static Option<int[]> CountList(string name, string description, int[] defaultValue, string zeroMeaning, params string[] aliases) =>
        IntList(name, description, defaultValue, allowZero: true, zeroMeaning, aliases);

    private static Option<int[]> IntList(string name, string description, int[] defaultValue, bool allowZero, string? zeroMeaning, string[] aliases) => new(name, aliases)
    {
        Description = description,
        HelpName = "N[,N...]",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string text = string.Join(",", r.Tokens.Select(t => t.Value));
            var values = new List<int>();
            foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
            {
                if (zeroMeaning is not null && part.Equals(zeroMeaning, StringComparison.OrdinalIgnoreCase)) { values.Add(0); continue; }
                if (TryParsePositive(part, out int v)) { values.Add(v); continue; }
                if (allowZero && part == "0") { values.Add(0); continue; }
                string expected = allowZero ? $"integers ≥ 0{(zeroMeaning is null ? "" : $" or '{zeroMeaning}'")}" : "positive integers";
                r.AddError($"{OptionName(r)}: expected {expected} separated by commas, got '{(part.Length == 0 ? text : part)}'.");
                return [];
            }
            return [.. values];
        },
    };

    /// <summary>A comma-separated list of words from <paramref name="allowed"/> (case-insensitive).</summary>
    public static Option<string[]> Choices(string name, string description, string[] allowed, string[] defaultValue, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        HelpName = string.Join('|', allowed),
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string text = string.Join(",", r.Tokens.Select(t => t.Value));
            var values = new List<string>();
            foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
            {
                string? match = allowed.FirstOrDefault(a => a.Equals(part, StringComparison.OrdinalIgnoreCase));
                if (match is null)
                {
                    r.AddError($"{OptionName(r)}: expected {string.Join(" or ", allowed)}, got '{part}'.");
                    return [];
                }
                if (!values.Contains(match)) values.Add(match);
            }
            return [.. values];
        },
    };

    /// <summary>A flag, e.g. <c>--json</c>.</summary>
    public static Option<bool> Flag(string name, string description, params string[] aliases) => new(name, aliases) { Description = description };

    private static bool TryParsePositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
