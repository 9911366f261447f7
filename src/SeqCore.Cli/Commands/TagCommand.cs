using System.CommandLine;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore tag</c>: train a sequence tagger, score one on tagged data, tag text with one.</summary>
internal static class TagCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("tag", "Sequence tagging (one tag per token): train (tag files or the built-in diacritics task), eval (token accuracy; letter and word accuracy against baselines for diacritics), predict (tag or restore text).")
        {
            TagTrainCommand.Create(io),
            TagEvalCommand.Create(io),
            TagPredictCommand.Create(io),
        };
        CliApp.RequireVerb(command, io, "seqcore tag");
        return command;
    }
}
