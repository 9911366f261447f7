using SeqCore.Plots;
using SeqCore.Layers.Recurrent;
using System.Globalization;
using SeqCore.Cli.Training;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Training;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary>The result of <c>seqcore forecast</c>, trained or loaded: forecasts the split, writes NAME.forecast.svg and
/// NAME.forecast.csv beside the checkpoint and prints the scores beside those of the baselines (a table, or one JSON
/// line).</summary>
internal static class ForecastReport
{
    /// <summary>Forecasts and reports. <paramref name="result"/> is null for a forecaster loaded from
    /// <paramref name="checkpoint"/> (not written again); after training the checkpoint is <paramref name="outputs"/>'s.</summary>
    public static void Write(CliIO io, bool json, ForecastRequest request, ForecastData data, ForecastSplit split, ClassicalBaselines baselines,
        Forecaster<float> model, TrainingResult? result, TrainOutputs outputs, string? checkpoint = null)
    {
        var config = model.Config;
        var evaluation = request.Guard(() => ForecastEvaluation.Run(model, data.Series, split, request.KnownInputs));
        string svg = outputs.ForecastSvg, csv = outputs.ForecastCsv;
        var target = data.Series.Target;
        double[] x = ForecastPlot.TimeAxis(data.Table, config.Target, split.Rows + Math.Max(0, split.Horizon - split.Holdout));
        var classical = baselines.All;
        ForecastPlot.Chart(config.Target, target, split.TrainRows, x, evaluation.Forecast, evaluation.Baseline, split.BaselineSeason, evaluation.Scores,
            [.. classical.Select(b => (b.Name, b.Forecast))]).Save(svg);
        AtomicFile.WriteAllText(csv, ForecastPlot.Csv(x, target, split.TrainRows, evaluation.Forecast, evaluation.Baseline, evaluation.OneStep,
            [("ar", baselines.ArForecast.Forecast), .. baselines.HoltWintersForecast is { } hwf ? [("holt_winters", hwf.Forecast)] : Array.Empty<(string, double[])>()]),
            createDirectory: true);

        var s = evaluation.Scores;
        var summary = new ForecastSummary(config.Target, config.Inputs.ToArray(), split.Rows, split.TrainRows, split.Validation, split.Holdout, split.Horizon, split.Season,
            request.KnownInputs ? "known" : "last-value", CellCatalogue.NameOf(config.Cell), config.Window, config.HiddenSize, config.Layers,
            config.Log, config.DifferenceLag, result?.Steps ?? 0, result?.Reason.ToString() ?? "Loaded", result?.BestStep ?? 0,
            result?.BestEvalLoss, result?.FinalLoss, result?.Elapsed.TotalSeconds ?? 0, s?.Rmse, s?.Mape, s?.BaselineRmse, s?.BaselineMape, s?.OneStepRmse, s?.OneStepMape,
            s?.BaselineOneStepRmse, s?.BaselineOneStepMape, split.Season > 0 ? $"seasonal naive (season {split.Season})" : "naive (last value)",
            evaluation.Forecast, checkpoint ?? outputs.Checkpoint, result is null ? null : outputs.LossCurve, svg, csv,
            baselines.Ar.Order, baselines.ArForecast.Name, baselines.ArForecast.Rmse, baselines.ArForecast.Mape, baselines.ArForecast.OneStepRmse,
            baselines.ArForecast.OneStepMape, baselines.ArForecast.Forecast, baselines.HoltWintersForecast?.Name, baselines.HoltWinters?.Alpha,
            baselines.HoltWinters?.Beta, baselines.HoltWinters?.Gamma, baselines.HoltWintersForecast?.Rmse, baselines.HoltWintersForecast?.Mape,
            baselines.HoltWintersForecast?.OneStepRmse, baselines.HoltWintersForecast?.OneStepMape, baselines.HoltWintersForecast?.Forecast);
        if (json) Output.WriteJsonLine(io.Out, summary);
        else WriteTable(io, summary);
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
            t.AddRow(Markup.Escape(s.ArName), F(s.ArRmse), F(s.ArMape));
            if (s.HoltWintersName is not null) t.AddRow(Markup.Escape(s.HoltWintersName), F(s.HoltWintersRmse), F(s.HoltWintersMape));
            t.AddRow(Markup.Escape($"{s.Cell} one-step (actual history)"), F(s.OneStepRmse), F(s.OneStepMape));
            t.AddRow(Markup.Escape($"{s.Baseline}, one-step"), F(s.BaselineOneStepRmse), F(s.BaselineOneStepMape));
            t.AddRow(Markup.Escape($"{s.ArName}, one-step"), F(s.ArOneStepRmse), F(s.ArOneStepMape));
            if (s.HoltWintersName is not null) t.AddRow(Markup.Escape($"{s.HoltWintersName}, one-step"), F(s.HoltWintersOneStepRmse), F(s.HoltWintersOneStepMape));
            console.Write(t);
            console.WriteLine(Comparison(s.Rmse.Value, s.BaselineRmse!.Value));
            var (bestName, bestRmse) = s.HoltWintersRmse < s.ArRmse ? (s.HoltWintersName!, s.HoltWintersRmse.Value) : (s.ArName, s.ArRmse!.Value);
            io.Out.WriteLine(BestClassical(s.Rmse.Value, bestName, bestRmse));
        }
        else console.WriteLine("Forecast: " + string.Join(", ", s.Forecast.Select(v => v.ToString("G5", c))));
        io.Out.WriteLine($"checkpoint: {s.Checkpoint}");
        if (s.LossCurve is not null) io.Out.WriteLine($"loss curve: {s.LossCurve}");
        io.Out.WriteLine($"plot:       {s.Plot}");
        io.Out.WriteLine($"numbers:    {s.Values}");
        static string F(double? v) => v is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "-";
    }

    /// <summary>The model's RMSE against the baseline's, as a percentage; when the baseline is exact (RMSE 0, e.g. a
    /// constant series) a percentage has no meaning, so the absolute difference is given instead.</summary>
    private static string Comparison(double rmse, double baselineRmse)
    {
        var c = CultureInfo.InvariantCulture;
        if (baselineRmse == 0 && rmse == 0) return "The model and the baseline both forecast the held-out steps exactly (RMSE 0).";
        if (baselineRmse == 0)
            return string.Create(c, $"The baseline's RMSE is 0 (it forecasts the held-out steps exactly); the model's RMSE is {rmse:G4} above it.");
        return rmse < baselineRmse
            ? string.Create(c, $"The model's RMSE is {100 * (1 - rmse / baselineRmse):F1}% below the baseline's.")
            : string.Create(c, $"The model does not beat the baseline: RMSE {100 * (rmse / baselineRmse - 1):F1}% above it.");
    }

    /// <summary>The model's RMSE against the better of AR and Holt-Winters (absolute when that one is exact).</summary>
    private static string BestClassical(double rmse, string name, double bestRmse)
    {
        var c = CultureInfo.InvariantCulture;
        string best = string.Create(c, $"the best classical baseline, {name} (RMSE {bestRmse:F2})");
        if (bestRmse == 0)
            return rmse == 0 ? $"The model and {best} both forecast the held-out steps exactly." : string.Create(c, $"The model's RMSE is {rmse:G4} above {best}.");
        return rmse < bestRmse
            ? string.Create(c, $"The model's RMSE is {100 * (1 - rmse / bestRmse):F1}% below {best}.")
            : string.Create(c, $"The model does not beat {best}: RMSE {100 * (rmse / bestRmse - 1):F1}% above it.");
    }
}

