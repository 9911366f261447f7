using SeqCore.Plots;
using SeqCore.Cli.Options;
using SeqCore.Cli.Outputs;

namespace SeqCore.Cli.Training;

/// <summary>What a training verb reads and writes, resolved before any work (<see cref="OutputPlan"/> holds the rules):
/// the inputs are the <c>--config</c> file, <c>--resume</c> and every FILE option of the kind; the outputs are the
/// checkpoint, the loss curve and the kind's own files beside it (<see cref="ITrainKind.Outputs"/>).</summary>
internal static class TrainOutputPlan
{
    /// <summary>Checks the paths and takes the run's lock; <see cref="UsageException"/> for a broken rule.</summary>
    public static OutputPlan Open(ITrainKind kind, OptionValues values, TrainOutputs outputs, string? resume)
    {
        var inputs = kind.Options.Append(CommonOptions.Config).Append(CommonOptions.Resume).OfType<TextOption>()
            .Where(o => o.ValueName == "FILE" && values.FindText(o) is not null)
            .Select(o => new InputFile(o.Name, values.FindText(o)!));
        // --resume without --out updates the checkpoint in place: the one input an output may replace.
        OutputFile[] files =
        [
            new(CommonOptions.Out.Name, outputs.Checkpoint, Replaces: Artefact.Checkpoint, Updates: resume),
            new(CommonOptions.Out.Name, outputs.LossCurve, "the loss curve"),
            .. kind.Outputs(outputs).Select(f => new OutputFile(CommonOptions.Out.Name, f, "the output")),
        ];
        return OutputPlan.Open(inputs, files, values.Get(CommonOptions.Force), outputs.Lock);
    }
}
