using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore forecast</c>: trains a <see cref="Forecaster{T}"/> on a CSV column (plus optional input columns) except
/// its held-out tail, forecasts that tail multi-step, and reports RMSE and MAPE next to a seasonal-naive baseline,
/// with an SVG of forecast against actual, a CSV of the numbers and the checkpoint.
/// </summary>
internal static class ForecastCommand
{
    public static Command Create(CliIO io)
    {
        var csv = new Option<FileInfo>("--csv") { Description = "CSV file with a header row.", HelpName = "FILE", Required = true };
        var column = new Option<string?>("--column") { Description = "The column to forecast (required unless --model: a saved forecaster knows its column).", HelpName = "NAME" };
        var model = new Option<FileInfo?>("--model") { Description = "Forecast with a forecaster saved by an earlier run (its forecast.safetensors) instead of training one; the training and architecture options are then refused.", HelpName = "FILE" };
        var inputs = new Option<string?>("--inputs") { Description = "Extra input columns, comma-separated (multivariate). Their future is not forecast: over the horizon they are held at their last observed value, or taken from the file with --known-inputs.", HelpName = "COL[,COL...]" };
        var knownInputs = CliOptions.Flag("--known-inputs", "Use the actual held-out values of the --inputs columns over the horizon (a conditional forecast) instead of holding them at their last value.");
        var holdout = ModelOptions.NonNegativeInt("--holdout", "Rows at the end kept out of training and forecast (0: train on everything and forecast the future).", 24);
        var horizon = ModelOptions.NonNegativeInt("--horizon", "Steps to forecast (default: the holdout).", 0);
        var window = ModelOptions.PositiveInt("--window", "Time steps the network reads per prediction.", 24);
        var season = ModelOptions.NonNegativeInt("--season", "Season length of the baseline (12 for monthly data); 0: naive last-value baseline.", 0);
        var log = CliOptions.Flag("--log", "Model the log of the series (all values must be positive).");
        var difference = ModelOptions.NonNegativeInt("--difference", "Difference the (logged) series at this lag before scaling: 1 = first differences, 12 = seasonal differences of monthly data, 0 = none.", 0);
        var scaling = CliOptions.Choices("--scaling", "Feature scaling, fitted on the training rows only.", ["standard", "minmax"], ["standard"]);
        var cell = CliOptions.Choices("--cell", "Recurrent cell of the encoder.", [.. CellCatalogue.Names], ["lstm"]);
        var hidden = ModelOptions.PositiveInt("--hidden", "Hidden width of the encoder.", 32);
        var layers = ModelOptions.PositiveInt("--layers", "Stacked recurrent layers.", 1);
        var steps = ModelOptions.PositiveInt("--steps", "Training steps (batches) at most; early stopping may end sooner.", 1500);
        var batch = ModelOptions.PositiveInt("--batch", "Windows per training batch.", 16);
        var lr = ModelOptions.PositiveDouble("--lr", "Adam learning rate.", 3e-3);
        var validation = ModelOptions.NonNegativeInt("--validation", "Training rows at the end held out for early stopping (default: one season, or 10% of the training rows).", 0);
        var evalEvery = ModelOptions.PositiveInt("--eval-every", "Evaluate on the validation rows every N steps.", 10);
        var patience = ModelOptions.NonNegativeInt("--patience", "Stop after this many evaluations without improvement (0: never); the best weights are kept.", 30);
        var seed = ModelOptions.Seed();
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for forecast.safetensors (not with --model), forecast.svg and forecast.csv.", HelpName = "DIR", DefaultValueFactory = _ => new DirectoryInfo("runs/forecast") };
        var json = CliOptions.Flag("--json", "Progress and the final result as JSON lines.");
        var command = new Command("forecast", "Train an LSTM/GRU forecaster on a CSV column except its last --holdout rows, forecast them multi-step, and compare RMSE and MAPE with a seasonal-naive baseline.")
        {
            csv, column, inputs, knownInputs, holdout, horizon, window, season, log, difference, scaling, cell, hidden, layers,
            steps, batch, lr, validation, evalEvery, patience, seed, output, json, model,
        };
        Option[] trainingOnly = [inputs, window, log, difference, scaling, cell, hidden, layers, steps, batch, lr, validation, evalEvery, patience, seed];
        command.SetAction(p => Execute(io, new ForecastRequest(
            p.GetValue(csv)!, p.GetValue(column) ?? "", SplitList(p.GetValue(inputs)), p.GetValue(knownInputs), p.GetValue(holdout), p.GetValue(horizon),
            p.GetValue(season), p.GetValue(validation), p.GetValue(evalEvery), p.GetValue(patience), p.GetValue(steps), p.GetValue(batch),
            p.GetValue(lr), p.GetValue(seed), p.GetValue(output)!, p.GetValue(json),
            p.GetValue(model), trainingOnly.FirstOrDefault(x => p.GetResult(x) is OptionResult { Implicit: false })?.Name,
            new ForecasterConfig
            {
                Target = p.GetValue(column) ?? "", Inputs = SplitList(p.GetValue(inputs)), Window = p.GetValue(window),
                Cell = CellCatalogue.Parse(p.GetValue(cell)![0], "--cell").Kind, Hidden = p.GetValue(hidden), Layers = p.GetValue(layers),
                Log = p.GetValue(log), DifferenceLag = p.GetValue(difference),
                Scaling = p.GetValue(scaling)![0] == "minmax" ? FeatureScaling.MinMax : FeatureScaling.Standard,
            })));
        return command;
    }

