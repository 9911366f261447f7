using System.CommandLine;
using SeqCore.Cli.Options;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore options</c>: prints the option reference (docs/options.md) generated from the declarations.</summary>
internal static class OptionsCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("options", "Print the reference of every declared option as Markdown (the text of docs/options.md).");
        command.SetAction(_ =>
        {
            io.Out.Write(OptionReference.Markdown());
            return ExitCodes.Ok;
        });
        return command;
    }
}
