using System.CommandLine;
using SeqCore.Cli.Options;
using SeqCore.Cli.Training;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore seq2seq train</c>: <c>seqcore train --model seq2seq</c> under the verb's name — the options of
/// <see cref="Seq2SeqTrainKind"/> and the shared training options, run by the one <see cref="TrainFlow"/>. Writes the
/// checkpoint (<c>--out</c>, resumable with <c>--resume</c>) and, beside it, <c>NAME.loss.svg</c> and
/// <c>NAME.attention.svg</c>.
/// </summary>
internal static class Seq2SeqTrainCommand
{
    private static readonly Seq2SeqTrainKind Kind = new();

    /// <summary>Every option the sub-verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [.. Kind.Options, .. TrainFlow.SharedOptions];

    public static Command Create(CliIO io) => CliVerb.Create(io, "seq2seq train", "train", "Train an encoder–decoder with attention on source<TAB>target pairs; print held-out exact-match accuracy; write the checkpoint and, beside it, a loss curve and an attention map.", AllOptions, (_, v) =>
    {
        v.WithConfigFile().RejectUnknownKeys(AllOptions, "seq2seq train");
        return TrainFlow.Run(io, Kind, v, "seq2seq train");
    });
}
