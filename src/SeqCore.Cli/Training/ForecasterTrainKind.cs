using SeqCore.Layers.Recurrent;
using System.Globalization;
using SeqCore.Cli.Commands;
using SeqCore.Cli.Options;
using SeqCore.Distributed;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary><c>train --model forecaster</c> and <c>seqcore forecast</c>: an LSTM/GRU forecaster trained on a CSV column
/// except its held-out tail; reports RMSE and MAPE of the multi-step forecast of that tail next to a seasonal-naive
/// baseline, AR(p) and Holt-Winters (<see cref="ClassicalBaselines"/>) and writes NAME.forecast.svg and NAME.forecast.csv beside the checkpoint.</summary>
internal sealed class ForecasterTrainKind : ITrainKind
{
    public static readonly TextOption Csv = new("--csv", "CSV file with a header row (required).", valueName: "FILE");
    public static readonly TextOption Column = new("--column", "The column to forecast (required unless the forecast verb's --model gives a saved forecaster, which knows its column).", valueName: "NAME");
    public static readonly TextOption Inputs = new("--inputs", "Extra input columns, comma-separated (multivariate). Their future is not forecast: over the horizon they are held at their last observed value, or taken from the file with --known-inputs.", valueName: "COL[,COL...]");
    public static readonly FlagOption KnownInputs = new("--known-inputs", "Use the actual held-out values of the --inputs columns over the horizon (a conditional forecast) instead of holding them at their last value.");
    public static readonly IntOption Holdout = new("--holdout", "Rows at the end kept out of training and forecast (0: train on everything and forecast the future).", 24, min: 0);
    public static readonly IntOption Horizon = new("--horizon", "Steps to forecast; 0 = the holdout.", 0, min: 0);
    public static readonly IntOption Season = new("--season", "Season length of the baseline (12 for monthly data); 0: naive last-value baseline.", 0, min: 0);
    public static readonly IntOption ArOrder = new("--ar-order", "Lags p of the AR(p) baseline, fitted by least squares on the training rows after --log and --difference; 0 = two seasons (12 without --season), at most 48 and at most what the training rows can fit.", 0, min: 0, max: 1 << 16, valueName: "P");
    public static readonly IntOption Window = new("--window", "Time steps the network reads per prediction.", 24, max: 1 << 20, valueName: "W");
    public static readonly FlagOption Log = new("--log", "Model the log of the series (all values must be positive).");
    public static readonly IntOption Difference = new("--difference", "Difference the (logged) series at this lag before scaling: 1 = first differences, 12 = seasonal differences of monthly data, 0 = none.", 0, min: 0, valueName: "L");
    public static readonly ChoiceOption Scaling = new("--scaling", "Feature scaling, fitted on the training rows only.", ["standard", "minmax"], "standard");
    public static readonly ChoiceOption Cell = new("--cell", "Recurrent cell of the encoder.", [.. CellCatalogue.Names], "lstm");
    public static readonly IntOption Hidden = new("--hidden", "Hidden width of the encoder.", 32, max: 1 << 16, valueName: "H");
    public static readonly IntOption Layers = new("--layers", "Stacked recurrent layers.", 1, max: 1024, valueName: "L");
    public static readonly IntOption Validation = new("--validation", "Training rows at the end held out for early stopping; 0 = one season, or 10% of the training rows.", 0, min: 0);

    /// <summary>Options that shape the data and the forecast, used with a saved forecaster too.</summary>
    public static IReadOnlyList<OptionSpec> ForecastOptions { get; } = [Csv, Column, KnownInputs, Holdout, Horizon, Season, ArOrder];

    /// <summary>Options that only shape the model and its training.</summary>
    public static IReadOnlyList<OptionSpec> ModelOptions { get; } = [Inputs, Window, Log, Difference, Scaling, Cell, Hidden, Layers, Validation];

    public IModelKind Kind => ForecasterKind.Instance;

    public IReadOnlyList<OptionSpec> Options { get; } = [.. ForecastOptions, .. ModelOptions];

    public TrainingSettings Defaults { get; } = new() { Steps = 1500, LearningRate = 3e-3, EvalEvery = 10, Patience = 30, Clip = 1.0 };

    public string DefaultOut => Path.Combine("runs", "forecast.safetensors");