    private static string[] SplitList(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static int Execute(CliIO io, ForecastRequest r)
    {
        if (r.Model is null && r.Column.Length == 0) return Usage(io, "--column NAME is required (or --model FILE, a saved forecaster, which knows its column).");
        if (r.Model is not null && r.TrainingOptionGiven is not null)
            return Usage(io, $"{r.TrainingOptionGiven} is a training option; with --model the saved forecaster is used as it is.");
        if (!r.Csv.Exists) return Usage(io, $"file not found: {r.Csv.FullName}");
        using var backend = new CpuBackend<float>();
        Forecaster<float>? saved = null;
        if (r.Model is not null)
        {
            if (!r.Model.Exists) return Usage(io, $"--model: file not found: {r.Model.FullName}");
            try { saved = Forecaster<float>.Load(backend, r.Model.FullName); }
            catch (InvalidDataException e) { return Usage(io, $"--model: {e.Message}"); }
            if (r.Column.Length > 0 && !string.Equals(r.Column, saved.Config.Target, StringComparison.Ordinal))
            {
                saved.Dispose();
                return Usage(io, $"--column {r.Column}: the forecaster in {r.Model.Name} forecasts '{saved.Config.Target}'.");
            }
            r = r with { Config = saved.Config };
        }
        try { return Execute(io, r, backend, saved); }
        finally { saved?.Dispose(); }
    }

    private static int Execute(CliIO io, ForecastRequest r, CpuBackend<float> backend, Forecaster<float>? saved)
    {
        NumericCsv table;
        ForecastSeries series;
        try
        {
            table = NumericCsv.Read(r.Csv.FullName);
            series = new ForecastSeries(table.Column(r.Config.Target), r.Config.Inputs.Select(table.Column).ToArray());
        }
        catch (InvalidDataException e) { return Usage(io, e.Message); }
        if (r.Config.Inputs.Contains(r.Config.Target, StringComparer.OrdinalIgnoreCase))
            return Usage(io, $"--inputs: '{r.Config.Target}' is the target column; it is always an input already.");

        int n = series.Length, holdout = r.Holdout, horizon = r.Horizon > 0 ? r.Horizon : holdout;
        if (horizon == 0) return Usage(io, "--holdout 0 needs --horizon N: the number of future steps to forecast.");
        if (r.KnownInputs && horizon > holdout)
            return Usage(io, $"--known-inputs takes the inputs' future from the file, which has {holdout} held-out rows, fewer than the horizon {horizon}.");
        int trainRows = n - holdout;
        if (saved is not null)
        {
            if (trainRows < r.Config.MinHistory)
                return Usage(io, $"{r.Csv.Name}: {n} rows minus the holdout {holdout} leave {trainRows} rows of history; the forecaster in {r.Model!.Name} needs at least {r.Config.MinHistory} (window {r.Config.Window} + difference lag {r.Config.DifferenceLag}).");
            if (r.Season > trainRows) return Usage(io, $"--season {r.Season} is longer than the {trainRows} rows of history.");
            return Report(io, r, table, series, trainRows, holdout, horizon, 0, saved, null, r.Model!.FullName);
        }
        int validation = r.Validation > 0 ? r.Validation : r.Season > 0 ? r.Season : Math.Max(1, trainRows / 10);
        int need = r.Config.MinHistory + validation + 1;
        if (trainRows < need)
            return Usage(io, $"{r.Csv.Name}: {n} rows are too few: holdout {holdout} + window {r.Config.Window} + difference lag {r.Config.DifferenceLag} " +
                $"+ validation {validation} + 1 training window need at least {need + holdout}.");
        if (r.Season > trainRows) return Usage(io, $"--season {r.Season} is longer than the {trainRows} training rows.");

        var train = series.Take(trainRows);
        ForecasterConfig config;
        try
        {
            config = ForecastTransform.FitScaling(r.Config, train, trainRows - validation);
        }
        catch (ArgumentException e) { return Usage(io, $"{r.Csv.Name}: {e.Message}"); }

        using var model = new Forecaster<float>(backend, config, new RandomStream(r.Seed));
        using var trainable = new ForecasterTrainable<float>(model, train, validation, r.Batch, new RandomStream(r.Seed + 1));
        using var adam = new Adam<float>(backend, model.Parameters, r.LearningRate);
        var best = new BestWeights<float>(backend, model.Parameters);
        var view = new TrainingProgressView(io, r.Json, r.Steps);
        var result = view.Run("forecaster", report => new Trainer<float>(backend, adam, new TrainerOptions
        {
            Steps = r.Steps, EvalEvery = r.EvalEvery, Patience = r.Patience, ClipNorm = 1.0,
        })
        { Progress = report, Improved = (_, _) => best.Capture() }.Run(trainable));
        best.Restore();
        return Report(io, r, table, series, trainRows, holdout, horizon, validation, model, result, Path.Combine(r.Out.FullName, "forecast.safetensors"));
    }

    /// <summary>Forecasts the horizon after the first <paramref name="trainRows"/> rows, scores it against the held-out rows
    /// and the baseline, writes the checkpoint (after training), the plot and the numbers, and prints the summary.
    /// <paramref name="result"/> is null for a forecaster loaded with --model, which is not written again.</summary>
    private static int Report(CliIO io, ForecastRequest r, NumericCsv table, ForecastSeries series, int trainRows, int holdout, int horizon,
        int validation, Forecaster<float> model, TrainingResult? result, string checkpoint)
    {
        int n = series.Length;
        var train = series.Take(trainRows);
        var config = model.Config;
        // Inputs over the horizon: persistence (null) or the file's held-out values.
        IReadOnlyList<double[]>? future = r.KnownInputs ? series.Inputs.Select(x => x[trainRows..(trainRows + horizon)]).ToArray() : null;
        double[] forecast, oneStep;
        try
        {
            forecast = model.Forecast(train, horizon, future);
            oneStep = holdout > 0 ? model.OneStepForecasts(series, trainRows) : [];
        }
        catch (ArgumentException e) { return Usage(io, $"{r.Csv.Name}: {e.Message}"); }
        int scored = Math.Min(horizon, holdout);
        double[] baseline = ForecastMetrics.SeasonalNaive(train.Target, Math.Max(1, r.Season), horizon);
        double[] actual = series.Target[trainRows..(trainRows + scored)];
        double[] naiveOneStep = ForecastMetrics.SeasonalNaiveOneStep(series.Target, trainRows, Math.Max(1, r.Season));
        var scores = scored == 0 ? null : new Scores(
            ForecastMetrics.Rmse(actual, forecast.AsSpan(0, scored)), ForecastMetrics.Mape(actual, forecast.AsSpan(0, scored)),
            ForecastMetrics.Rmse(actual, baseline.AsSpan(0, scored)), ForecastMetrics.Mape(actual, baseline.AsSpan(0, scored)),
            ForecastMetrics.Rmse(series.Target[trainRows..], oneStep), ForecastMetrics.Mape(series.Target[trainRows..], oneStep),
            ForecastMetrics.Rmse(series.Target[trainRows..], naiveOneStep), ForecastMetrics.Mape(series.Target[trainRows..], naiveOneStep));

        Directory.CreateDirectory(r.Out.FullName);
        if (result is not null) model.Save(checkpoint);
        string svg = Path.Combine(r.Out.FullName, "forecast.svg");
        string csvOut = Path.Combine(r.Out.FullName, "forecast.csv");
        double[] x = ForecastPlot.TimeAxis(table, r.Config.Target, n + Math.Max(0, horizon - holdout));
        ForecastPlot.Chart(r, series.Target, trainRows, x, forecast, baseline, Math.Max(1, r.Season), scores).Save(svg);
        AtomicFile.WriteAllText(csvOut, ForecastPlot.Csv(x, series.Target, trainRows, forecast, baseline, oneStep), createDirectory: true);

        var summary = new ForecastSummary(r.Config.Target, config.Inputs.ToArray(), n, trainRows, validation, holdout, horizon, r.Season,
            r.KnownInputs ? "known" : "last-value", CellCatalogue.NameOf(config.Cell), config.Window, config.Hidden, config.Layers,
            config.Log, config.DifferenceLag, result?.Steps ?? 0, result?.Reason.ToString() ?? "Loaded", result?.BestStep ?? 0,
            result?.BestEvalLoss, result?.FinalLoss, result?.Elapsed.TotalSeconds ?? 0, scores?.Rmse, scores?.Mape, scores?.BaselineRmse, scores?.BaselineMape, scores?.OneStepRmse, scores?.OneStepMape,
            scores?.BaselineOneStepRmse, scores?.BaselineOneStepMape,
            r.Season > 0 ? $"seasonal naive (season {r.Season})" : "naive (last value)", forecast, checkpoint, svg, csvOut);
        if (r.Json) Output.WriteJsonLine(io.Out, summary);
        else WriteTable(io, summary);
        return ExitCodes.Ok;
    }

    private static void WriteTable(CliIO io, ForecastSummary s)
    {
        var console = Output.Console(io.Out);
        var c = CultureInfo.InvariantCulture;
        console.WriteLine(s.FinalTrainMse is null
            ? $"Loaded the forecaster from {s.Checkpoint} (no training)."
            : string.Create(c, $"Trained {s.Steps} steps in {s.TrainSeconds:F1} s ({s.StopReason}); best validation MSE {s.BestValidationMse:G4} at step {s.BestStep} (scaled units)."));
        if (s.Rmse is not null)
        {
            var t = new Table().Title(Markup.Escape($"{s.Target}: {Math.Min(s.Horizon, s.Holdout)} held-out steps"))
                .AddColumn("Forecast").AddColumn("RMSE", col => col.RightAligned()).AddColumn("MAPE %", col => col.RightAligned());
            t.AddRow(Markup.Escape($"{s.Cell} multi-step"), F(s.Rmse), F(s.Mape));
            t.AddRow(Markup.Escape(s.Baseline), F(s.BaselineRmse), F(s.BaselineMape));
            t.AddRow(Markup.Escape($"{s.Cell} one-step (actual history)"), F(s.OneStepRmse), F(s.OneStepMape));
            t.AddRow(Markup.Escape($"{s.Baseline}, one-step"), F(s.BaselineOneStepRmse), F(s.BaselineOneStepMape));
            console.Write(t);
            console.WriteLine(s.Rmse < s.BaselineRmse
                ? string.Create(c, $"The model's RMSE is {100 * (1 - s.Rmse.Value / s.BaselineRmse!.Value):F1}% below the baseline's.")
                : string.Create(c, $"The model does not beat the baseline: RMSE {100 * (s.Rmse.Value / s.BaselineRmse!.Value - 1):F1}% above it."));
        }
        else console.WriteLine("Forecast: " + string.Join(", ", s.Forecast.Select(v => v.ToString("G5", c))));
        io.Out.WriteLine($"checkpoint: {s.Checkpoint}");
        io.Out.WriteLine($"plot:       {s.Plot}");
        io.Out.WriteLine($"numbers:    {s.Values}");
        static string F(double? v) => v is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "-";
    }

    private static int Usage(CliIO io, string message)
    {
        io.Error.WriteLine($"seqcore: forecast: {message}");
        return ExitCodes.Usage;
    }
}

/// <summary>The parsed command line of <c>seqcore forecast</c>.</summary>
internal sealed record ForecastRequest(FileInfo Csv, string Column, string[] Inputs, bool KnownInputs, int Holdout, int Horizon, int Season,
    int Validation, int EvalEvery, int Patience, int Steps, int Batch, double LearningRate, ulong Seed, DirectoryInfo Out, bool Json,
    FileInfo? Model, string? TrainingOptionGiven, ForecasterConfig Config);

/// <summary>RMSE and MAPE (%) of the multi-step forecast, the baseline and the one-step forecasts over the held-out rows.</summary>
internal sealed record Scores(double Rmse, double Mape, double BaselineRmse, double BaselineMape, double OneStepRmse, double OneStepMape,
    double BaselineOneStepRmse, double BaselineOneStepMape);

/// <summary>The final result, as printed by <c>--json</c>.</summary>
internal sealed record ForecastSummary(string Target, string[] Inputs, int Rows, int TrainRows, int ValidationRows, int Holdout, int Horizon,
    int Season, string FutureInputs, string Cell, int Window, int Hidden, int Layers, bool Log, int DifferenceLag, int Steps, string StopReason,
    int BestStep, double? BestValidationMse, double? FinalTrainMse, double TrainSeconds, double? Rmse, double? Mape, double? BaselineRmse,
    double? BaselineMape, double? OneStepRmse, double? OneStepMape, double? BaselineOneStepRmse, double? BaselineOneStepMape, string Baseline, double[] Forecast, string Checkpoint, string Plot, string Values)
{
    /// <summary>For <c>--json</c>: marks the line as the final result.</summary>
    public string Event => "result";
}
