using SeqCore.Plots;
using SeqCore.Cli.Options;
using SeqCore.Distributed;
using SeqCore.Models;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary>
/// What the CLI adds to a model kind of the library to train it from options: the kind's own options (data and
/// architecture), its training defaults, and how to bind them into the library's data and model setup. Everything else
/// — backend, seed, optimizer, schedule, evaluation, best weights, checkpoints, resume, progress, the loss curve — is
/// <see cref="TrainFlow"/>'s, the same for every kind. A new model kind is one of these plus its library folder.
/// </summary>
internal interface ITrainKind
{
    /// <summary>The library's catalogue entry.</summary>
    IModelKind Kind { get; }

    /// <summary>The kind's own options (not the shared ones of <see cref="CommonOptions"/>).</summary>
    IReadOnlyList<OptionSpec> Options { get; }

    /// <summary>The training settings when no option changes them.</summary>
    TrainingSettings Defaults { get; }

    /// <summary>The default step limit in words, for the option reference.</summary>
    string StepsText => Defaults.Steps is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "1000 (unbounded with --time alone)";

    /// <summary>The default evaluation cadence in words, for the option reference.</summary>
    string EvalEveryText => Defaults.EvalEvery == 0 ? "0 (only after the last step)" : $"every {Defaults.EvalEvery} steps";

    /// <summary>The checkpoint written when <c>--out</c> is not given.</summary>
    string DefaultOut { get; }

    /// <summary>The files the kind writes beside the checkpoint besides the loss curve (e.g. its plots), so that they are
    /// checked against the inputs before any work.</summary>
    IReadOnlyList<string> Outputs(TrainOutputs outputs);

    /// <summary>Binds the kind's options, reads the data and builds the model on <paramref name="backend"/>, with a
    /// trainable that trains on this rank's <paramref name="shard"/> of every batch (docs/distributed.md);
    /// <see cref="UsageException"/> for a bad option or input file.</summary>
    ITrainJob Prepare(OptionValues values, IBackend<float> backend, ulong seed, BatchShard shard);
}

/// <summary>A model with its data, ready to train, and how to report on it.</summary>
internal interface ITrainJob : IDisposable
{
    ISequenceModel<float> Model { get; }

    ITrainable<float> Trainable { get; }

    /// <summary>A few words for the progress bar, e.g. <c>lstm language model</c>.</summary>
    string Title { get; }

    /// <summary>The files the job reads (an output must never replace one).</summary>
    IReadOnlyList<string> Inputs { get; }

    /// <summary>The kind's training defaults completed with what depends on the data (e.g. steps from a number of
    /// epochs); the training options given still win over them.</summary>
    TrainingSettings CompleteDefaults(TrainingSettings defaults) => defaults;

    /// <summary>The line (or JSON object) printed before training.</summary>
    void WriteStart(CliIO io, bool json, IBackend<float> backend);

    /// <summary>Scores the trained model (best weights already in place), writes the kind's own outputs beside the
    /// checkpoint and prints the result.</summary>
    void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs);
}

/// <summary>Where a training verb writes: the checkpoint and the files named after it.</summary>
internal sealed record TrainOutputs(string Checkpoint)
{
    /// <summary><c>dir/name.safetensors</c> → <c>dir/name.{suffix}</c>, e.g. <c>loss.svg</c>.</summary>
    public string Beside(string suffix)
    {
        string dir = Path.GetDirectoryName(Checkpoint) ?? "";
        return Path.Combine(dir, Path.GetFileNameWithoutExtension(Checkpoint) + "." + suffix);
    }

    public string LossCurve => Beside("loss.svg");

    /// <summary>The forecaster's plot of the held-out forecast.</summary>
    public string ForecastSvg => Beside("forecast.svg");

    /// <summary>The forecaster's numbers of the held-out forecast.</summary>
    public string ForecastCsv => Beside("forecast.csv");

    /// <summary>The classifier's confusion matrix.</summary>
    public string ConfusionSvg => Beside("confusion.svg");

    /// <summary>The seq2seq model's attention map of one pair.</summary>
    public string AttentionSvg => Beside("attention.svg");

    /// <summary>The lock held while a run writes these files (see <see cref="Outputs.OutputPlan"/>).</summary>
    public string Lock => Outputs.OutputPlan.LockPath(Checkpoint);
}
