using System.Globalization;
using SeqCore.IO;
using System.Security;
using System.Text;

namespace SeqCore.Plots;

/// <summary>
/// A dependency-free SVG heatmap of attention weights: one column per source token, one row per generated token,
/// each cell shaded by its weight (white = 0, dark blue = 1) with the weight written in it when the grid is small.
/// </summary>
public sealed class AttentionHeatmap
{
    /// <summary>Title above the grid.</summary>
    public string Title { get; init; } = "";
    /// <summary>Labels of the columns (source tokens).</summary>
    public required IReadOnlyList<string> Columns { get; init; }
    /// <summary>Labels of the rows (generated tokens).</summary>
    public required IReadOnlyList<string> Rows { get; init; }
    /// <summary><c>Weights[row][column]</c>, each in [0, 1].</summary>
    public required IReadOnlyList<IReadOnlyList<double>> Weights { get; init; }

    private const int Cell = 28, Left = 80, Top = 90, Margin = 20;

    /// <summary>The SVG document.</summary>
    public string Render()
    {
        if (Weights.Count != Rows.Count || Weights.Any(r => r.Count != Columns.Count))
            throw new ArgumentException($"AttentionHeatmap: the weights must be {Rows.Count}×{Columns.Count} (rows × columns).");
        var c = CultureInfo.InvariantCulture;
        int width = Left + Columns.Count * Cell + Margin + 60, height = Top + Rows.Count * Cell + Margin + 40;
        var sb = new StringBuilder();
        sb.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"13\">\n");
        sb.Append(c, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        sb.Append(c, $"<text x=\"{Left}\" y=\"22\" font-family=\"sans-serif\" font-size=\"15\" font-weight=\"bold\">{Escape(Title)}</text>\n");
        sb.Append(c, $"<text x=\"{Left}\" y=\"{Top - 52}\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#555\">source →</text>\n");
        sb.Append(c, $"<text x=\"12\" y=\"{Top - 8}\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#555\">output ↓</text>\n");
        for (int j = 0; j < Columns.Count; j++)
        {
            double x = Left + j * Cell + Cell / 2.0;
            sb.Append(c, $"<text x=\"{x}\" y=\"{Top - 8}\" text-anchor=\"start\" transform=\"rotate(-60 {x} {Top - 8})\">{Escape(Visible(Columns[j]))}</text>\n");
        }
        bool numbers = Columns.Count <= 24 && Rows.Count <= 24;
        for (int i = 0; i < Rows.Count; i++)
        {
            double y = Top + i * Cell;
            sb.Append(c, $"<text x=\"{Left - 8}\" y=\"{y + Cell / 2.0 + 4}\" text-anchor=\"end\">{Escape(Visible(Rows[i]))}</text>\n");
            for (int j = 0; j < Columns.Count; j++)
            {
                double w = Math.Clamp(Weights[i][j], 0, 1);
                sb.Append(c, $"<rect x=\"{Left + j * Cell}\" y=\"{y}\" width=\"{Cell}\" height=\"{Cell}\" fill=\"{Shade(w)}\" stroke=\"#ddd\" stroke-width=\"0.5\"><title>{Escape(Rows[i])} ← {Escape(Columns[j])}: {w:F3}</title></rect>\n");
                if (numbers && w >= 0.05)
                    sb.Append(c, $"<text x=\"{Left + j * Cell + Cell / 2.0}\" y=\"{y + Cell / 2.0 + 3}\" text-anchor=\"middle\" font-size=\"9\" fill=\"{(w > 0.5 ? "white" : "#333")}\">{w * 100:F0}</text>\n");
            }
        }
        // A legend: the colour scale from 0 to 1.
        int lx = Left + Columns.Count * Cell + 16;
        for (int k = 0; k <= 10; k++)
            sb.Append(c, $"<rect x=\"{lx}\" y=\"{Top + (10 - k) * 10}\" width=\"14\" height=\"10\" fill=\"{Shade(k / 10.0)}\"/>\n");
        sb.Append(c, $"<text x=\"{lx + 18}\" y=\"{Top + 9}\" font-size=\"10\">1</text><text x=\"{lx + 18}\" y=\"{Top + 110}\" font-size=\"10\">0</text>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Writes the heatmap to <paramref name="path"/> (temporary file, then rename).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, Render(), createDirectory: true);

    /// <summary>White (0) to dark blue (1).</summary>
    private static string Shade(double w)
    {
        int r = (int)Math.Round(255 + (8 - 255) * w), g = (int)Math.Round(255 + (48 - 255) * w), b = (int)Math.Round(255 + (107 - 255) * w);
        return $"#{r:x2}{g:x2}{b:x2}";
    }

    /// <summary>Spaces and tabs drawn as visible symbols.</summary>
    private static string Visible(string label) => label switch { " " => "␣", "\t" => "⇥", _ => label };

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
