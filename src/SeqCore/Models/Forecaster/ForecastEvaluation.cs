using System.Numerics;

namespace SeqCore.Models;

/// <summary>RMSE and MAPE (%) over the held-out rows: the multi-step forecast, the baseline, and the one-step forecasts
/// of the model and of the baseline (each from the actual history).</summary>
public sealed record ForecastScores(double Rmse, double Mape, double BaselineRmse, double BaselineMape, double OneStepRmse, double OneStepMape,
    double BaselineOneStepRmse, double BaselineOneStepMape);

/// <summary>
/// A forecaster's forecast of a <see cref="ForecastSplit"/>: the multi-step forecast of the horizon after the history,
/// the one-step forecasts of the held-out rows, the seasonal-naive baseline, and their scores against the held-out
/// rows (null when nothing is held out).
/// </summary>
public sealed record ForecastEvaluation(double[] Forecast, double[] OneStep, double[] Baseline, ForecastScores? Scores)
{
    /// <summary>Forecasts <paramref name="split"/> of <paramref name="series"/> with <paramref name="model"/>. The inputs'
    /// future is their held-out values with <paramref name="knownInputs"/>, else their last value (persistence).</summary>
    public static ForecastEvaluation Run<T>(Forecaster<T> model, ForecastSeries series, ForecastSplit split, bool knownInputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(split);
        int trainRows = split.TrainRows, horizon = split.Horizon, scored = split.Scored;
        var history = series.Take(trainRows);
        IReadOnlyList<double[]>? future = knownInputs ? series.Inputs.Select(x => x[trainRows..(trainRows + horizon)]).ToArray() : null;
        double[] forecast = model.Forecast(history, horizon, future);
        double[] oneStep = split.Holdout > 0 ? model.OneStepForecasts(series, trainRows) : [];
        double[] baseline = ForecastMetrics.SeasonalNaive(history.Target, split.BaselineSeason, horizon);
        if (scored == 0) return new ForecastEvaluation(forecast, oneStep, baseline, null);
        double[] actual = series.Target[trainRows..(trainRows + scored)];
        double[] heldOut = series.Target[trainRows..];
        double[] naiveOneStep = ForecastMetrics.SeasonalNaiveOneStep(series.Target, trainRows, split.BaselineSeason);
        var scores = new ForecastScores(
            ForecastMetrics.Rmse(actual, forecast.AsSpan(0, scored)), ForecastMetrics.Mape(actual, forecast.AsSpan(0, scored)),
            ForecastMetrics.Rmse(actual, baseline.AsSpan(0, scored)), ForecastMetrics.Mape(actual, baseline.AsSpan(0, scored)),
            ForecastMetrics.Rmse(heldOut, oneStep), ForecastMetrics.Mape(heldOut, oneStep),
            ForecastMetrics.Rmse(heldOut, naiveOneStep), ForecastMetrics.Mape(heldOut, naiveOneStep));
        return new ForecastEvaluation(forecast, oneStep, baseline, scores);
    }
}
