using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace SeqCore.Cli.Commands;

/// <summary>Number options the model verbs (forecast, word2vec, seq2seq) need beyond <see cref="CliOptions"/>: integers
/// that may be 0, optional positive integers, real numbers in a range and seeds, each with one message naming the option
/// and the value on a bad value.</summary>
internal static class ModelOptions
{
    private static string OptionName(ArgumentResult r) =>
        r.Parent is OptionResult o ? o.IdentifierToken?.Value ?? o.Option.Name : r.Argument.Name;

    /// <summary>An integer ≥ 0 with a default.</summary>
    public static Option<int> NonNegativeInt(string name, string description, int defaultValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v)) return v;
            r.AddError($"{OptionName(r)}: expected an integer ≥ 0, got '{text}'.");
            return 0;
        },
    };

    /// <summary>A positive integer with a default.</summary>
    public static Option<int> PositiveInt(string name, string description, int defaultValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0) return v;
            r.AddError($"{OptionName(r)}: expected a positive integer, got '{text}'.");
            return defaultValue;
        },
    };

    /// <summary>A positive finite real number with a default.</summary>
    public static Option<double> PositiveDouble(string name, string description, double defaultValue) => new(name)
    {
        Description = description,
        HelpName = "X",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v)) return v;
            r.AddError($"{OptionName(r)}: expected a positive number, got '{text}'.");
            return defaultValue;
        },
    };

    /// <summary>A positive integer without a default (null when not given).</summary>
    public static Option<int?> OptionalPositiveInt(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0) return v;
            r.AddError($"{OptionName(r)}: expected a positive integer, got '{text}'.");
            return null;
        },
    };

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
            r.AddError($"{OptionName(r)}: expected a number {range}, got '{text}'.");
            return defaultValue;
        },
    };

    /// <summary>A seed: an integer ≥ 0 (64-bit).</summary>
    public static Option<ulong> Seed(ulong defaultValue = 1, string description = "Seed of the weight initialisation and the batch order; the same seed gives the same model.") => new("--seed")
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)) return v;
            r.AddError($"--seed: expected an integer ≥ 0, got '{text}'.");
            return defaultValue;
        },
    };
}
