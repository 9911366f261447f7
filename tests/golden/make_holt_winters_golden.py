#!/usr/bin/env python3
"""Runs statsmodels' additive Holt-Winters with fixed smoothing weights and a known initial state on slices of the
shipped series and writes what SeqCore's HoltWinters must reproduce (tests/SeqCore.Tests/Models/
ForecastBaselineTests.cs compares them, |difference| <= 1e-9).

Needs statsmodels (Debian's python3-statsmodels 0.13.5 was used). From the repository root:
    /usr/bin/python3 tests/golden/make_holt_winters_golden.py tests/SeqCore.Tests/Golden/holt_winters_golden.json

The initial state is SeqCore's decomposition of the first seasons (written out again below, as initial_level,
initial_trend, initial_seasonal), passed to statsmodels as initialization_method="known", so the file checks the
decomposition against this script and the recursion and forecasts against statsmodels.

Forecasts: statsmodels 0.13.5 drops the last in-sample seasonal update when it rolls the season forward, so its
forecast at a horizon that is a multiple of m uses the factor of one season earlier (statsmodels issue #9538, fixed by
pull request #10230). "forecast" is therefore computed here from statsmodels' own final level, trend and season with
the textbook formula l_n + h b_n + s_{n+h-m(floor((h-1)/m)+1)}; "statsmodels_forecast" is what its forecast() returns,
which agrees at every other horizon.

Each case: {name, file, column, rows, season, alpha, beta, gamma, series, initial_level, initial_trend,
initial_seasonal, fitted, sse, level, trend, last_season, horizon, forecast, statsmodels_forecast}.
"""
import csv
import json
import sys

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

CASES = [
    ("nottingham", "data/nottingham_temperature.csv", "fahrenheit", 72, 12, 0.3, 0.1, 0.2),
    ("co2", "data/co2_mauna_loa.csv", "co2_ppm", 120, 12, 0.5, 0.05, 0.3),
    ("airpassengers-log", "data/airpassengers.csv", "passengers", 96, 12, 0.7, 0.2, 0.6),
    ("co2-quarterly-weights-at-bounds", "data/co2_mauna_loa.csv", "co2_ppm", 40, 4, 1.0, 0.0, 0.0),
]
HORIZON = 30


def initial_state(y, m):
    """SeqCore's decomposition: a least-squares line through the means of the first k = min(n // m, 5) seasons
    (the mean of season j is the level at its centre j*m + (m-1)/2); l0 = the line at t = -1; seasonal index i = the
    mean over the seasons of y[j*m+i] minus the line at j*m+i."""
    k = min(len(y) // m, 5)
    means = np.array([y[j * m:(j + 1) * m].mean() for j in range(k)])
    centres = np.array([j * m + (m - 1) / 2 for j in range(k)])
    b = ((centres - centres.mean()) * (means - means.mean())).sum() / ((centres - centres.mean()) ** 2).sum()
    a = means.mean() - b * centres.mean()
    seasonal = np.array([np.mean([y[j * m + i] - (a + b * (j * m + i)) for j in range(k)]) for i in range(m)])
    return a - b, b, seasonal


def main(out):
    cases = []
    for name, path, column, rows, m, alpha, beta, gamma in CASES:
        with open(path) as f:
            y = np.array([float(r[column]) for r in csv.DictReader(f)][:rows])
        if name.endswith("-log"):
            y = np.log(y)
        level0, trend0, seasonal0 = initial_state(y, m)
        model = ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=m, initialization_method="known",
                                     initial_level=level0, initial_trend=trend0, initial_seasonal=seasonal0)
        fit = model.fit(smoothing_level=alpha, smoothing_trend=beta, smoothing_seasonal=gamma, optimized=False)
        n = len(y)
        level, trend, season = fit.level[-1], fit.trend[-1], np.asarray(fit.season)
        forecast = [level + h * trend + season[n + h - m * ((h - 1) // m + 1) - 1] for h in range(1, HORIZON + 1)]
        cases.append({
            "name": name, "file": path, "column": column, "rows": rows, "season": m,
            "alpha": alpha, "beta": beta, "gamma": gamma, "series": y.tolist(),
            "initial_level": level0, "initial_trend": trend0, "initial_seasonal": seasonal0.tolist(),
            "fitted": np.asarray(fit.fittedvalues).tolist(), "sse": float(fit.sse),
            "level": float(level), "trend": float(trend), "last_season": season[-m:].tolist(),
            "horizon": HORIZON, "forecast": [float(v) for v in forecast],
            "statsmodels_forecast": np.asarray(fit.forecast(HORIZON)).tolist(),
        })
    with open(out, "w") as f:
        json.dump({"statsmodels": __import__("statsmodels").__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
