using System.Numerics;
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
        var c = config as ForecasterConfig ?? throw new ArgumentException($"forecaster: expected a {nameof(ForecasterConfig)}, got {config?.GetType().Name}.");
        return new Forecaster<T>(backend, c, init);
    }
}
