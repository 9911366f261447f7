using System.Diagnostics;
using System.Numerics;

namespace SeqCore.Training;

/// <summary>Settings of a <see cref="Trainer{T}"/> run.</summary>
public sealed record TrainerOptions
{
    /// <summary>Steps (batches) to run at most; must be positive. Null (the default): 1000 steps when there is no
    /// <see cref="TimeBudget"/>, and no step limit when there is one (the budget alone ends the run).</summary>
    public int? Steps { get; init; }

    /// <summary>The step limit in effect (see <see cref="Steps"/>).</summary>
    public int MaxSteps => Steps ?? (TimeBudget is null ? 1000 : int.MaxValue);

    /// <summary>Wall-time budget; training stops after the step that crosses it. Null: no budget.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>The time the run has trained so far, read after each step for the <see cref="TimeBudget"/>; null: this
    /// process's stopwatch. A data-parallel run passes the time agreed in the step's all-reduce (rank 0's clock), so that
    /// every rank stops after the same step.</summary>
    public Func<TimeSpan>? Clock { get; init; }

    /// <summary>Evaluate every this many steps (and after the last step). 0: never.</summary>
    public int EvalEvery { get; init; }

    /// <summary>Stop when this many evaluations in a row did not improve the best held-out loss by
    /// <see cref="MinDelta"/>. 0: no early stopping.</summary>
    public int Patience { get; init; }

    /// <summary>Smallest decrease of the held-out loss that counts as an improvement.</summary>
    public double MinDelta { get; init; }

    /// <summary>Clip the global gradient 2-norm to this value (PyTorch's <c>clip_grad_norm_</c>). Null: no clipping
    /// (the norm is still computed, to detect NaN and infinity).</summary>
    public double? ClipNorm { get; init; }

    /// <summary>Learning rate per step; null keeps the optimizer's own.</summary>
    public ILearningRateSchedule? Schedule { get; init; }

    /// <summary>Stop with a <see cref="DivergedTrainingException"/> when the smoothed training loss has stayed above this
    /// many times the first step's loss for <see cref="DivergenceSteps"/> steps in a row. 0: never.</summary>
    public double DivergenceFactor { get; init; }

    /// <summary>Steps in a row the smoothed loss must stay above the divergence threshold (see
    /// <see cref="DivergenceFactor"/>). 0: never.</summary>
    public int DivergenceSteps { get; init; }
}

