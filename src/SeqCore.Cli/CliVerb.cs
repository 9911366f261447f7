using System.CommandLine;
using SeqCore.Cli.Options;

namespace SeqCore.Cli;

/// <summary>
/// The one way a verb's command is made: its declared options added, the values bound, and a bad value or input
/// (<see cref="UsageException"/>) turned into one line on stderr, <c>seqcore PATH: message</c>, with exit code 2.
/// </summary>
internal static class CliVerb
{
    /// <summary>A command <paramref name="name"/> (reached as <c>seqcore <paramref name="path"/></c>) taking
    /// <paramref name="options"/> and running <paramref name="execute"/>.</summary>
    public static Command Create(CliIO io, string path, string name, string description, IReadOnlyList<OptionSpec> options,
        Func<ParseResult, OptionValues, int> execute)
    {
        var command = new Command(name, description);
        foreach (var o in options) command.Options.Add(o.Symbol);
        command.SetAction(parse =>
        {
            try { return execute(parse, new OptionValues(parse)); }
            catch (UsageException e)
            {
                io.Error.WriteLine($"seqcore: {path}: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }
}
