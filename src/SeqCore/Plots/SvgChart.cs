using System.Globalization;
using SeqCore.IO;
using System.Security;
using System.Text;

namespace SeqCore.Plots;

/// <summary>One line of a chart: points (x, y) in data units; NaN y values leave a gap.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Points">The points, in drawing order.</param>
/// <param name="Color">Stroke colour (CSS), or null for the palette's next colour.</param>
/// <param name="Dashed">Draw dashed (e.g. a baseline).</param>
public sealed record SvgSeries(string Name, IReadOnlyList<(double X, double Y)> Points, string? Color = null, bool Dashed = false);

/// <summary>
/// A small, dependency-free SVG line chart: title, axes with round tick values, a legend, optional vertical markers
/// (e.g. where the held-out part starts) and an optional log-scale y axis. Written atomically.
/// </summary>
public sealed class SvgChart
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"];
    private readonly List<SvgSeries> _series = [];
    private readonly List<(double X, string Label)> _markers = [];

    /// <summary>Title above the plot.</summary>
    public string Title { get; init; } = "";

    /// <summary>Label of the x axis.</summary>
    public string XLabel { get; init; } = "";

    /// <summary>Label of the y axis.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Width and height in pixels.</summary>
    public (int Width, int Height) Size { get; init; } = (900, 480);

    /// <summary>Plot y on a base-10 logarithmic scale (values ≤ 0 are skipped).</summary>
    public bool LogY { get; init; }

    /// <summary>Adds a line.</summary>
    public SvgChart Add(SvgSeries series) { _series.Add(series); return this; }

    /// <summary>Adds a vertical dotted line at <paramref name="x"/> with a label.</summary>
    public SvgChart Marker(double x, string label) { _markers.Add((x, label)); return this; }

    /// <summary>The SVG document.</summary>
    public string Render()
    {
        var (w, h) = Size;
        const double left = 72, right = 24, top = 44, bottom = 56;
        double pw = w - left - right, ph = h - top - bottom;
        Func<double, double> fy = LogY ? Math.Log10 : y => y;
        var pts = _series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!LogY || p.Y > 0)).ToList();
        double x0 = pts.Count > 0 ? pts.Min(p => p.X) : 0, x1 = pts.Count > 0 ? pts.Max(p => p.X) : 1;
        double y0 = pts.Count > 0 ? pts.Min(p => fy(p.Y)) : 0, y1 = pts.Count > 0 ? pts.Max(p => fy(p.Y)) : 1;
        foreach (var (mx, _) in _markers) { x0 = Math.Min(x0, mx); x1 = Math.Max(x1, mx); }
        if (x1 <= x0) { x0 -= 0.5; x1 += 0.5; }
        if (y1 <= y0) { y0 -= 0.5; y1 += 0.5; }
        double pad = (y1 - y0) * 0.05;
        y0 -= pad; y1 += pad;
        double Sx(double x) => left + (x - x0) / (x1 - x0) * pw;
        double Sy(double y) => top + (1 - (fy(y) - y0) / (y1 - y0)) * ph;

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{w / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">{Esc(Title)}</text>\n");
        foreach (double t in Ticks(x0, x1, 8))
        {
            double x = Sx(t);
            sb.Append(F($"<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{top + ph}\" stroke=\"#eee\"/>\n"));
            sb.Append(F($"<text x=\"{x}\" y=\"{top + ph + 16}\" text-anchor=\"middle\">{Num(t)}</text>\n"));
        }
        foreach (double t in Ticks(y0, y1, 6))
        {
            double y = top + (1 - (t - y0) / (y1 - y0)) * ph;
            sb.Append(F($"<line x1=\"{left}\" y1=\"{y}\" x2=\"{left + pw}\" y2=\"{y}\" stroke=\"#eee\"/>\n"));
            sb.Append(F($"<text x=\"{left - 6}\" y=\"{y + 4}\" text-anchor=\"end\">{Num(LogY ? Math.Pow(10, t) : t)}</text>\n"));
        }
        sb.Append(F($"<rect x=\"{left}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#444\"/>\n"));
        sb.Append(F($"<text x=\"{left + pw / 2}\" y=\"{h - 14}\" text-anchor=\"middle\">{Esc(XLabel)}</text>\n"));
        sb.Append(F($"<text transform=\"translate(16 {top + ph / 2}) rotate(-90)\" text-anchor=\"middle\">{Esc(YLabel)}</text>\n"));
        foreach (var (mx, label) in _markers)
        {
            double x = Sx(mx);
            sb.Append(F($"<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{top + ph}\" stroke=\"#888\" stroke-dasharray=\"2 3\"/>\n"));
            sb.Append(F($"<text x=\"{x + 4}\" y=\"{top + 14}\" fill=\"#555\">{Esc(label)}</text>\n"));
        }
        // The legend goes to the top-right corner, or to the bottom-right one when fewer of the series' points fall there.
        // Its width follows the longest name (about 6.6 px a character at 12 px sans-serif).
        double legendWidth = 36 + 6.6 * _series.Select(x => x.Name.Length).DefaultIfEmpty(0).Max();
        double legendHeight = 16 * _series.Count + 8, legendLeft = left + pw - legendWidth;
        int PointsIn(double yFrom, double yTo) => pts.Count(p => Sx(p.X) >= legendLeft && Sy(p.Y) >= yFrom && Sy(p.Y) <= yTo);
        double legendTop = PointsIn(top + ph - legendHeight, top + ph) < PointsIn(top, top + legendHeight) ? top + ph - legendHeight : top;
        var legend = new StringBuilder();
        legend.Append(F($"<rect x=\"{legendLeft}\" y=\"{legendTop}\" width=\"{legendWidth}\" height=\"{legendHeight}\" fill=\"white\" fill-opacity=\"0.85\"/>\n"));
        for (int i = 0; i < _series.Count; i++)
        {
            var s = _series[i];
            string color = s.Color ?? Palette[i % Palette.Length];
            var path = new StringBuilder();
            bool pen = false;
            foreach (var (x, y) in s.Points)
            {
                if (!double.IsFinite(x) || !double.IsFinite(y) || (LogY && y <= 0)) { pen = false; continue; }
                path.Append(F($"{(pen ? 'L' : 'M')}{Sx(x):0.##},{Sy(y):0.##} "));
                pen = true;
            }
            string dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : "";
            sb.Append(F($"<path d=\"{path.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\"{dash}/>\n"));
            double ly = legendTop + 8 + 16 * i;
            legend.Append(F($"<line x1=\"{legendLeft + 6}\" y1=\"{ly}\" x2=\"{legendLeft + 30}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>\n"));
            legend.Append(F($"<text x=\"{legendLeft + 36}\" y=\"{ly + 4}\">{Esc(s.Name)}</text>\n"));
        }
        sb.Append(legend).Append("</svg>\n"); // over the lines, on a light backing
        return sb.ToString();
    }

    /// <summary>Writes the chart to <paramref name="path"/> (temporary file, then rename).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, Render(), createDirectory: true);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Esc(string s) => SecurityElement.Escape(s) ?? "";

    private static string Num(double v)
    {
        double a = Math.Abs(v);
        return a == 0 ? "0" : a >= 1e5 || a < 1e-3 ? v.ToString("0.##E0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>Round tick values (1, 2 or 5 × 10ⁿ apart) covering [lo, hi], about <paramref name="target"/> of them.</summary>
    /// <param name="lo">Low end.</param><param name="hi">High end.</param><param name="target">Wanted count.</param>
    public static IEnumerable<double> Ticks(double lo, double hi, int target)
    {
        double raw = (hi - lo) / Math.Max(target, 1);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = mag * (raw / mag < 1.5 ? 1 : raw / mag < 3.5 ? 2 : raw / mag < 7.5 ? 5 : 10);
        for (double t = Math.Ceiling(lo / step) * step; t <= hi + step * 1e-9; t += step)
            yield return Math.Abs(t) < step * 1e-9 ? 0 : t;
    }
}
