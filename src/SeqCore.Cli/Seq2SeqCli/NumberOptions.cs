using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace SeqCore.Cli.Seq2SeqCli;

/// <summary>Options holding a real number or a non-negative integer, with one message naming the option and the value when malformed.</summary>
internal static class NumberOptions
{
    /// <summary>A real number in [<paramref name="min"/>, <paramref name="max"/>] (<paramref name="minExclusive"/>: above min).</summary>
    public static Option<double> Real(string name, string description, double defaultValue, double min, double max, bool minExclusive = false) => new(name)
    {
        Description = description,
        HelpName = "X",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
                && (minExclusive ? v > min : v >= min) && v <= max)
                return v;
            string range = double.IsPositiveInfinity(max) ? $"{(minExclusive ? ">" : "≥")} {min.ToString(CultureInfo.InvariantCulture)}"
                : $"in {(minExclusive ? "(" : "[")}{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]";
            r.AddError($"{Name(r)}: expected a number {range}, got '{text}'.");
            return defaultValue;
        },
    };

    /// <summary>A positive integer with a default.</summary>
    public static Option<int> Positive(string name, string description, int defaultValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0) return v;
            r.AddError($"{Name(r)}: expected a positive integer, got '{text}'.");
            return defaultValue;
        },
    };

    /// <summary>A positive integer without a default (null when not given).</summary>
    public static Option<int?> OptionalPositive(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0) return v;
            r.AddError($"{Name(r)}: expected a positive integer, got '{text}'.");
            return null;
        },
    };

    /// <summary>A seed: an integer ≥ 0.</summary>
    public static Option<ulong> Seed(ulong defaultValue = 1) => new("--seed")
    {
        Description = $"Seed of every random choice (initialisation, batches, teacher forcing, data); same seed, same result.",
        HelpName = "S",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)) return v;
            r.AddError($"{Name(r)}: expected an integer ≥ 0, got '{text}'.");
            return defaultValue;
        },
    };

    private static string Name(ArgumentResult r) => r.Parent is OptionResult o ? o.IdentifierToken?.Value ?? o.Option.Name : r.Argument.Name;
}
