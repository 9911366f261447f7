using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SeqCore.Layers.Recurrent;

namespace SeqCore.Models;

/// <summary>How a <see cref="Forecaster{T}"/> scales each (transformed) feature before the network sees it.</summary>
public enum FeatureScaling
{
    /// <summary><c>(x − mean) / std</c>, fitted on the training rows.</summary>
    Standard,
    /// <summary><c>(x − min) / (max − min)</c> into [0, 1], fitted on the training rows.</summary>
    MinMax,
}

/// <summary>
/// Everything that defines a <see cref="Forecaster{T}"/> besides its weights: the series it reads, the window, the
/// network, and the transform from raw values to what the network sees — optional log, optional differencing at a lag
/// (1 = first differences, 12 = seasonal differences of monthly data), then scaling with constants fitted on the
/// training rows only. Stored in the checkpoint as camelCase JSON (metadata key <c>seqcore.config</c>,
/// <c>"model": "forecaster"</c>), so a loaded model forecasts on exactly the scale it was trained on. Checkpoints
/// written before the model catalogue spell three keys in snake_case (<c>difference_lag</c>, <c>scale_center</c>,
/// <c>scale_spread</c>), and those written before the API renames <c>hidden</c> for <c>hiddenSize</c>;
/// <see cref="FromJson"/> reads them all.
/// </summary>
public sealed record ForecasterConfig : IModelConfig
{
    /// <summary>The value of the <c>"model"</c> field that names this kind of model in a config or checkpoint.</summary>
    public const string ModelKind = "forecaster";


    /// <summary>Always <see cref="ModelKind"/>; lets a reader tell model kinds apart.</summary>
    public string Model { get; init; } = ModelKind;

    /// <summary>Name of the series to forecast (feature 0).</summary>
    public string Target { get; init; } = "y";

    /// <summary>Names of extra input series (features 1…), read at the same time steps as the target.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Time steps the network reads to predict the next one.</summary>
    public int Window { get; init; } = 24;

    /// <summary>Recurrent cell, any of <see cref="CellCatalogue"/>; written to JSON by its catalogue name.</summary>
    [JsonConverter(typeof(CellKindJsonConverter))]
    public CellKind Cell { get; init; } = CellKind.Lstm;

    /// <summary>Hidden width of the recurrent encoder.</summary>
    public int HiddenSize { get; init; } = 32;

    /// <summary>Stacked recurrent layers.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Take the natural log of every series first (all values must be positive).</summary>
    public bool Log { get; init; }

    /// <summary>Difference every (logged) series at this lag: <c>d_t = z_t − z_{t−lag}</c>; 0 = no differencing.</summary>
    public int DifferenceLag { get; init; }

    /// <summary>The scaling applied after log and differencing (JSON <c>standard</c> or <c>minmax</c>).</summary>
    [JsonConverter(typeof(ScalingNameConverter))]
    public FeatureScaling Scaling { get; init; } = FeatureScaling.Standard;

    /// <summary>Per feature, the value subtracted (mean or min); empty until fitted.</summary>
    public IReadOnlyList<double> ScaleCenter { get; init; } = [];

    /// <summary>Per feature, the divisor (std or max − min; 1 when that is 0); empty until fitted.</summary>
    public IReadOnlyList<double> ScaleSpread { get; init; } = [];

    /// <summary>Features per time step: the target and the extra inputs.</summary>
    [JsonIgnore]
    public int Features => 1 + Inputs.Count;

    /// <summary>True once the scaling constants are set.</summary>
    [JsonIgnore]
    public bool IsFitted => ScaleCenter.Count == Features && ScaleSpread.Count == Features;

    /// <summary>Raw rows needed before the first forecast: the window plus the rows differencing consumes.</summary>
    [JsonIgnore]
    public int MinHistory => Window + DifferenceLag;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field (limits: <see cref="ModelLimits"/>).</summary>
    public void Validate()
    {
        if (Model != ModelKind) throw new ArgumentException($"ForecasterConfig: \"model\" is '{Model}', expected '{ModelKind}'.");
        if (string.IsNullOrWhiteSpace(Target)) throw new ArgumentException("ForecasterConfig: the target name is empty.");
        if (Window <= 0) throw new ArgumentException($"ForecasterConfig: window must be positive, got {Window}.");
        if (HiddenSize <= 0) throw new ArgumentException($"ForecasterConfig: hiddenSize must be positive, got {HiddenSize}.");
        if (Layers <= 0) throw new ArgumentException($"ForecasterConfig: layers must be positive, got {Layers}.");
        if (DifferenceLag < 0) throw new ArgumentException($"ForecasterConfig: difference lag must be ≥ 0, got {DifferenceLag}.");
        ModelLimits.Check(nameof(ForecasterConfig), "window", Window, ModelLimits.MaxContext);
        ModelLimits.Check(nameof(ForecasterConfig), "hiddenSize", HiddenSize, ModelLimits.MaxWidth);
        ModelLimits.Check(nameof(ForecasterConfig), "layers", Layers, ModelLimits.MaxLayers);
        ModelLimits.Check(nameof(ForecasterConfig), "the number of inputs", Inputs.Count, ModelLimits.MaxWidth - 1);
        if (ScaleCenter.Count != ScaleSpread.Count || (ScaleCenter.Count != 0 && ScaleCenter.Count != Features))
            throw new ArgumentException($"ForecasterConfig: {ScaleCenter.Count} scale centers and {ScaleSpread.Count} spreads for {Features} features.");
        if (ScaleSpread.Any(s => !(s > 0) || !double.IsFinite(s)) || ScaleCenter.Any(c => !double.IsFinite(c)))
            throw new ArgumentException("ForecasterConfig: scale constants must be finite and spreads positive.");
    }

    /// <summary>The config as one line of camelCase JSON (doubles round-trip exact).</summary>
    public string ToJson() => ConfigJson.Write(this);

    /// <summary>Keys older checkpoints wrote (after their snake_case is made camelCase), and their names now.</summary>
    private static readonly (string Old, string New)[] RenamedKeys = [("hidden", "hiddenSize")];

    /// <summary>Parses and validates the config of a trained forecaster (scaling fitted), in the camelCase of
    /// <see cref="ToJson"/> or the keys of older checkpoints (snake_case, <c>hidden</c>); <see cref="InvalidDataException"/>
    /// names <paramref name="source"/> and the key.</summary>
    public static ForecasterConfig FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject o;
        try { o = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: the config is not a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: the config is not valid JSON: {e.Message}", e); }
        var config = ConfigJson.Read<ForecasterConfig>(ConfigJson.CamelCaseKeys(o).ToJsonString(), source, RenamedKeys);
        if (!config.IsFitted) throw new InvalidDataException($"{source}: the forecaster config has no scaling constants (scaleCenter, scaleSpread for {config.Features} features).");
        return config;
    }


    private sealed class ScalingNameConverter : JsonConverter<FeatureScaling>
    {
        public override FeatureScaling Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            (reader.TokenType == JsonTokenType.String ? reader.GetString() : null) switch
            {
                "standard" => FeatureScaling.Standard,
                "minmax" => FeatureScaling.MinMax,
                _ => throw new JsonException("expected standard or minmax."),
            };

        public override void Write(Utf8JsonWriter writer, FeatureScaling value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value == FeatureScaling.MinMax ? "minmax" : "standard");
    }
}
