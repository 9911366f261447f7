using System.CommandLine;
using SeqCore.Cli.Options;
using SeqCore.Cli.Outputs;
using SeqCore.Cli.Training;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore forecast</c>: trains a <see cref="Forecaster{T}"/> on a CSV column (plus optional input columns) except
/// its held-out tail through the one <see cref="TrainFlow"/> (as <c>train --model forecaster</c>), forecasts that tail
/// multi-step, and reports RMSE and MAPE next to seasonal-naive, AR(p) and Holt-Winters baselines, with NAME.forecast.svg and
/// NAME.forecast.csv beside the checkpoint <c>--out NAME.safetensors</c>. With <c>--model FILE</c> it forecasts with a
/// saved forecaster instead of training one.
/// </summary>
internal static class ForecastCommand
{
    public static readonly TextOption Model = new("--model", "Forecast with a forecaster saved by an earlier run (its checkpoint) instead of training one; the training and architecture options are then refused. The plot and numbers go beside --out (default: beside this file).", valueName: "FILE");

    private static readonly ForecasterTrainKind Kind = new();

    /// <summary>Every option of the verb, in help order.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [.. Kind.Options, Model, .. TrainFlow.SharedOptions];

    /// <summary>The options a saved forecaster cannot take: what shapes the model or its training.</summary>
    private static IReadOnlyList<OptionSpec> TrainingOnly { get; } =
        [.. ForecasterTrainKind.ModelOptions, .. CommonOptions.Training, CommonOptions.Resume, CommonOptions.Seed];

    public static Command Create(CliIO io) =>
        CliVerb.Create(io, "forecast", "forecast", "Train an LSTM/GRU forecaster on a CSV column except its last --holdout rows, forecast them multi-step, and compare RMSE and MAPE with seasonal-naive, AR(p) and Holt-Winters baselines; writes the checkpoint (--out), NAME.forecast.svg, NAME.forecast.csv and NAME.loss.svg.", AllOptions, (_, v) => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        v.WithConfigFile().RejectUnknownKeys(AllOptions, "forecast");
        string? modelPath = v.FindText(Model);
        return modelPath is null ? TrainFlow.Run(io, Kind, v, "forecast") : ForecastWithSaved(io, v, modelPath);
    }

    /// <summary>Forecasts with the forecaster saved in <paramref name="modelPath"/>; nothing is trained or saved.</summary>
    private static int ForecastWithSaved(CliIO io, OptionValues v, string modelPath)
    {
        if (TrainingOnly.FirstOrDefault(v.IsSet) is { } given)
            throw new UsageException($"{given.Name} is a training option; with --model the saved forecaster is used as it is.");
        string csv = v.FindText(ForecasterTrainKind.Csv) ?? throw new UsageException("--csv is required: the CSV file with the series.");
        if (!File.Exists(modelPath)) throw new UsageException($"--model: file not found: {Path.GetFullPath(modelPath)}");
        bool json = v.Get(CommonOptions.Json);
        var outputs = new TrainOutputs(v.FindText(CommonOptions.Out) ?? modelPath);
        string? config = v.FindText(CommonOptions.Config);
        using var plan = OutputPlan.Open([new(ForecasterTrainKind.Csv.Name, csv), new(Model.Name, modelPath), .. config is null ? Array.Empty<InputFile>() : [new(CommonOptions.Config.Name, config)]],
            [new(CommonOptions.Out.Name, outputs.ForecastSvg, "the plot"), new(CommonOptions.Out.Name, outputs.ForecastCsv, "the numbers")],
            v.Get(CommonOptions.Force), outputs.Lock);
        using var backend = BackendOption.Open<float>(v);
        Forecaster<float> model;
        try { model = Forecaster<float>.Load(modelPath, backend, BudgetOptions.Bytes(v)); }
        catch (InvalidDataException e) { throw new UsageException($"--model: {e.Message}"); }
        using (model)
        {
            string? column = v.FindText(ForecasterTrainKind.Column);
            if (column is not null && !string.Equals(column, model.Config.Target, StringComparison.Ordinal))
                throw new UsageException($"--column {column}: the forecaster in {Path.GetFileName(modelPath)} forecasts '{model.Config.Target}'.");
            var request = ForecastRequest.Bind(v, csv, model.Config);
            var data = request.Read();
            var split = request.Guard(() => ForecastSplit.ForForecasting(model.Config, data.Series.Length, request.Holdout, request.Horizon, request.Season,
                request.KnownInputs, Path.GetFileName(csv), Path.GetFileName(modelPath)));
            var baselines = request.Guard(() => ClassicalBaselines.Run(data.Series, split, model.Config, request.ArOrder));
            ForecastReport.Write(io, json, request, data, split, baselines, model, null, outputs, modelPath);
        }
        return ExitCodes.Ok;
    }
}
