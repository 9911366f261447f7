using SeqCore.IO;

namespace SeqCore.Models;

/// <summary>
/// The CSV a forecaster reads: its table (for the time axis) and the target and input columns as a
/// <see cref="ForecastSeries"/>. Errors are <see cref="InvalidDataException"/>s naming the file (and for a bad cell its
/// line, column and value), or an <see cref="ArgumentException"/> whose parameter is the setting at fault.
/// </summary>
public sealed class ForecastData
{
    private ForecastData(NumericCsv table, ForecastSeries series)
    {
        Table = table;
        Series = series;
    }

    /// <summary>The file as read.</summary>
    public NumericCsv Table { get; }

    /// <summary>The target and the input columns, oldest first.</summary>
    public ForecastSeries Series { get; }

    /// <summary>Reads <paramref name="path"/> and its <paramref name="target"/> and <paramref name="inputs"/> columns.</summary>
    public static ForecastData Load(string path, string target, IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!File.Exists(path)) throw new InvalidDataException($"file not found: {Path.GetFullPath(path)}");
        if (inputs.Contains(target, StringComparer.OrdinalIgnoreCase))
            throw new ArgumentException($"'{target}' is the target column; it is always an input already.", "inputs");
        var table = NumericCsv.Read(path);
        return new ForecastData(table, new ForecastSeries(table.Column(target), inputs.Select(table.Column).ToArray()));
    }
}

/// <summary>
/// How the rows of a series are used: the first <see cref="TrainRows"/> are history (training rows, the last
/// <see cref="Validation"/> of them held out for early stopping), the last <see cref="Holdout"/> are forecast and
/// scored, and the forecast runs <see cref="Horizon"/> steps (past the file's end when longer than the holdout).
/// Checks raise an <see cref="ArgumentException"/> whose parameter names the setting at fault (none: the data).
/// </summary>
public sealed record ForecastSplit(int Rows, int TrainRows, int Holdout, int Horizon, int Validation, int Season)
{
    /// <summary>Steps scored against held-out rows.</summary>
    public int Scored => Math.Min(Horizon, Holdout);

    /// <summary>The season of the baseline, at least 1 (1: the naive last-value forecast).</summary>
    public int BaselineSeason => Math.Max(1, Season);

    /// <summary>The split for training <paramref name="config"/> on <paramref name="rows"/> rows. <paramref name="horizon"/>
    /// 0 means the holdout; <paramref name="validation"/> 0 means one season, or 10% of the training rows.</summary>
    public static ForecastSplit ForTraining(ForecasterConfig config, int rows, int holdout, int horizon, int season, int validation, bool knownInputs, string file)
    {
        ArgumentNullException.ThrowIfNull(config);
        var split = Common(rows, holdout, horizon, season, knownInputs);
        int trainRows = split.TrainRows;
        validation = validation > 0 ? validation : season > 0 ? season : Math.Max(1, trainRows / 10);
        int need = config.MinHistory + validation + 1;
        if (trainRows < need)
            throw new ArgumentException($"{file}: {rows} rows are too few: holdout {holdout} + window {config.Window} + difference lag {config.DifferenceLag} " +
                $"+ validation {validation} + 1 training window need at least {need + holdout}.");
        if (season > trainRows) throw new ArgumentException($"{season} is longer than the {trainRows} training rows.", "season");
        return split with { Validation = validation };
    }

    /// <summary>The split for forecasting with the trained <paramref name="config"/> (saved in <paramref name="model"/>).</summary>
    public static ForecastSplit ForForecasting(ForecasterConfig config, int rows, int holdout, int horizon, int season, bool knownInputs, string file, string model)
    {
        ArgumentNullException.ThrowIfNull(config);
        var split = Common(rows, holdout, horizon, season, knownInputs);
        int trainRows = split.TrainRows;
        if (trainRows < config.MinHistory)
            throw new ArgumentException($"{file}: {rows} rows minus the holdout {holdout} leave {trainRows} rows of history; the forecaster in {model} needs at least " +
                $"{config.MinHistory} (window {config.Window} + difference lag {config.DifferenceLag}).");
        if (season > trainRows) throw new ArgumentException($"{season} is longer than the {trainRows} rows of history.", "season");
        return split;
    }

    private static ForecastSplit Common(int rows, int holdout, int horizon, int season, bool knownInputs)
    {
        if (holdout < 0 || horizon < 0 || season < 0) throw new ArgumentException($"holdout, horizon and season must be ≥ 0, got {holdout}, {horizon} and {season}.");
        horizon = horizon > 0 ? horizon : holdout;
        if (horizon == 0) throw new ArgumentException("holdout 0 needs a horizon: the number of future steps to forecast.", "horizon");
        if (knownInputs && horizon > holdout)
            throw new ArgumentException($"known inputs come from the file, which has {holdout} held-out rows, fewer than the horizon {horizon}.", "known-inputs");
        if (holdout >= rows) throw new ArgumentException($"{holdout} leaves no history of the {rows} rows.", "holdout");
        return new ForecastSplit(rows, rows - holdout, holdout, horizon, 0, season);
    }
}
