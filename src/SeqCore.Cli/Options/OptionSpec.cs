using System.CommandLine;
using System.Globalization;

namespace SeqCore.Cli.Options;

/// <summary>
/// One command-line option, declared once: its name, what its value is (type, default, range), its help text. The same
/// declaration makes the System.CommandLine option, parses and checks the value (from the command line or from a
/// <c>--config</c> file, whose keys are the option names without dashes), writes the help line and the row of the
/// generated option reference (docs/options.md). Every verb that takes <c>--seed</c> takes the same declaration.
/// </summary>
internal abstract class OptionSpec
{
    private Option? _symbol;

    protected OptionSpec(string name, string help, string valueName)
    {
        if (!name.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"option names start with --: {name}");
        Name = name;
        Help = help;
        ValueName = valueName;
    }

    /// <summary>The flag, e.g. <c>--seed</c>.</summary>
    public string Name { get; }

    /// <summary>The config-file key: the name without dashes.</summary>
    public string Key => Name[2..];

    /// <summary>What the option does (one or two sentences, no default: that is added from the declaration).</summary>
    public string Help { get; }

    /// <summary>The placeholder in help, e.g. <c>N</c>, <c>FILE</c>.</summary>
    public string ValueName { get; }

    /// <summary>True for list options: every occurrence on the command line adds to the list (joined with commas);
    /// for the others the last occurrence wins.</summary>
    public virtual bool Repeatable => false;

    /// <summary>The type and range in words, e.g. <c>integer ≥ 1</c>.</summary>
    public abstract string TypeText { get; }

    /// <summary>The default in words, or null when the option has none (unset means "not given").</summary>
    public abstract string? DefaultText { get; }

    /// <summary>The help line: <see cref="Help"/>, then the type and the default.</summary>
    public string HelpLine => DefaultText is null ? $"{Help} [{TypeText}]" : $"{Help} [{TypeText}; default {DefaultText}]";

    /// <summary>The System.CommandLine option (one per declaration and command tree).</summary>
    public Option Symbol => _symbol ??= CreateSymbol();

    /// <summary>True when <paramref name="text"/> is a valid value; otherwise <paramref name="expected"/> says what is.</summary>
    public abstract bool Accepts(string text, out string expected);

    /// <summary>A fresh System.CommandLine option for this declaration. It may be given more than once: the last value
    /// wins (so <c>./build.sh demo --time 30s</c> overrides the demo's own <c>--time 2m</c>).</summary>
    protected virtual Option CreateSymbol() => new Option<string[]>(Name) { Description = HelpLine, HelpName = ValueName, AllowMultipleArgumentsPerToken = false };

    protected static string Num(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}

/// <summary>An option whose parsed value is <typeparamref name="TValue"/>.</summary>
internal abstract class OptionSpec<TValue>(string name, string help, string valueName) : OptionSpec(name, help, valueName)
{
    /// <summary>Parses <paramref name="text"/>; on failure returns false and what was expected (e.g. <c>a positive integer</c>).</summary>
    public abstract bool TryParse(string text, out TValue value, out string expected);

    /// <inheritdoc />
    public override bool Accepts(string text, out string expected) => TryParse(text, out _, out expected);
}
