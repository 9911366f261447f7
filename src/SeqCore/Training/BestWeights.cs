using System.Numerics;
using SeqCore.Layers;

namespace SeqCore.Training;

/// <summary>A host copy of parameter values: the best weights seen during training, kept in memory (no reload from
/// disk) and put back at the end.</summary>
public sealed class BestWeights<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IBackend<T> _backend;
    private readonly IReadOnlyList<Parameter<T>> _parameters;
    private readonly T[][] _values;

    /// <summary>Creates an empty copy of <paramref name="parameters"/>.</summary>
    public BestWeights(IBackend<T> backend, IReadOnlyList<Parameter<T>> parameters)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(parameters);
        _backend = backend;
        _parameters = parameters;
        _values = parameters.Select(p => new T[p.Value.Length]).ToArray();
    }

    /// <summary>True once <see cref="Capture"/> ran (or values were loaded).</summary>
    public bool HasValues { get; private set; }

    /// <summary>Copies the parameters' current values.</summary>
    public void Capture()
    {
        for (int i = 0; i < _parameters.Count; i++) _backend.CopyToHost(_parameters[i].Value, _values[i]);
        HasValues = true;
    }

    /// <summary>Writes the kept values into the parameters (nothing when none were kept).</summary>
    public void Restore()
    {
        if (!HasValues) return;
        for (int i = 0; i < _parameters.Count; i++) _backend.CopyFromHost(_values[i], _parameters[i].Value);
    }

    /// <summary>Sets the kept values from host arrays in parameter order (e.g. read from a checkpoint).</summary>
    public void Set(IReadOnlyList<double[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != _values.Length) throw new ArgumentException($"BestWeights.Set: {values.Count} arrays for {_values.Length} parameters.");
        for (int i = 0; i < _values.Length; i++)
        {
            if (values[i].Length != _values[i].Length)
                throw new ArgumentException($"BestWeights.Set: '{_parameters[i].Name}' has {_values[i].Length} values, got {values[i].Length}.");
            for (int j = 0; j < values[i].Length; j++) _values[i][j] = T.CreateTruncating(values[i][j]);
        }
        HasValues = true;
    }

    /// <summary>The kept values as named host tensors, for a checkpoint.</summary>
    public IEnumerable<(string Name, int[] Shape, double[] Data)> Tensors() =>
        _parameters.Select((p, i) => (p.Name, p.Value.Shape.ToArray(), _values[i].Select(double.CreateTruncating).ToArray()));
}
