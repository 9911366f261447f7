using System.Diagnostics;
using System.Numerics;

namespace SeqCore.Training;

/// <summary>Settings of a <see cref="Trainer{T}"/> run.</summary>
public sealed record TrainerOptions
{
    /// <summary>Steps (batches) to run at most. Must be positive.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Wall-time budget; training stops after the step that crosses it. Null: no budget.</summary>
    public TimeSpan? TimeBudget { get; init; }

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
}

/// <summary>
/// The training loop shared by every model: zero gradients, run a batch, check that the loss and every gradient are
/// finite, clip, set the learning rate, step the optimizer, evaluate periodically, stop early when the held-out loss
/// stalls, and report progress after every step.
/// </summary>
/// <remarks>A NaN or infinity in the loss or in any gradient stops training with a <see cref="NonFiniteTrainingException"/>
/// naming the step and the tensor, before the optimizer touches the weights, so the model keeps its last finite values.</remarks>
public sealed class Trainer<T>(IBackend<T> backend, Optimizer<T> optimizer, TrainerOptions options)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Called after every step.</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>Called when an evaluation improves on the best held-out loss (step, loss): the place to save the best
    /// checkpoint.</summary>
    public Action<int, double>? Improved { get; init; }

    /// <summary>Trains <paramref name="model"/> until the steps, the time budget or the patience run out.</summary>
    public TrainingResult Run(ITrainable<T> model, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (options.Steps <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"Trainer: Steps must be positive, got {options.Steps}.");
        if (options.EvalEvery < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Trainer: EvalEvery must be ≥ 0, got {options.EvalEvery}.");
        if (options.Patience < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Trainer: Patience must be ≥ 0, got {options.Patience}.");

        var parameters = model.Parameters;
        var history = new List<TrainingProgress>(Math.Min(options.Steps, 1 << 16));
        var clock = Stopwatch.StartNew();
        double ema = 0, emaWeight = 0, best = double.PositiveInfinity;
        int bestStep = 0, stale = 0, step = 0;
        long items = 0;
        var reason = StopReason.StepsDone;

        while (step < options.Steps)
        {
            if (cancellation.IsCancellationRequested) { reason = StopReason.Cancelled; break; }
            step++;
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
            optimizer.Step();
            items += batch.Items;

            ema = 0.98 * ema + 0.02 * batch.Loss;
            emaWeight = 0.98 * emaWeight + 0.02;
            double? evalLoss = null;
            bool last = step == options.Steps || (options.TimeBudget is { } b0 && clock.Elapsed >= b0);
            if (options.EvalEvery > 0 && (step % options.EvalEvery == 0 || last) && model.Evaluate() is { } eval)
            {
                evalLoss = eval.Loss;
                if (eval.Loss < best - options.MinDelta)
                {
                    best = eval.Loss;
                    bestStep = step;
                    stale = 0;
                    Improved?.Invoke(step, eval.Loss);
                }
                else stale++;
            }

            var elapsed = clock.Elapsed;
            double perStep = elapsed.TotalSeconds / step;
            double left = perStep * (options.Steps - step);
            if (options.TimeBudget is { } budget) left = Math.Min(left, Math.Max(0, (budget - elapsed).TotalSeconds));
            var progress = new TrainingProgress(step, options.Steps, batch.Loss, ema / emaWeight, evalLoss,
                bestStep > 0 ? best : null, optimizer.LearningRate, norm, items / Math.Max(elapsed.TotalSeconds, 1e-9),
                model.ItemUnit, elapsed, TimeSpan.FromSeconds(left));
            history.Add(progress);
            Progress?.Invoke(progress);

            if (options.Patience > 0 && stale >= options.Patience) { reason = StopReason.EarlyStopping; break; }
            if (options.TimeBudget is { } budget2 && elapsed >= budget2 && step < options.Steps) { reason = StopReason.TimeBudget; break; }
        }
        return new TrainingResult(step, reason, emaWeight > 0 ? ema / emaWeight : double.NaN, bestStep > 0 ? best : null,
            bestStep, history, clock.Elapsed);
    }

    private double GradientNorm(IReadOnlyList<Layers.Parameter<T>> parameters)
    {
        double total = 0;
        for (int i = 0; i < parameters.Count; i++) total += backend.SumOfSquares(parameters[i].Gradient);
        return Math.Sqrt(total);
    }
}
