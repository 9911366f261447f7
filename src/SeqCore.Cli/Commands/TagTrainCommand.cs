using System.CommandLine;
using SeqCore.Cli.Options;
using SeqCore.Cli.Training;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore tag train</c>: <c>seqcore train --model tagger</c> under the verb's name — the options of
/// <see cref="TaggerTrainKind"/> and the shared training options, run by the one <see cref="TrainFlow"/>. Writes the
/// checkpoint (<c>--out</c>, resumable with <c>--resume</c>) and, beside it, <c>NAME.loss.svg</c>.
/// </summary>
internal static class TagTrainCommand
{
    private static readonly TaggerTrainKind Kind = new();

    /// <summary>Every option the sub-verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [.. Kind.Options, .. TrainFlow.SharedOptions];

    public static Command Create(CliIO io) => CliVerb.Create(io, "tag train", "train", "Train a sequence tagger on a tag file or the built-in diacritics task; print held-out accuracy (and the baselines for diacritics); write the checkpoint and a loss curve.", AllOptions, (_, v) =>
    {
        v.WithConfigFile().RejectUnknownKeys(AllOptions, "tag train");
        return TrainFlow.Run(io, Kind, v, "tag train");
    });
}
