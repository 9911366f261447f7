using System.Numerics;
using SeqCore.Layers;

namespace SeqCore.Training;

/// <summary>A host copy of parameter values, to keep the best weights seen during training (early stopping) and put
/// them back at the end.</summary>
public sealed class WeightSnapshot<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly IReadOnlyList<Parameter<T>> _parameters;
    private readonly T[][] _values;

    /// <summary>Creates an empty snapshot of <paramref name="parameters"/>.</summary>
    public WeightSnapshot(IBackend<T> backend, IReadOnlyList<Parameter<T>> parameters)
    {
        _backend = backend;
        _parameters = parameters;
        _values = parameters.Select(p => new T[p.Value.Length]).ToArray();
    }

    /// <summary>True once <see cref="Capture"/> ran.</summary>
    public bool HasValues { get; private set; }

    /// <summary>Copies the current values.</summary>
    public void Capture()
    {
        for (int i = 0; i < _parameters.Count; i++) _backend.CopyToHost(_parameters[i].Value, _values[i]);
        HasValues = true;
    }

    /// <summary>Writes the captured values back (nothing when none were captured).</summary>
    public void Restore()
    {
        if (!HasValues) return;
        for (int i = 0; i < _parameters.Count; i++) _backend.CopyFromHost(_values[i], _parameters[i].Value);
    }
}
