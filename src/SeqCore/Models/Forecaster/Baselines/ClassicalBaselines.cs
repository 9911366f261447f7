namespace SeqCore.Models;

/// <summary>One classical forecast of a <see cref="ForecastSplit"/>: the multi-step forecast of the horizon, the
/// one-step forecasts of the held-out rows, and their RMSE and MAPE (null when nothing is held out).</summary>
internal sealed record ClassicalForecast(string Name, double[] Forecast, double[] OneStep, double? Rmse, double? Mape, double? OneStepRmse, double? OneStepMape);

/// <summary>
/// The classical baselines <c>seqcore forecast</c> reports beside the network, fitted on the training rows of a split:
/// <list type="bullet">
/// <item>AR(p) on the network's own transform: the log (with <see cref="ForecasterConfig.Log"/>) differenced at
/// <see cref="ForecasterConfig.DifferenceLag"/>, unscaled (a linear fit with intercept does not need scaling). Forecasts are
/// undone like the network's, <c>ẑ_t = d̂_t + z_{t−L}</c>, then exponentiated.</item>
/// <item>Holt-Winters with additive trend and season of the baseline's season, on the network's level (the log with
/// <see cref="ForecasterConfig.Log"/>, else the raw values) but not differenced: it models trend and season itself. Only
/// with a season of 2 or more.</item>
/// </list>
/// Errors are <see cref="ArgumentException"/>s whose parameter is the setting at fault (<c>ar-order</c>, <c>season</c>).
/// </summary>
internal sealed record ClassicalBaselines(AutoRegression Ar, ClassicalForecast ArForecast, HoltWinters? HoltWinters, ClassicalForecast? HoltWintersForecast)
{
    /// <summary>The largest order the automatic choice takes.</summary>
    public const int MaxAutoOrder = 48;

    /// <summary>The forecasts that exist, AR first.</summary>
    public IReadOnlyList<ClassicalForecast> All => HoltWintersForecast is null ? [ArForecast] : [ArForecast, HoltWintersForecast];

    /// <summary>The order to fit: <paramref name="requested"/>, or for 0 two seasons (12 lags without a season), at most
    /// <see cref="MaxAutoOrder"/> and at most what <paramref name="values"/> transformed values can fit.</summary>
    public static int Order(int requested, int season, int values)
    {
        if (requested > 0)
        {
            if (values < AutoRegression.MinLength(requested))
                throw new ArgumentException($"AR({requested}) needs at least {AutoRegression.MinLength(requested)} (3p + 2) transformed training values, " +
                    $"and the training rows give {values}; choose a smaller order.", "ar-order");
            return requested;
        }
        int order = Math.Min(Math.Min(season > 1 ? 2 * season : 12, MaxAutoOrder), (values - 2) / 3);
        if (order < 1)
            throw new ArgumentException($"the training rows give {values} transformed values, too few for an autoregression (AR(1) needs {AutoRegression.MinLength(1)}).", "ar-order");
        return order;
    }

    /// <summary>Fits both baselines on the training rows of <paramref name="split"/> with <paramref name="config"/>'s
    /// transform and forecasts the split. <paramref name="arOrder"/> 0 chooses the order (<see cref="Order"/>).</summary>
    public static ClassicalBaselines Run(ForecastSeries series, ForecastSplit split, ForecasterConfig config, int arOrder)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(config);
        int trainRows = split.TrainRows, lag = config.DifferenceLag;
        double[] level = ForecastTransform.Level(config, series.Target, config.Target);
        double[] trainLevel = level[..trainRows];
        double[] differenced = ForecastTransform.Differenced(config, trainLevel);
        int order = Order(arOrder, split.Season, differenced.Length);
        var ar = AutoRegression.Fit(differenced, order);

        // ẑ_t = d̂_t + z_{t−L}, with z_{t−L} itself a forecast once t − L is past the history.
        double[] dForecast = ar.Forecast(differenced, split.Horizon);
        var zForecast = new double[split.Horizon];
        for (int h = 0; h < split.Horizon; h++)
        {
            int back = trainRows + h - lag;
            zForecast[h] = dForecast[h] + (lag == 0 ? 0 : back < trainRows ? trainLevel[back] : zForecast[back - trainRows]);
        }
        double[] arOneStep = [];
        if (split.Holdout > 0)
        {
            double[] dOneStep = ar.OneStep(ForecastTransform.Differenced(config, level), trainRows - lag);
            arOneStep = dOneStep.Select((d, i) => d + (lag == 0 ? 0 : level[trainRows + i - lag])).ToArray();
        }
        string transform = string.Join(", ", new[] { config.Log ? "log" : null, lag > 0 ? $"difference {lag}" : null }.OfType<string>());
        var arForecast = Score(series, split, $"AR({order})" + (transform.Length > 0 ? $" on {transform}" : ""),
            Unlevel(config, zForecast), Unlevel(config, arOneStep));

        if (split.Season < 2) return new ClassicalBaselines(ar, arForecast, null, null);
        if (trainRows < HoltWinters.MinLength(split.Season))
            throw new ArgumentException($"Holt-Winters needs two full seasons of training rows: {HoltWinters.MinLength(split.Season)}, " +
                $"and there are {trainRows}.", "season");
        var hw = HoltWinters.Fit(trainLevel, split.Season);
        double[] hwOneStep = split.Holdout > 0 ? hw.OneStep(level.AsSpan(trainRows)) : [];
        var hwForecast = Score(series, split, $"Holt-Winters (season {split.Season})" + (config.Log ? " on log" : ""),
            Unlevel(config, hw.Forecast(split.Horizon)), Unlevel(config, hwOneStep));
        return new ClassicalBaselines(ar, arForecast, hw, hwForecast);
    }

    private static double[] Unlevel(ForecasterConfig config, double[] z) => z.Select(v => ForecastTransform.Unlevel(config, v)).ToArray();

    private static ClassicalForecast Score(ForecastSeries series, ForecastSplit split, string name, double[] forecast, double[] oneStep)
    {
        int trainRows = split.TrainRows, scored = split.Scored;
        if (scored == 0) return new ClassicalForecast(name, forecast, oneStep, null, null, null, null);
        double[] actual = series.Target[trainRows..(trainRows + scored)];
        double[] heldOut = series.Target[trainRows..];
        return new ClassicalForecast(name, forecast, oneStep,
            ForecastMetrics.Rmse(actual, forecast.AsSpan(0, scored)), ForecastMetrics.Mape(actual, forecast.AsSpan(0, scored)),
            ForecastMetrics.Rmse(heldOut, oneStep), ForecastMetrics.Mape(heldOut, oneStep));
    }
}
