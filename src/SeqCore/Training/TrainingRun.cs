using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SeqCore.IO;
using SeqCore.Models;

namespace SeqCore.Training;

/// <summary>
/// One training run of any model kind: the optimizer and schedule from <see cref="TrainingSettings"/>, clipping,
/// evaluation, early stopping, the time budget, the best weights kept in memory, the loss history, checkpoints and
/// resuming. A model kind supplies its model and its <see cref="ITrainable{T}"/>; the run does the rest.
/// </summary>
/// <remarks>
/// <para>Checkpoints: with <see cref="CheckpointPath"/> set, the run writes the checkpoint after every evaluation and at
/// the end, atomically. Its weights are the best evaluation's (with <see cref="TrainingSettings.KeepBest"/>) or the
/// last; it also carries the run's state — the last weights, the optimizer's moments and step count, the trainer's
/// counters, the loss history and the data's state (<see cref="IResumableTrainable"/>) — under the
/// <c>seqcore.run</c> key and <c>run.*</c> tensors, which model loaders ignore.</para>
/// <para>Resuming: <see cref="Resume"/> restores all of that, so a run resumed at step k and continued to n gives the same
/// weights as one that ran to n without stopping (same backend and thread count; tested in double).</para>
/// <para>Reproducibility: the same seed, settings and backend give a bit-identical checkpoint, on the CPU whatever the
/// thread count (tested with 1 and 2). The run state holds no wall time; a resumed run's time budget counts from the
/// resume.</para>
/// </remarks>
public sealed class TrainingRun<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string WeightsPrefix = Checkpoint.RunTensorPrefix + "weights.";
    private const string OptimizerPrefix = Checkpoint.RunTensorPrefix + "optimizer.";
    private const string DataPrefix = Checkpoint.RunTensorPrefix + "data.";
    private const string HistoryTensor = Checkpoint.RunTensorPrefix + "history";

    private readonly ISequenceModel<T> _model;
    private readonly ITrainable<T> _trainable;
    private readonly IBackend<T> _backend;
    private readonly BestWeights<T>? _best;
    private readonly List<TrainingProgress> _history = [];

    /// <summary>Prepares a run; <see cref="ArgumentException"/> names a setting out of range.</summary>
    public TrainingRun(ISequenceModel<T> model, ITrainable<T> trainable, TrainingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trainable);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _model = model;
        _trainable = trainable;
        _backend = model.Backend;
        Settings = settings;
        Optimizer = settings.CreateOptimizer(_backend, trainable.Parameters);
        _best = settings.KeepBest ? new BestWeights<T>(_backend, trainable.Parameters) : null;
    }

    /// <summary>The settings of the run.</summary>
    public TrainingSettings Settings { get; }

    /// <summary>The optimizer the run steps.</summary>
    public Optimizer<T> Optimizer { get; }

    /// <summary>Steps done, best loss and the other counters (carried on by <see cref="Resume"/>).</summary>
    public TrainerState State { get; } = new();

    /// <summary>Every step so far, in order (a resumed run starts with the saved steps: step, loss, smoothed loss and
    /// held-out loss; the rest of those entries is zero).</summary>
    public IReadOnlyList<TrainingProgress> History => _history;

    /// <summary>The clock of the time budget (<see cref="TrainerOptions.Clock"/>); null: this process's.</summary>
    public Func<TimeSpan>? Clock { get; init; }

    /// <summary>Called after every step.</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>Where the checkpoint goes (after every evaluation and at the end); null: nowhere.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Write float64 weights for a double model as float32.</summary>
    public bool Float32Checkpoint { get; init; }

    /// <summary>A JSON object stored verbatim in the run state (e.g. the settings the run was started with, so that a
    /// command line can resume from the checkpoint alone).</summary>
    public JsonObject? Invocation { get; init; }

    /// <summary>The last checkpoint this run wrote (after an evaluation or at the end), or null when none was written yet.</summary>
    public WrittenCheckpoint? LastCheckpoint { get; private set; }

    /// <summary>Trains until the steps, the time budget or the patience run out, then puts the best weights back (with
    /// <see cref="TrainingSettings.KeepBest"/>) and writes the checkpoint. A NaN or infinity stops the run with a
    /// <see cref="NonFiniteTrainingException"/>, a runaway loss with a <see cref="DivergedTrainingException"/>; the
    /// checkpoint on disk is then the last one written (<see cref="LastCheckpoint"/>). A cancelled run stops after the
    /// current step and writes the checkpoint like a finished one.</summary>
    public TrainingResult Run(CancellationToken cancellation = default)
    {
        var options = new TrainerOptions
        {
            Steps = Settings.MaxSteps,
            TimeBudget = Settings.Time,
            Clock = Clock,
            EvalEvery = Settings.EvalEvery > 0 ? Settings.EvalEvery : int.MaxValue,
            Patience = Settings.Patience,
            MinDelta = Settings.MinDelta,
            ClipNorm = Settings.Clip > 0 ? Settings.Clip : null,
            Schedule = Settings.CreateSchedule(),
            DivergenceFactor = Settings.DivergenceFactor,
            DivergenceSteps = Settings.DivergenceSteps,
        };
        var trainer = new Trainer<T>(_backend, Optimizer, options)
        {
            Progress = p => { _history.Add(p); Progress?.Invoke(p); },
            Improved = (_, _) => _best?.Capture(),
            Evaluated = (step, _, _) =>
            {
                if (CheckpointPath is null) return;
                WriteCheckpoint(CheckpointPath);
                LastCheckpoint = Written(step);
            },
        };
        var result = trainer.Run(_trainable, State, cancellation);
        var lastWeights = _best is { HasValues: true } ? CurrentWeights() : null;
        _best?.Restore();
        if (CheckpointPath is not null)
        {
            WriteCheckpoint(CheckpointPath, lastWeights);
            LastCheckpoint = Written(State.Step);
        }
        return result with { History = _history };
    }

    private WrittenCheckpoint Written(int step) => new(step, _best is { HasValues: true } ? State.BestStep : step);

    /// <summary>Writes the checkpoint with the run's state to <paramref name="path"/>, atomically.</summary>
    public void WriteCheckpoint(string path) => WriteCheckpoint(path, null);

    private void WriteCheckpoint(string path, List<(string, int[], double[])>? lastWeights)
    {
        // Main tensors: the best weights when kept, else the model's. The run's own copy of the last weights is needed
        // only when they differ from the main tensors.
        bool bestIsMain = _best is { HasValues: true };
        var main = bestIsMain ? _best!.Tensors().ToList() : CurrentWeights();
        var run = new List<(string Name, int[] Shape, double[] Data)>();
        if (bestIsMain)
            run.AddRange((lastWeights ?? CurrentWeights()).Select(w => (WeightsPrefix + w.Item1, w.Item2, w.Item3)));
        foreach (var (name, tensor) in Optimizer.State)
            run.Add((OptimizerPrefix + name, tensor.Shape.ToArray(), _backend.ToDoubleArray(tensor)));
        var data = new TrainableState();
        (_trainable as IResumableTrainable)?.SaveState(data);
        foreach (var (key, (shape, values)) in data.Tensors) run.Add((DataPrefix + key, shape, values));
        if (_history.Count > 0)
            run.Add((HistoryTensor, [_history.Count, 4], _history.SelectMany(p => new[] { p.Step, p.Loss, p.SmoothedLoss, p.EvalLoss ?? double.NaN }).ToArray()));

        var state = new JsonObject
        {
            ["step"] = State.Step,
            ["optimizerStep"] = Optimizer.StepCount,
            ["items"] = State.Items,
            ["ema"] = State.Ema.ToString("R", CultureInfo.InvariantCulture),
            ["emaWeight"] = State.EmaWeight.ToString("R", CultureInfo.InvariantCulture),
            ["bestLoss"] = State.BestLoss.ToString("R", CultureInfo.InvariantCulture),
            ["bestStep"] = State.BestStep,
            ["stale"] = State.Stale,
            ["firstLoss"] = State.FirstLoss?.ToString("R", CultureInfo.InvariantCulture),
            ["divergingSteps"] = State.DivergingSteps,
            ["bestIsMain"] = bestIsMain,
            ["data"] = data.Values.DeepClone(),
            ["invocation"] = Invocation?.DeepClone(),
        };
        ModelCheckpoint.Save(path, _model, main, Float32Checkpoint, state.ToJsonString(), run);
    }

    /// <summary>
    /// Continues the run saved in <paramref name="path"/> (written by a run of the same model kind, config and data):
    /// the model's weights become the last weights of that run, and the best weights, the optimizer state, the counters,
    /// the history and the data's state are restored. <see cref="InvalidDataException"/> names the file and what is
    /// missing or does not fit.
    /// </summary>
    public void Resume(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var (tensors, metadata) = SafeTensors.Read(path);
        if (!metadata.TryGetValue(Checkpoint.RunKey, out var json))
            throw new InvalidDataException($"{path}: holds no training state ('{Checkpoint.RunKey}'); only checkpoints written by a training run can be resumed.");
        JsonObject state;
        try { state = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("not an object"); }
        catch (Exception e) when (e is JsonException or InvalidDataException) { throw new InvalidDataException($"{path}: the training state is not a JSON object: {e.Message}", e); }
        try
        {
            bool bestIsMain = state["bestIsMain"]!.GetValue<bool>();
            var parameters = _trainable.Parameters;
            double[] Tensor(string name, long length) =>
                tensors.TryGetValue(name, out var t) && t.Data.Length == length ? t.Data
                    : throw new InvalidDataException($"{path}: the training state lacks tensor '{name}' of {length} values.");
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                _backend.CopyFromDoubles(Tensor((bestIsMain ? WeightsPrefix : "") + p.Name, p.Value.Length), p.Value);
            }
            if (bestIsMain && _best is not null) _best.Set(parameters.Select(p => Tensor(p.Name, p.Value.Length)).ToList());
            foreach (var (name, tensor) in Optimizer.State)
                _backend.CopyFromDoubles(Tensor(OptimizerPrefix + name, tensor.Length), tensor);
            Optimizer.RestoreStepCount(state["optimizerStep"]!.GetValue<int>());
            State.Step = state["step"]!.GetValue<int>();
            State.Items = state["items"]!.GetValue<long>();
            State.Ema = Number(state, "ema");
            State.EmaWeight = Number(state, "emaWeight");
            State.BestLoss = Number(state, "bestLoss");
            State.BestStep = state["bestStep"]!.GetValue<int>();
            State.Stale = state["stale"]!.GetValue<int>();
            State.FirstLoss = state["firstLoss"] is null ? null : Number(state, "firstLoss");
            State.DivergingSteps = state["divergingSteps"]?.GetValue<int>() ?? 0;
            State.ElapsedBefore = TimeSpan.Zero; // the time budget of a resumed run counts from the resume
            if (_trainable is IResumableTrainable resumable)
            {
                var data = new TrainableState();
                if (state["data"] is JsonObject values)
                    foreach (var (k, v) in values) data.Values[k] = v?.DeepClone();
                foreach (var (name, t) in tensors)
                    if (name.StartsWith(DataPrefix, StringComparison.Ordinal)) data.Tensors[name[DataPrefix.Length..]] = (t.Shape, t.Data);
                resumable.RestoreState(data);
            }
            _history.Clear();
            if (tensors.TryGetValue(HistoryTensor, out var h))
                for (int r = 0; r + 3 < h.Data.Length; r += 4)
                    _history.Add(new TrainingProgress((int)h.Data[r], 0, h.Data[r + 1], h.Data[r + 2], double.IsNaN(h.Data[r + 3]) ? null : h.Data[r + 3],
                        null, 0, 0, 0, _trainable.ItemUnit, TimeSpan.Zero, TimeSpan.Zero));
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new InvalidDataException($"{path}: the training state is incomplete or malformed: {e.Message}", e);
        }
    }

    /// <summary>The invocation stored by the run that wrote <paramref name="path"/> (see <see cref="Invocation"/>), or null.</summary>
    public static JsonObject? ReadInvocation(string path)
    {
        var metadata = Checkpoint.ReadMetadata(path);
        if (!metadata.TryGetValue(Checkpoint.RunKey, out var json)) return null;
        try { return (JsonNode.Parse(json) as JsonObject)?["invocation"] as JsonObject; }
        catch (JsonException) { return null; }
    }

    private static double Number(JsonObject o, string key) => double.Parse(o[key]!.GetValue<string>(), CultureInfo.InvariantCulture);

    private List<(string, int[], double[])> CurrentWeights() =>
        _trainable.Parameters.Select(p => (p.Name, p.Value.Shape.ToArray(), _backend.ToDoubleArray(p.Value))).ToList();

    /// <inheritdoc />
    public void Dispose() => Optimizer.Dispose();
}

/// <summary>A checkpoint a <see cref="TrainingRun{T}"/> wrote after an evaluation.</summary>
/// <param name="Step">The step it was written at (where a resumed run carries on).</param>
/// <param name="WeightsStep">The step whose weights are its model (the best evaluation's with
/// <see cref="TrainingSettings.KeepBest"/>, else <paramref name="Step"/>).</param>
public readonly record struct WrittenCheckpoint(int Step, int WeightsStep);