    public IReadOnlyList<string> Outputs(TrainOutputs outputs) => [outputs.ForecastSvg, outputs.ForecastCsv];

    /// <summary>Windows per batch when --batch is not given.</summary>
    public const int DefaultBatch = 16;

    public ITrainJob Prepare(OptionValues v, IBackend<float> backend, ulong seed, BatchShard shard)
    {
        string csv = v.FindText(Csv) ?? throw new UsageException("--csv is required: the CSV file with the series.");
        string column = v.FindText(Column) ?? throw new UsageException("--column NAME is required (or, for the forecast verb, --model FILE, a saved forecaster, which knows its column).");
        var config = new ForecasterConfig
        {
            Target = column, Inputs = ForecastRequest.SplitList(v.FindText(Inputs)), Window = v.Get(Window),
            Cell = CellCatalogue.Parse(v.Get(Cell), "--cell").Kind, HiddenSize = v.Get(Hidden), Layers = v.Get(Layers),
            Log = v.Get(Log), DifferenceLag = v.Get(Difference),
            Scaling = v.Get(Scaling) == "minmax" ? FeatureScaling.MinMax : FeatureScaling.Standard,
        };
        var request = ForecastRequest.Bind(v, csv, config);
        var data = request.Read();
        var split = request.Guard(() => ForecastSplit.ForTraining(config, data.Series.Length, request.Holdout, request.Horizon, request.Season,
            v.Get(Validation), request.KnownInputs, Path.GetFileName(csv)));
        var baselines = request.Guard(() => ClassicalBaselines.Run(data.Series, split, config, request.ArOrder));
        var train = data.Series.Take(split.TrainRows);
        config = request.Guard(() => ForecastTransform.FitScaling(config, train, split.TrainRows - split.Validation));
        int batch = v.Find(CommonOptions.Batch) ?? DefaultBatch;
        // A batch holds at most one window per training row.
        BudgetOptions.Check(v, Kind, config, new RunShape(Math.Min(batch, split.TrainRows), config.Window));
        var model = (Forecaster<float>)Kind.Build(backend, config, new Dictionary<string, string>(), new RandomStream(seed));
        try
        {
            var trainable = new ForecasterTrainable<float>(model, train, split.Validation, batch, new RandomStream(seed + 1), shard);
            return new Job(model, trainable, request, data, split, baselines);
        }
        catch (ArgumentException e)
        {
            model.Dispose();
            throw new UsageException($"{Path.GetFileName(csv)}: {e.Message}");
        }
    }

    private sealed class Job(Forecaster<float> model, ForecasterTrainable<float> trainable, ForecastRequest request, ForecastData data, ForecastSplit split,
        ClassicalBaselines baselines) : ITrainJob
    {
        public ISequenceModel<float> Model => model;
        public ITrainable<float> Trainable => trainable;
        public string Title => $"{CellCatalogue.NameOf(model.Config.Cell)} forecaster";
        public IReadOnlyList<string> Inputs => [request.Csv];

        public void WriteStart(CliIO io, bool json, IBackend<float> backend)
        {
            if (json)
                Output.WriteJsonLine(io.Out, new
                {
                    Event = "start", Model = ForecasterConfig.ModelKind, Cell = CellCatalogue.NameOf(model.Config.Cell), Parameters = model.ParameterCount(),
                    model.Config.Target, model.Config.Inputs, split.Rows, split.TrainRows, ValidationRows = split.Validation, split.Holdout,
                    TrainWindows = trainable.TrainWindows, Batch = trainable.BatchSize, Backend = backend.Name, Threads = BackendOption.Threads(backend),
                });
            else
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"seqcore forecast: {Title}, {model.ParameterCount():N0} parameters; '{model.Config.Target}' from {request.Csv}: {split.TrainRows} training rows " +
                    $"({split.Validation} for validation), {split.Holdout} held out; {trainable.TrainWindows} windows of {model.Config.Window}, batch {trainable.BatchSize}, {BackendOption.Describe(backend)}"));
        }

        public void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs) =>
            ForecastReport.Write(io, json, request, data, split, baselines, model, result, outputs);

        public void Dispose()
        {
            trainable.Dispose();
            model.Dispose();
        }
    }
}
