using System.Numerics;
using SeqCore.Layers;

namespace SeqCore.Training;

/// <summary>
/// How a model is trained, whatever its kind: the budget (steps, time), the optimizer and its schedule, clipping,
/// evaluation, early stopping and whether the best held-out weights are kept. <see cref="TrainingRun{T}"/> turns it into
/// an optimizer, a schedule and a <see cref="Trainer{T}"/>. Each model kind has its own defaults (its
/// <c>DefaultTraining</c>).
/// </summary>
public sealed record TrainingSettings
{
    /// <summary>The optimizers <see cref="Optimizer"/> accepts.</summary>
    public static IReadOnlyList<string> Optimizers { get; } = ["adam", "adamw", "sgd"];

    /// <summary>The schedules <see cref="Schedule"/> accepts.</summary>
    public static IReadOnlyList<string> Schedules { get; } = ["constant", "step", "cosine", "linear", "inverse-sqrt"];

    /// <summary>Optimizer steps at most; null: 1000, or unbounded when <see cref="Time"/> is set.</summary>
    public int? Steps { get; init; }

    /// <summary>Wall-time budget (the step that crosses it is the last); null: none.</summary>
    public TimeSpan? Time { get; init; }

    /// <summary>Learning rate (the peak with a schedule).</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary><c>adam</c>, <c>adamw</c> or <c>sgd</c>.</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>Weight decay; null: 0, or 0.01 for adamw.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Clip the global gradient 2-norm to this; 0: no clipping.</summary>
    public double Clip { get; init; } = 1.0;

    /// <summary><c>constant</c>; <c>step</c> (halve the rate every quarter of the steps); <c>cosine</c> (linear warm-up,
    /// cosine decay to <see cref="CosineFloor"/> of the rate); <c>linear</c> (linear decay to 1/10,000 of the rate, as word2vec);
    /// <c>inverse-sqrt</c> (the transformer's: linear warm-up to the rate, then ∝ 1/√step; <see cref="InverseSqrtSchedule"/>).
    /// Step, cosine and linear need <see cref="Steps"/>.</summary>
    public string Schedule { get; init; } = "constant";

    /// <summary>Where the cosine schedule ends, as a fraction of <see cref="LearningRate"/> (0.1 by default; the
    /// classifier's schedule decays to 0).</summary>
    public double CosineFloor { get; init; } = 0.1;

    /// <summary>Warm-up steps of the cosine and inverse-sqrt schedules; null: 5% of the steps (4,000 for inverse-sqrt
    /// without <see cref="Steps"/>, as in the original transformer).</summary>
    public int? Warmup { get; init; }

    /// <summary>Evaluate every this many steps and after the last; 0: only after the last.</summary>
    public int EvalEvery { get; init; } = 100;

    /// <summary>Stop after this many evaluations without improvement; 0: never.</summary>
    public int Patience { get; init; }

    /// <summary>Smallest decrease of the held-out loss that counts as an improvement.</summary>
    public double MinDelta { get; init; }

    /// <summary>Keep the weights of the best evaluation (in memory) and end with them; false: end with the last.</summary>
    public bool KeepBest { get; init; } = true;

    /// <summary>Stop the run ("diverged") when the smoothed training loss has exceeded this many times the first step's
    /// loss for <see cref="DivergenceSteps"/> steps in a row; 0: never.</summary>
    public double DivergenceFactor { get; init; } = 4;

    /// <summary>Steps in a row above the divergence threshold that stop the run (see <see cref="DivergenceFactor"/>);
    /// 0: never.</summary>
    public int DivergenceSteps { get; init; } = 50;

    /// <summary>The step limit in effect.</summary>
    public int MaxSteps => Steps ?? (Time is null ? 1000 : int.MaxValue);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Steps is <= 0) throw new ArgumentException($"steps must be positive, got {Steps}.");
        if (Time is { } t && t <= TimeSpan.Zero) throw new ArgumentException($"time must be positive, got {t}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"lr must be a positive number, got {LearningRate}.");
        if (!Optimizers.Contains(Optimizer)) throw new ArgumentException($"optimizer: expected {string.Join(", ", Optimizers)}, got '{Optimizer}'.");
        if (WeightDecay is { } wd && !(wd >= 0 && wd <= 10)) throw new ArgumentException($"weight-decay must be in [0, 10], got {wd}.");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"momentum must be in [0, 1), got {Momentum}.");
        if (!(Clip >= 0) || !double.IsFinite(Clip)) throw new ArgumentException($"clip must be ≥ 0, got {Clip}.");
        if (!Schedules.Contains(Schedule)) throw new ArgumentException($"schedule: expected {string.Join(", ", Schedules)}, got '{Schedule}'.");
        if (Schedule is not ("constant" or "inverse-sqrt") && Steps is null) throw new ArgumentException($"schedule {Schedule} needs steps (the schedule is laid out over them).");
        if (!(CosineFloor >= 0 && CosineFloor <= 1)) throw new ArgumentException($"cosine floor must be in [0, 1], got {CosineFloor}.");
        if (Warmup is < 0) throw new ArgumentException($"warmup must be ≥ 0, got {Warmup}.");
        if (EvalEvery < 0) throw new ArgumentException($"eval-every must be ≥ 0, got {EvalEvery}.");
        if (Patience < 0) throw new ArgumentException($"patience must be ≥ 0, got {Patience}.");
        if (!(MinDelta >= 0)) throw new ArgumentException($"min-delta must be ≥ 0, got {MinDelta}.");
        if (!(DivergenceFactor == 0 || DivergenceFactor > 1) || !double.IsFinite(DivergenceFactor))
            throw new ArgumentException($"divergence must be 0 (off) or a factor above 1, got {DivergenceFactor}.");
        if (DivergenceSteps < 0) throw new ArgumentException($"divergence steps must be ≥ 0, got {DivergenceSteps}.");
    }

    /// <summary>The optimizer over <paramref name="parameters"/>.</summary>
    public Optimizer<T> CreateOptimizer<T>(IBackend<T> backend, IReadOnlyList<Parameter<T>> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double decay = WeightDecay ?? (Optimizer == "adamw" ? 0.01 : 0);
        return Optimizer switch
        {
            "sgd" => new Sgd<T>(backend, parameters, LearningRate, Momentum, weightDecay: decay),
            "adamw" => new AdamW<T>(backend, parameters, LearningRate, weightDecay: decay),
            _ => new Adam<T>(backend, parameters, LearningRate, weightDecay: decay),
        };
    }

    /// <summary>The learning-rate schedule.</summary>
    public ILearningRateSchedule CreateSchedule()
    {
        int steps = MaxSteps;
        return Schedule switch
        {
            "step" => new StepSchedule(LearningRate, Math.Max(1, steps / 4), 0.5),
            "linear" => new LinearDecaySchedule(LearningRate, steps, LearningRate * 1e-4),
            "inverse-sqrt" => new InverseSqrtSchedule(LearningRate, Math.Max(1, Warmup ?? (Steps is { } s ? s / 20 : 4000))),
            "cosine" => new WarmupCosineSchedule(LearningRate, Math.Min(Warmup ?? Math.Max(1, steps / 20), steps - 1), steps, LearningRate * CosineFloor),
            _ => new ConstantSchedule(LearningRate),
        };
    }
}
