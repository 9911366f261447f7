using System.CommandLine;
using SeqCore.Cli.Options;
using SeqCore.Cli.Training;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore word2vec train</c>: <c>seqcore train --model word2vec</c> under the verb's name — the options of
/// <see cref="Word2VecTrainKind"/> and the shared training options, run by the one <see cref="TrainFlow"/>. Writes the
/// checkpoint (<c>--out</c>, resumable with <c>--resume</c>) and, beside it, <c>NAME.loss.svg</c>.
/// </summary>
internal static class Word2VecTrainCommand
{
    private static readonly Word2VecTrainKind Kind = new();

    /// <summary>Every option the sub-verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [.. Kind.Options, .. TrainFlow.SharedOptions];

    public static Command Create(CliIO io) => CliVerb.Create(io, "word2vec train", "train", "Train word vectors on a corpus; write the checkpoint and, beside it, the loss curve.", AllOptions, (_, v) =>
    {
        v.WithConfigFile().RejectUnknownKeys(AllOptions, "word2vec train");
        return TrainFlow.Run(io, Kind, v, "word2vec train");
    });
}
