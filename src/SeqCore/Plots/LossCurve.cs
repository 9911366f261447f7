using SeqCore.Training;

namespace SeqCore.Plots;

/// <summary>The loss-curve SVG written beside a checkpoint: smoothed training loss per step and the held-out loss at
/// each evaluation, in nats per token.</summary>
public static class LossCurve
{
    /// <summary><c>dir/name.safetensors</c> → <c>dir/name.loss.svg</c>.</summary>
    public static string PathBeside(string checkpoint)
    {
        string dir = Path.GetDirectoryName(checkpoint) ?? "";
        return Path.Combine(dir, Path.GetFileNameWithoutExtension(checkpoint) + ".loss.svg");
    }

    /// <summary>Writes the chart of <paramref name="history"/> (a <see cref="TrainingRun{T}"/>'s) to <paramref name="path"/>,
    /// atomically; at most about 2000 points per line.</summary>
    public static void Save(string path, IReadOnlyList<TrainingProgress> history, string title)
    {
        var chart = new SvgChart { Title = title, XLabel = "step", YLabel = "loss (nats/token)" };
        // At most ~2000 points per series: enough for the eye, small files for long runs.
        int every = Math.Max(1, history.Count / 2000);
        chart.Add(new SvgSeries("training (smoothed)", history.Where((p, i) => i % every == 0 || i == history.Count - 1).Select(p => ((double)p.Step, p.SmoothedLoss)).ToList()));
        var eval = history.Where(p => p.EvalLoss is not null).Select(p => ((double)p.Step, p.EvalLoss!.Value)).ToList();
        if (eval.Count > 0) chart.Add(new SvgSeries("held-out", eval));
        chart.Save(path);
    }
}
