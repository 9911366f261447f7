using System.CommandLine;
using SeqCore.Cli.Options;
using SeqCore.Cli.Training;

namespace SeqCore.Cli.Commands.Classify;

/// <summary>
/// <c>seqcore classify</c>: with <c>--tsv</c> or <c>--imdb</c>, trains a text classifier through the one
/// <see cref="TrainFlow"/> (the same as <c>train --model classifier</c>; see <see cref="ClassifierTrainKind"/>); with
/// <c>--model FILE</c>, classifies the texts of <c>--predict</c> or of standard input with a saved one.
/// </summary>
internal static class ClassifyCommand
{
    public static readonly TextOption Model = new("--model", "Classify with a saved classifier instead of training: the texts of --predict, else each line of standard input.", valueName: "FILE");
    public static readonly TextListOption Predict = new("--predict", "Text to classify with --model (repeatable).");

    private static readonly ClassifierTrainKind Kind = new();

    /// <summary>The options that only training reads: the kind's own and the shared training ones.</summary>
    private static IReadOnlyList<OptionSpec> TrainingOnly { get; } =
        [.. Kind.Options, .. CommonOptions.Training, CommonOptions.Resume, CommonOptions.Seed, CommonOptions.Out];

    /// <summary>Every option <c>classify</c> takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [Model, Predict, .. TrainFlow.SharedOptions, .. Kind.Options];

    public static Command Create(CliIO io) =>
        CliVerb.Create(io, "classify", "classify", "Train a text classifier (embedding → LSTM/GRU/RNN/conv → pooling → dense ReLU layers → softmax or binary head) and report held-out accuracy (and ROC AUC for two labels) and a confusion matrix, or classify text with a saved one.", AllOptions, (parse, v) => Execute(io, parse, v));

    private static int Execute(CliIO io, ParseResult parse, OptionValues values)
    {
        values.WithConfigFile().RejectUnknownKeys(AllOptions, "classify");
        var texts = Predict.Values(parse, values);
        if (values.FindText(Model) is { } modelPath)
        {
            if (TrainingOnly.FirstOrDefault(values.IsSet) is { } given)
                throw new UsageException($"{given.Name} is a training option; with --model the saved classifier is used as it is.");
            return ClassifyPredict.Run(io, values, modelPath, texts);
        }
        if (texts.Count > 0) throw new UsageException("--predict needs --model FILE (a classifier checkpoint written by classify or train).");
        if (!values.IsSet(ClassifierTrainKind.Tsv) && !values.IsSet(ClassifierTrainKind.Imdb) && !values.IsSet(CommonOptions.Resume))
            throw new UsageException("give one of --tsv FILE or --imdb DIR (to train) or --model FILE (to classify).");
        return TrainFlow.Run(io, Kind, values, "classify");
    }
}
