using System.Globalization;
using System.Text;
using SeqCore.IO;
using SeqCore.Models;

namespace SeqCore.Plots;

/// <summary>The pictures and tables <c>seqcore forecast</c> writes: the time axis, the SVG chart and the CSV of values.</summary>
public static class ForecastPlot
{
    /// <summary>
    /// x values for <paramref name="count"/> steps: the file's first column when it is not the target and reads as numbers
    /// (e.g. 1991.496) or as <c>yyyy-MM</c> / <c>yyyy-MM-dd</c> dates (as fractional years), continued past the file's end
    /// at the last spacing; otherwise the row number.
    /// </summary>
    public static double[] TimeAxis(NumericCsv table, string target, int count)
    {
        var x = new double[count];
        int n = table.RowCount;
        double[]? parsed = null;
        if (table.Header.Count > 1 && table.ColumnIndex(target) != 0 && n >= 2)
        {
            string[] text = table.Text(0);
            parsed = new double[n];
            for (int i = 0; i < n && parsed is not null; i++)
                if (!TryTime(text[i], out parsed[i])) parsed = null;
        }
        for (int i = 0; i < count; i++)
            x[i] = parsed is null ? i : i < n ? parsed[i] : parsed[n - 1] + (i - n + 1) * (parsed[n - 1] - parsed[n - 2]);
        return x;
    }

    private static bool TryTime(string text, out double value)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return true;
        if (DateTime.TryParseExact(text, ["yyyy-MM", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            value = d.Year + (d.Month - 1) / 12.0 + (d.Day - 1) / 365.25;
            return true;
        }
        return false;
    }

    /// <summary>Training part, held-out actual, forecast and baseline, and a dashed line for each of the
    /// <paramref name="classical"/> forecasts (label, values), with a marker where the held-out part starts.</summary>
    public static SvgChart Chart(string column, double[] target, int trainRows, double[] x, double[] forecast, double[] baseline, int season, ForecastScores? scores,
        IReadOnlyList<(string Label, double[] Forecast)> classical)
    {
        ArgumentNullException.ThrowIfNull(classical);
        var c = CultureInfo.InvariantCulture;
        string subtitle = scores is null ? "" : string.Create(c, $": RMSE {scores.Rmse:F1} vs baseline {scores.BaselineRmse:F1}");
        var chart = new SvgChart { Title = $"{column}: {forecast.Length}-step forecast{subtitle}", XLabel = "time", YLabel = column };
        chart.Add(new SvgSeries("training data", Enumerable.Range(0, trainRows).Select(i => (x[i], target[i])).ToList(), "#1f77b4"));
        if (target.Length > trainRows)
            // Start at the last training point so the lines join.
            chart.Add(new SvgSeries("held-out actual", Enumerable.Range(trainRows - 1, target.Length - trainRows + 1).Select(i => (x[i], target[i])).ToList(), "#2ca02c"));
        chart.Add(new SvgSeries("forecast", Enumerable.Range(0, forecast.Length).Select(h => (x[trainRows + h], forecast[h])).Prepend((x[trainRows - 1], target[trainRows - 1])).ToList(), "#d62728"));
        chart.Add(new SvgSeries(season > 1 ? $"seasonal naive (season {season})" : "naive (last value)",
            Enumerable.Range(0, baseline.Length).Select(h => (x[trainRows + h], baseline[h])).ToList(), "#7f7f7f", Dashed: true));
        string[] colours = ["#9467bd", "#ff7f0e", "#8c564b", "#e377c2"];
        for (int i = 0; i < classical.Count; i++)
            chart.Add(new SvgSeries(classical[i].Label, classical[i].Forecast.Select((v, h) => (x[trainRows + h], v)).ToList(), colours[i % colours.Length], Dashed: true));
        chart.Marker((x[trainRows - 1] + x[trainRows]) / 2, target.Length > trainRows ? "held-out part starts" : "forecast starts");
        return chart;
    }

    /// <summary><c>x,actual,forecast,baseline,one_step</c> and a column for each of the <paramref name="classical"/>
    /// multi-step forecasts (column name, values) for every step (empty cells where a value does not exist).</summary>
    public static string Csv(double[] x, double[] target, int trainRows, double[] forecast, double[] baseline, double[] oneStep,
        IReadOnlyList<(string Column, double[] Forecast)> classical)
    {
        ArgumentNullException.ThrowIfNull(classical);
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("x,actual,forecast,baseline,one_step");
        foreach (var (column, _) in classical) sb.Append(',').Append(column);
        sb.Append('\n');
        int rows = Math.Max(target.Length, trainRows + forecast.Length);
        for (int i = 0; i < rows; i++)
        {
            int h = i - trainRows;
            sb.Append(x[i].ToString("R", c)).Append(',')
              .Append(i < target.Length ? target[i].ToString("R", c) : "").Append(',')
              .Append(h >= 0 && h < forecast.Length ? forecast[h].ToString("R", c) : "").Append(',')
              .Append(h >= 0 && h < baseline.Length ? baseline[h].ToString("R", c) : "").Append(',')
              .Append(h >= 0 && h < oneStep.Length ? oneStep[h].ToString("R", c) : "");
            foreach (var (_, values) in classical) sb.Append(',').Append(h >= 0 && h < values.Length ? values[h].ToString("R", c) : "");
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
