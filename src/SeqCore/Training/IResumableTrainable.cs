using System.Text.Json.Nodes;

namespace SeqCore.Training;

/// <summary>
/// The state of a trainable's data that a resumed run needs to draw exactly the batches the uninterrupted run would:
/// cursors, shuffle orders and random-stream positions as exact JSON values, carried tensors (e.g. the hidden state of
/// truncated BPTT) as host arrays.
/// </summary>
public sealed class TrainableState
{
    /// <summary>Exact values by key (integers, positions, small arrays of indices).</summary>
    public JsonObject Values { get; } = [];

    /// <summary>Arrays of element values by key, with their shapes.</summary>
    public Dictionary<string, (int[] Shape, double[] Data)> Tensors { get; } = [];

    /// <summary>For a tensor of <see cref="Tensors"/> that holds one slice per row of the batch (e.g. the hidden state of
    /// each stream), the axis of the rows. A data-parallel rank saves only its rows; <see cref="Distributed.DataParallelTrainable{T}"/>
    /// gathers every rank's into the whole batch's tensor before the checkpoint is written and gives each rank its rows
    /// back on resume, so a checkpoint holds the state one process would, whatever the number of ranks.</summary>
    public Dictionary<string, int> RowAxes { get; } = [];

    /// <summary>The value stored under <paramref name="key"/>; <see cref="InvalidDataException"/> when it is missing.</summary>
    public TValue Get<TValue>(string key) =>
        Values[key] is JsonValue v && v.TryGetValue(out TValue? value) ? value
            : throw new InvalidDataException($"the saved training state has no value '{key}' of type {typeof(TValue).Name}.");

    /// <summary>The tensor stored under <paramref name="key"/>; <see cref="InvalidDataException"/> when it is missing.</summary>
    public double[] GetTensor(string key, int length) =>
        Tensors.TryGetValue(key, out var t) && t.Data.Length == length ? t.Data
            : throw new InvalidDataException($"the saved training state has no tensor '{key}' of {length} values.");
}

/// <summary>A trainable whose data state can be saved and restored, so that <see cref="TrainingRun{T}"/> can resume it
/// and give the same weights as a run that never stopped.</summary>
public interface IResumableTrainable
{
    /// <summary>Writes the data state (cursors, random positions, carried tensors) into <paramref name="state"/>.</summary>
    void SaveState(TrainableState state);

    /// <summary>Restores what <see cref="SaveState"/> wrote.</summary>
    void RestoreState(TrainableState state);
}
