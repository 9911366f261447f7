using System.Globalization;
using SeqCore.Training;
using Spectre.Console;

namespace SeqCore.Cli;

/// <summary>
/// Shows a training run as it goes: on a terminal a live progress bar with step, loss, held-out loss, throughput and
/// time left; on a redirected stream (logs, tests) a plain line every <c>logEvery</c> steps and at every evaluation;
/// with <c>--json</c> one <c>{"event":"progress",…}</c> object per such line on stdout.
/// </summary>
internal sealed class TrainingProgressView
{
    private readonly CliIO _io;
    private readonly bool _json;
    private readonly int _logEvery;
    private readonly IAnsiConsole _console;
    private ProgressTask? _task;

    /// <summary>Creates a view writing to <paramref name="io"/>'s stdout; <paramref name="logEvery"/> ≤ 0 picks about 20
    /// lines per run.</summary>
    public TrainingProgressView(CliIO io, bool json, int totalSteps, int logEvery = 0)
    {
        _io = io;
        _json = json;
        _logEvery = logEvery > 0 ? logEvery : Math.Max(1, totalSteps / 20);
        _console = Output.Console(io.Out);
    }

    /// <summary>True when a live bar is drawn (an interactive terminal and no <c>--json</c>).</summary>
    public bool Live => !_json && _console.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="train"/>, handing it the callback to call after every step.</summary>
    public TResult Run<TResult>(string title, Func<Action<TrainingProgress>, TResult> train)
    {
        if (!Live) return train(Report);
        TResult result = default!;
        _console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                _task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                result = train(Report);
                _task.Value = _task.MaxValue;
            });
        return result;
    }

    /// <summary>Reports one step.</summary>
    public void Report(TrainingProgress p)
    {
        if (_task is not null)
        {
            _task.MaxValue = p.TotalSteps == int.MaxValue ? p.Step + 1 : p.TotalSteps;
            _task.Value = p.Step;
            _task.Description = Markup.Escape(Line(p));
            return;
        }
        if (p.Step % _logEvery != 0 && p.EvalLoss is null && p.Step != 1) return;
        if (_json)
            Output.WriteJsonLine(_io.Out, new
            {
                Event = "progress", p.Step, p.TotalSteps, p.Loss, p.SmoothedLoss, p.EvalLoss, p.LearningRate, p.GradientNorm,
                p.ItemsPerSecond, p.ItemUnit, ElapsedS = p.Elapsed.TotalSeconds, RemainingS = p.Remaining.TotalSeconds,
            });
        else
        {
            _io.Out.WriteLine(Line(p));
            _io.Out.Flush();
        }
    }

    /// <summary>The one-line summary of a step, e.g. <c>step 120/1000  loss 1.234  eval 1.301  12.3k tokens/s  1:02 left</c>.</summary>
    public static string Line(TrainingProgress p)
    {
        var c = CultureInfo.InvariantCulture;
        string total = p.TotalSteps == int.MaxValue ? "" : $"/{p.TotalSteps}";
        string eval = p.EvalLoss is { } e ? string.Create(c, $"  eval {e:F4}") : "";
        return string.Create(c, $"step {p.Step}{total}  loss {p.SmoothedLoss:F4}{eval}  {Rate(p.ItemsPerSecond)} {p.ItemUnit}/s  {Clock(p.Elapsed)} elapsed, {Clock(p.Remaining)} left");
    }

    private static string Rate(double r) => r >= 1e6 ? $"{Output.Sig3(r / 1e6)}M" : r >= 1e3 ? $"{Output.Sig3(r / 1e3)}k" : Output.Sig3(r);

    private static string Clock(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
