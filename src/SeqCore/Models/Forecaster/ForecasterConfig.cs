using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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
/// training rows only. Stored in the checkpoint (metadata key <c>seqcore.config</c>), so a loaded model forecasts on
/// exactly the scale it was trained on.
/// </summary>
public sealed record ForecasterConfig
{
    /// <summary>The config's <c>model</c> field in a checkpoint.</summary>
    public const string ModelName = "forecaster";

    /// <summary>Name of the series to forecast (feature 0).</summary>
    public string Target { get; init; } = "y";

    /// <summary>Names of extra input series (features 1…), read at the same time steps as the target.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Time steps the network reads to predict the next one.</summary>
    public int Window { get; init; } = 24;

    /// <summary>Recurrent cell, any of <see cref="CellCatalogue"/>; written to JSON by its catalogue name.</summary>
    public CellKind Cell { get; init; } = CellKind.Lstm;

    /// <summary>Hidden width of the recurrent encoder.</summary>
    public int Hidden { get; init; } = 32;

    /// <summary>Stacked recurrent layers.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Take the natural log of every series first (all values must be positive).</summary>
    public bool Log { get; init; }

    /// <summary>Difference every (logged) series at this lag: <c>d_t = z_t − z_{t−lag}</c>; 0 = no differencing.</summary>
    public int DifferenceLag { get; init; }

    /// <summary>The scaling applied after log and differencing.</summary>
    public FeatureScaling Scaling { get; init; } = FeatureScaling.Standard;

    /// <summary>Per feature, the value subtracted (mean or min); empty until fitted.</summary>
    public IReadOnlyList<double> ScaleCenter { get; init; } = [];

    /// <summary>Per feature, the divisor (std or max − min; 1 when that is 0); empty until fitted.</summary>
    public IReadOnlyList<double> ScaleSpread { get; init; } = [];

    /// <summary>Features per time step: the target and the extra inputs.</summary>
    public int Features => 1 + Inputs.Count;

    /// <summary>True once the scaling constants are set.</summary>
    public bool IsFitted => ScaleCenter.Count == Features && ScaleSpread.Count == Features;

    /// <summary>Raw rows needed before the first forecast: the window plus the rows differencing consumes.</summary>
    public int MinHistory => Window + DifferenceLag;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Target)) throw new ArgumentException("ForecasterConfig: the target name is empty.");
        if (Window <= 0) throw new ArgumentException($"ForecasterConfig: window must be positive, got {Window}.");
        if (Hidden <= 0) throw new ArgumentException($"ForecasterConfig: hidden size must be positive, got {Hidden}.");
        if (Layers <= 0) throw new ArgumentException($"ForecasterConfig: layers must be positive, got {Layers}.");
        CellCatalogue.Find(Cell); // throws for a value outside the enum
        if (DifferenceLag < 0) throw new ArgumentException($"ForecasterConfig: difference lag must be ≥ 0, got {DifferenceLag}.");
        if (ScaleCenter.Count != ScaleSpread.Count || (ScaleCenter.Count != 0 && ScaleCenter.Count != Features))
            throw new ArgumentException($"ForecasterConfig: {ScaleCenter.Count} scale centers and {ScaleSpread.Count} spreads for {Features} features.");
        if (ScaleSpread.Any(s => !(s > 0) || !double.IsFinite(s)) || ScaleCenter.Any(c => !double.IsFinite(c)))
            throw new ArgumentException("ForecasterConfig: scale constants must be finite and spreads positive.");
    }

    /// <summary>The config as one JSON object (doubles written round-trip exact).</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["model"] = ModelName,
            ["target"] = Target,
            ["inputs"] = new JsonArray(Inputs.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray()),
            ["window"] = Window,
            ["cell"] = CellCatalogue.NameOf(Cell),
            ["hidden"] = Hidden,
            ["layers"] = Layers,
            ["log"] = Log,
            ["difference_lag"] = DifferenceLag,
            ["scaling"] = Scaling == FeatureScaling.Standard ? "standard" : "minmax",
            ["scale_center"] = new JsonArray(ScaleCenter.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
            ["scale_spread"] = new JsonArray(ScaleSpread.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
        };
        return o.ToJsonString();
    }

    /// <summary>Parses <see cref="ToJson"/>'s output; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="InvalidDataException">Not a forecaster config, or a field is missing or invalid.</exception>
    public static ForecasterConfig FromJson(string json, string source)
    {
        JsonObject o;
        try { o = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: the model config is not a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: the model config is not valid JSON: {e.Message}"); }
        string model = Field<string>(o, "model", source);
        if (model != ModelName) throw new InvalidDataException($"{source}: the checkpoint holds a '{model}' model, not a {ModelName}.");
        try
        {
            var config = new ForecasterConfig
            {
                Target = Field<string>(o, "target", source),
                Inputs = Array(o, "inputs", source).Select(n => n!.GetValue<string>()).ToArray(),
                Window = Field<int>(o, "window", source),
                Cell = CellCatalogue.Parse(Field<string>(o, "cell", source), "cell").Kind,
                Hidden = Field<int>(o, "hidden", source),
                Layers = Field<int>(o, "layers", source),
                Log = Field<bool>(o, "log", source),
                DifferenceLag = Field<int>(o, "difference_lag", source),
                Scaling = Field<string>(o, "scaling", source) switch
                {
                    "standard" => FeatureScaling.Standard,
                    "minmax" => FeatureScaling.MinMax,
                    var s => throw new InvalidDataException($"{source}: unknown scaling '{s}' in the model config (expected standard or minmax)."),
                },
                ScaleCenter = Array(o, "scale_center", source).Select(n => n!.GetValue<double>()).ToArray(),
                ScaleSpread = Array(o, "scale_spread", source).Select(n => n!.GetValue<double>()).ToArray(),
            };
            config.Validate();
            if (!config.IsFitted) throw new InvalidDataException($"{source}: the model config has no scaling constants.");
            return config;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: invalid forecaster config: {e.Message}");
        }
    }

    private static TValue Field<TValue>(JsonObject o, string name, string source)
    {
        if (o[name] is not JsonValue v) throw new InvalidDataException($"{source}: the model config has no '{name}'.");
        try { return v.GetValue<TValue>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: the model config's '{name}' is {v.ToJsonString()}, not a {typeof(TValue).Name.ToLower(CultureInfo.InvariantCulture)}.");
        }
    }

    private static JsonArray Array(JsonObject o, string name, string source) =>
        o[name] as JsonArray ?? throw new InvalidDataException($"{source}: the model config has no array '{name}'.");
}