/// <summary>
/// The training loop shared by every model: zero gradients, run a batch, check that the loss and every gradient are
/// finite, clip, set the learning rate, step the optimizer, evaluate periodically, stop early when the held-out loss
/// stalls, and report progress after every step.
/// </summary>
/// <remarks>A NaN or infinity in the loss or in any gradient stops training with a <see cref="NonFiniteTrainingException"/>
/// naming the step and the tensor, before the optimizer touches the weights, so the model keeps its last finite values;
/// so does a NaN or infinite held-out loss (before <see cref="Improved"/> and <see cref="Evaluated"/> see it). A finite
/// loss that runs away (see <see cref="TrainerOptions.DivergenceFactor"/>) stops it with a
/// <see cref="DivergedTrainingException"/>, also before the step.</remarks>
public sealed class Trainer<T>(IBackend<T> backend, Optimizer<T> optimizer, TrainerOptions options)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Called after every step.</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>Called when an evaluation improves on the best held-out loss (step, loss): the place to save the best
    /// checkpoint.</summary>
    public Action<int, double>? Improved { get; init; }

    /// <summary>Called after every evaluation with its step, its loss and whether it improved on the best so far
    /// (after <see cref="Improved"/>): the place to write a checkpoint.</summary>
    public Action<int, double, bool>? Evaluated { get; init; }

    /// <summary>Trains <paramref name="model"/> until the steps, the time budget or the patience run out.</summary>
    public TrainingResult Run(ITrainable<T> model, CancellationToken cancellation = default) => Run(model, new TrainerState(), cancellation);

    /// <summary>Trains <paramref name="model"/> from <paramref name="state"/> (a fresh one, or the state of a run that
    /// stopped, for resuming: steps, the smoothed loss, the best held-out loss and the patience count carry on), updating
    /// it after every step. The time budget counts the state's <see cref="TrainerState.ElapsedBefore"/> too.</summary>
    public TrainingResult Run(ITrainable<T> model, TrainerState state, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        if (options.Steps is <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"Trainer: Steps must be positive, got {options.Steps}.");
        if (options.TimeBudget is { } t && t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), $"Trainer: TimeBudget must be positive, got {t}.");
        int maxSteps = options.MaxSteps;
        if (options.EvalEvery < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Trainer: EvalEvery must be ≥ 0, got {options.EvalEvery}.");
        if (options.Patience < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Trainer: Patience must be ≥ 0, got {options.Patience}.");
        if (!(options.DivergenceFactor >= 0) || options.DivergenceSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"Trainer: DivergenceFactor and DivergenceSteps must be ≥ 0, got {options.DivergenceFactor} and {options.DivergenceSteps}.");

        // Frozen parameters do not move, so their gradients stay out of the clipping norm.
        var parameters = model.Parameters.Where(p => !p.Frozen).ToList();
        var history = new List<TrainingProgress>(Math.Min(maxSteps - state.Step, 1 << 16));
        var clock = Stopwatch.StartNew();
        TimeSpan Elapsed() => state.ElapsedBefore + (options.Clock?.Invoke() ?? clock.Elapsed);
        var reason = StopReason.StepsDone;
        int firstStep = state.Step;
        long firstItems = state.Items; // a resumed run's items so far: its throughput counts this run's items over this run's time

        while (state.Step < maxSteps)
        {
            if (cancellation.IsCancellationRequested) { reason = StopReason.Cancelled; break; }
            int step = state.Step + 1;
            if (options.Schedule is { } schedule) optimizer.LearningRate = schedule.LearningRate(step - 1);
            optimizer.ZeroGrad();
            var batch = model.TrainBatch(step);
            if (!double.IsFinite(batch.Loss))
                throw new NonFiniteTrainingException(step, "loss", $"Training stopped at step {step}: the loss is {batch.Loss}.");
            double norm = options.ClipNorm is { } clip
                ? GradientTools.ClipGradNorm(backend, parameters, clip)
                : GradientNorm(parameters);
            if (!double.IsFinite(norm))
            {
                string name = GradientTools.FindNonFiniteGradient(backend, parameters) ?? "(global norm)";
                throw new NonFiniteTrainingException(step, name,
                    $"Training stopped at step {step}: the gradient of '{name}' holds a NaN or an infinity (loss {batch.Loss:G6}).");
            }
            state.Ema = 0.98 * state.Ema + 0.02 * batch.Loss;
            state.EmaWeight = 0.98 * state.EmaWeight + 0.02;
            CheckDivergence(state, step);
            optimizer.Step();
            state.Step = step;
            state.Items += batch.Items;

            double? evalLoss = null;
            bool last = step == maxSteps || (options.TimeBudget is { } b0 && Elapsed() >= b0);
            if (options.EvalEvery > 0 && (step % options.EvalEvery == 0 || last) && model.Evaluate() is { } eval)
            {
                if (!double.IsFinite(eval.Loss))
                    throw new NonFiniteTrainingException(step, "held-out loss", $"Training stopped at step {step}: the held-out loss is {eval.Loss}.");
                evalLoss = eval.Loss;
                bool improved = eval.Loss < state.BestLoss - options.MinDelta;
                if (improved)
                {
                    state.BestLoss = eval.Loss;
                    state.BestStep = step;
                    state.Stale = 0;
                    Improved?.Invoke(step, eval.Loss);
                }
                else state.Stale++;
                Evaluated?.Invoke(step, eval.Loss, improved);
            }

            var elapsed = Elapsed();
            double perStep = clock.Elapsed.TotalSeconds / Math.Max(1, step - firstStep);
            double left = perStep * (maxSteps - step);
            if (options.TimeBudget is { } budget) left = Math.Min(left, Math.Max(0, (budget - elapsed).TotalSeconds));
            var progress = new TrainingProgress(step, maxSteps, batch.Loss, state.Ema / state.EmaWeight, evalLoss,
                state.BestStep > 0 ? state.BestLoss : null, optimizer.LearningRate, norm, (state.Items - firstItems) / Math.Max((elapsed - state.ElapsedBefore).TotalSeconds, 1e-9),
                model.ItemUnit, elapsed, TimeSpan.FromSeconds(left));
            history.Add(progress);
            Progress?.Invoke(progress);

            if (options.Patience > 0 && state.Stale >= options.Patience) { reason = StopReason.EarlyStopping; break; }
            if (options.TimeBudget is { } budget2 && elapsed >= budget2 && step < maxSteps) { reason = StopReason.TimeBudget; break; }
        }
        state.ElapsedBefore = Elapsed();
        return new TrainingResult(state.Step, reason, state.EmaWeight > 0 ? state.Ema / state.EmaWeight : double.NaN,
            state.BestStep > 0 ? state.BestLoss : null, state.BestStep, history, state.ElapsedBefore);
    }

    /// <summary>Counts the steps in a row whose smoothed loss exceeds <see cref="TrainerOptions.DivergenceFactor"/> × the
    /// first step's loss, and throws when there are <see cref="TrainerOptions.DivergenceSteps"/> of them.</summary>
    private void CheckDivergence(TrainerState state, int step)
    {
        if (state.FirstLoss is null) state.FirstLoss = state.Ema / state.EmaWeight;
        if (options.DivergenceFactor <= 0 || options.DivergenceSteps <= 0) return;
        double smoothed = state.Ema / state.EmaWeight, first = state.FirstLoss.Value;
        // A first loss of 0 (or below) would make every later loss "diverged"; such a run is not checked.
        state.DivergingSteps = first > 0 && smoothed > options.DivergenceFactor * first ? state.DivergingSteps + 1 : 0;
        if (state.DivergingSteps >= options.DivergenceSteps) throw new DivergedTrainingException(step, smoothed, first);
    }

    private double GradientNorm(IReadOnlyList<Layers.Parameter<T>> parameters)
    {
        double total = 0;
        for (int i = 0; i < parameters.Count; i++) total += backend.SumOfSquares(parameters[i].Gradient);
        return Math.Sqrt(total);
    }
}