/// <summary>The final result, as printed by <c>--json</c> (the Holt-Winters fields only with a season of 2 or more).</summary>
internal sealed record ForecastSummary(string Target, string[] Inputs, int Rows, int TrainRows, int ValidationRows, int Holdout, int Horizon,
    int Season, string FutureInputs, string Cell, int Window, int Hidden, int Layers, bool Log, int DifferenceLag, int Steps, string StopReason,
    int BestStep, double? BestValidationMse, double? FinalTrainMse, double TrainSeconds, double? Rmse, double? Mape, double? BaselineRmse,
    double? BaselineMape, double? OneStepRmse, double? OneStepMape, double? BaselineOneStepRmse, double? BaselineOneStepMape, string Baseline,
    double[] Forecast, string Checkpoint, string? LossCurve, string Plot, string Values,
    int ArOrder, string ArName, double? ArRmse, double? ArMape, double? ArOneStepRmse, double? ArOneStepMape, double[] ArForecast,
    string? HoltWintersName, double? HoltWintersAlpha, double? HoltWintersBeta, double? HoltWintersGamma, double? HoltWintersRmse,
    double? HoltWintersMape, double? HoltWintersOneStepRmse, double? HoltWintersOneStepMape, double[]? HoltWintersForecast)
{
    /// <summary>For <c>--json</c>: marks the line as the final result.</summary>
    public string Event => "result";
}
