using SeqCore.Training;

namespace SeqCore.Cli.Options;

/// <summary>
/// The options several verbs share, each declared once so it means the same everywhere: <c>--seed</c> is an unsigned
/// 64-bit integer, <c>--time</c> a duration, <c>--out</c> the checkpoint file every other output is written beside, and
/// so on. Training options have no default of their own: each model kind has its defaults
/// (<c>seqcore train --model KIND --help</c> lists them).
/// </summary>
internal static class CommonOptions
{
    public static readonly TextOption Config = new("--config", "A JSON file of settings: keys are the option names without dashes (e.g. {\"model\": \"language-model\", \"arch\": \"gru\", \"steps\": 2000}); flags on the command line win.", valueName: "FILE");
    public static readonly ChoiceOption Backend = new("--backend", "Where to compute: cpu; cuda (an NVIDIA GPU through the CUDA driver; exit code 2 when there is none); auto (the GPU when one is usable, else the CPU).", ["cpu", "cuda", "auto"], "cpu");
    public static readonly IntOption Threads = new("--threads", "CPU threads; 0 = all cores; at most 4 × the cores.", 0, min: 0, max: 1024);
    public static readonly UInt64Option Seed = new("--seed", "Seed of the initial weights, data order, dropout and sampling: the same seed, settings and backend give the same result (on the CPU, whatever --threads).", 1);
    public static readonly TextOption Out = new("--out", "The checkpoint to write. Every other output of the verb goes beside it, named after it: NAME.loss.svg, NAME.forecast.svg, NAME.forecast.csv, NAME.confusion.svg …, and NAME.lock while the run lasts (a second run writing the same outputs is refused). No output may replace an input, and a read-only file is never replaced. An existing checkpoint is replaced only by a SeqCore checkpoint (never another file, unless --force); the files beside it are replaced.", valueName: "FILE");
    public static readonly FlagOption Force = new("--force", "Replace an existing output even when it is not of the kind the verb writes (e.g. --out naming a file that is not a SeqCore checkpoint). Inputs and read-only files are still never replaced.");
    public static readonly FlagOption Json = new("--json", "Progress and results as JSON lines on stdout.");
    public static readonly FlagOption AllowNonFinite = new("--allow-non-finite", "Load a checkpoint whose weights hold NaN or infinity instead of refusing it (exit 2), to debug a broken model; its results are then NaN too.");
    public static readonly DurationOption Time = new("--time", "Wall-time budget; training stops after the step that crosses it (without --steps: as many steps as fit).");

    // ---- training: one declaration, defaults from the model kind ----
    public static readonly TextOption Resume = new("--resume", "Continue the run saved in this checkpoint (written by train): its weights, optimizer state, step, data position and settings; flags given now win (e.g. a larger --steps; --time counts from the resume). Without --out the checkpoint is updated in place.", valueName: "FILE");
    public static readonly IntOption Steps = new("--steps", "Optimizer steps at most (default: the model kind's; unbounded with --time alone).", null);
    public static readonly IntOption Batch = new("--batch", "Examples (sequences, windows, pairs) per batch (default: the model kind's).", null, valueName: "B");
    public static readonly DoubleOption LearningRate = new("--lr", "Learning rate; the peak with a schedule (default: the model kind's).", null, 0, minExclusive: true, valueName: "RATE");
    public static readonly ChoiceOption Optimizer = new("--optimizer", "Optimizer (sgd uses --momentum; default: the model kind's).", TrainingSettings.Optimizers, null);
    public static readonly DoubleOption WeightDecay = new("--weight-decay", "Weight decay (default 0; 0.01 for adamw).", null, 0, 10, valueName: "W");
    public static readonly DoubleOption Momentum = new("--momentum", "SGD momentum.", 0.9, 0, 0.999999, valueName: "M");
    public static readonly DoubleOption Clip = new("--clip", "Clip the global gradient norm to this; 0 = off (default: the model kind's).", null, 0, valueName: "NORM");
    public static readonly ChoiceOption Schedule = new("--schedule", "Learning-rate schedule: constant; step (halve every quarter of the steps); cosine (linear warm-up, cosine decay to a tenth); linear (decay to 1/10,000); inverse-sqrt (the transformer's: linear warm-up, then ∝ 1/√step). Step, cosine and linear need --steps.", TrainingSettings.Schedules, null);
    public static readonly IntOption Warmup = new("--warmup", "Warm-up steps of the cosine and inverse-sqrt schedules (default 5% of --steps; inverse-sqrt without --steps: 4000).", null, min: 0);
    public static readonly IntOption EvalEvery = new("--eval-every", "Score the held-out data every N steps and after the last; 0 = only after the last (default: the model kind's).", null, min: 0);
    public static readonly IntOption Patience = new("--patience", "Stop after N evaluations without improvement; 0 = never (default: the model kind's).", null, min: 0);
    public static readonly DoubleOption Divergence = new("--divergence", "Stop (exit code 1, \"diverged\") when the smoothed training loss has stayed above FACTOR × the first step's loss for 50 steps in a row; 0 = off (default 4).", null, 0, valueName: "FACTOR");
    public static readonly FlagOption KeepLast = new("--keep-last", "End with the last weights instead of the best held-out evaluation's.");

    /// <summary>The training options, in help order.</summary>
    public static IReadOnlyList<OptionSpec> Training { get; } =
        [Steps, Time, Batch, LearningRate, Optimizer, WeightDecay, Momentum, Clip, Schedule, Warmup, EvalEvery, Patience, Divergence, KeepLast];

    /// <summary>The settings from the training options over a kind's <paramref name="defaults"/>;
    /// <see cref="UsageException"/> names the option at fault.</summary>
    public static TrainingSettings BindTraining(OptionValues v, TrainingSettings defaults)
    {
        var time = v.Get(Time);
        var s = defaults with
        {
            Steps = v.Find(Steps) ?? (time is null ? defaults.Steps : null),
            Time = time ?? defaults.Time,
            LearningRate = v.Find(LearningRate) ?? defaults.LearningRate,
            Optimizer = v.FindText(Optimizer) ?? defaults.Optimizer,
            WeightDecay = v.Find(WeightDecay) ?? defaults.WeightDecay,
            Momentum = v.Find(Momentum) ?? defaults.Momentum,
            Clip = v.Find(Clip) ?? defaults.Clip,
            Schedule = v.FindText(Schedule) ?? defaults.Schedule,
            Warmup = v.Find(Warmup) ?? defaults.Warmup,
            EvalEvery = v.Find(EvalEvery) ?? defaults.EvalEvery,
            Patience = v.Find(Patience) ?? defaults.Patience,
            DivergenceFactor = v.Find(Divergence) ?? defaults.DivergenceFactor,
            KeepBest = !v.Get(KeepLast) && defaults.KeepBest,
        };
        try { s.Validate(); }
        catch (ArgumentException e) { throw new UsageException($"--{e.Message}"); }
        return s;
    }
}
