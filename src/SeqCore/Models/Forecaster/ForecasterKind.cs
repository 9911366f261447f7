using System.Numerics;
using SeqCore.Layers;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>The <c>forecaster</c> entry of the model catalogue (<see cref="ModelKinds"/>).</summary>
public sealed class ForecasterKind : IModelKind
{
    /// <summary>The one instance.</summary>
    public static ForecasterKind Instance { get; } = new();

    private ForecasterKind() { }

    /// <inheritdoc />
    public string Name => ForecasterConfig.ModelKind;

    /// <inheritdoc />
    public string Description => "time-series forecaster: window of scaled series → LSTM/GRU encoder → linear head, autoregressive multi-step";

    /// <inheritdoc />
    public IModelConfig ReadConfig(string json, string source) => ForecasterConfig.FromJson(json, source);

    /// <inheritdoc />
    public ISequenceModel<T> Build<T>(IBackend<T> backend, IModelConfig config, IReadOnlyDictionary<string, string> metadata, RandomStream init)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        return new Forecaster<T>(backend, Typed(config), init);
    }

    /// <inheritdoc />
    public long ParameterCount(IModelConfig config)
    {
        var c = Typed(config);
        var rnn = new RecurrentOptions { Cell = c.Cell, InputSize = c.Features, HiddenSize = c.HiddenSize, Layers = c.Layers };
        return checked(RecurrentLayer.CountParameters(rnn) + Linear.CountParameters(c.HiddenSize, 1));
    }

    /// <inheritdoc />
    public IReadOnlyList<MemoryTerm> WorkingMemory(IModelConfig config, RunShape shape, int bytesPerValue)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var c = Typed(config);
        int copies = ActivationMemory.Copies;
        return
        [
            MemoryTerm.Product("inputs", bytesPerValue, ("batch", shape.Batch), ("window", shape.Length), ("features", c.Features), ("copies", copies)),
            ActivationMemory.Recurrent("recurrent encoder", c.Cell, c.Layers, 1, c.HiddenSize, shape.Batch, shape.Length, bytesPerValue),
        ];
    }

    private static ForecasterConfig Typed(IModelConfig config) =>
        config as ForecasterConfig ?? throw new ArgumentException($"forecaster: expected a {nameof(ForecasterConfig)}, got {config?.GetType().Name}.");
}
