using System.CommandLine;

namespace SeqCore.Cli.Options;

/// <summary>A text option that may be given several times, e.g. <c>--predict A --predict B</c>; read with
/// <see cref="Values"/> (a settings file gives it as one text).</summary>
internal sealed class TextListOption(string name, string help, string valueName = "TEXT") : OptionSpec<string>(name, help, valueName)
{
    public override bool Repeatable => true;
    public override string TypeText => "text, repeatable";
    public override string? DefaultText => null;

    public override bool TryParse(string text, out string value, out string expected)
    {
        value = text;
        expected = "a value";
        return true;
    }

    protected override Option CreateSymbol() => new Option<string[]>(Name) { Description = HelpLine, HelpName = ValueName, AllowMultipleArgumentsPerToken = false };

    /// <summary>Every value given on the command line, in order; else the settings' one, if any.</summary>
    public IReadOnlyList<string> Values(ParseResult parse, OptionValues values)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(values);
        if (parse.GetValue((Option<string[]>)Symbol) is { Length: > 0 } given) return given;
        return values.FindText(this) is { } one ? [one] : [];
    }
}