/// <summary>
/// Where a <see cref="Trainer{T}"/> run stands: steps done, items seen, the smoothed loss, the best held-out loss and
/// the patience count, and the wall time spent. A run resumed from it carries on exactly (with the optimizer state and
/// the data's state restored too, see <see cref="TrainingRun{T}"/>).
/// </summary>
public sealed class TrainerState
{
    /// <summary>Steps done.</summary>
    public int Step { get; set; }

    /// <summary>Items (tokens, windows …) trained on.</summary>
    public long Items { get; set; }

    /// <summary>Exponential moving average of the training loss, before bias correction.</summary>
    public double Ema { get; set; }

    /// <summary>The EMA's weight (for the bias correction <c>Ema / EmaWeight</c>).</summary>
    public double EmaWeight { get; set; }

    /// <summary>Best held-out loss so far (+∞ before the first evaluation).</summary>
    public double BestLoss { get; set; } = double.PositiveInfinity;

    /// <summary>Step of <see cref="BestLoss"/> (0 before the first evaluation).</summary>
    public int BestStep { get; set; }

    /// <summary>Evaluations in a row without improvement.</summary>
    public int Stale { get; set; }

    /// <summary>The first step's training loss (the divergence check's reference); null before the first step.</summary>
    public double? FirstLoss { get; set; }

    /// <summary>Steps in a row whose smoothed loss was above the divergence threshold.</summary>
    public int DivergingSteps { get; set; }

    /// <summary>Wall time of the run before the current call.</summary>
    public TimeSpan ElapsedBefore { get; set; }
}
