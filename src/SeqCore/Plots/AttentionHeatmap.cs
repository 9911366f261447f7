using System.Globalization;
using SeqCore.IO;
using System.Security;
using System.Text;

namespace SeqCore.Plots;

/// <summary>
/// A dependency-free SVG heatmap of attention weights: one column per source token, one row per generated token,
/// each cell shaded by its weight (white = 0, dark blue = 1) with the weight written in it when the grid is small.
/// Cells shrink for long sequences and the margins grow to fit the longest label.
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
    /// <summary>Caption of the column axis.</summary>
    public string ColumnCaption { get; init; } = "source →";
    /// <summary>Caption of the row axis.</summary>
    public string RowCaption { get; init; } = "output ↓";

    private const int Margin = 20;
    /// <summary>Width of one monospace character at the label font size (13 px), for the margins.</summary>
    private const double CharWidth = 8;

    /// <summary>The SVG document.</summary>
    public string Render()
    {
        if (Weights.Count != Rows.Count || Weights.Any(r => r.Count != Columns.Count))
            throw new ArgumentException($"AttentionHeatmap: the weights must be {Rows.Count}×{Columns.Count} (rows × columns).");
        var c = CultureInfo.InvariantCulture;
        // 28-px cells up to 40 positions, then smaller (never under 8 px) so a long sequence stays about 1100 px wide.
        int cells = Math.Max(Columns.Count, Rows.Count);
        int cell = cells <= 40 ? 28 : Math.Max(8, 1120 / cells);
        int font = Math.Min(13, cell - 2);
        int longestRow = Rows.Select(r => Visible(r).Length).DefaultIfEmpty(0).Max();
        int longestColumn = Columns.Select(r => Visible(r).Length).DefaultIfEmpty(0).Max();
        int left = Math.Max(80, (int)(longestRow * CharWidth * font / 13) + 16);
        // Column labels are turned 60°: their height is sin 60° of their length.
        int top = Math.Max(90, (int)(longestColumn * CharWidth * font / 13 * 0.87) + 50);
        int width = left + Columns.Count * cell + Margin + 60, height = top + Rows.Count * cell + Margin + 40;
        var sb = new StringBuilder();
        sb.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"{font}\">\n");
        sb.Append(c, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        sb.Append(c, $"<text x=\"{left}\" y=\"22\" font-family=\"sans-serif\" font-size=\"15\" font-weight=\"bold\">{Escape(Title)}</text>\n");
        sb.Append(c, $"<text x=\"{left}\" y=\"40\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#555\">{Escape(ColumnCaption)}</text>\n");
        sb.Append(c, $"<text x=\"12\" y=\"{top - 8}\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#555\">{Escape(RowCaption)}</text>\n");
        for (int j = 0; j < Columns.Count; j++)
        {
            double x = left + j * cell + cell / 2.0;
            sb.Append(c, $"<text x=\"{x}\" y=\"{top - 8}\" text-anchor=\"start\" transform=\"rotate(-60 {x} {top - 8})\">{Escape(Visible(Columns[j]))}</text>\n");
        }
        bool numbers = Columns.Count <= 24 && Rows.Count <= 24;
        for (int i = 0; i < Rows.Count; i++)
        {
            double y = top + i * cell;
            sb.Append(c, $"<text x=\"{left - 8}\" y=\"{y + cell / 2.0 + 4}\" text-anchor=\"end\">{Escape(Visible(Rows[i]))}</text>\n");
            for (int j = 0; j < Columns.Count; j++)
            {
                double w = Math.Clamp(Weights[i][j], 0, 1);
                sb.Append(c, $"<rect x=\"{left + j * cell}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"{Shade(w)}\" stroke=\"#ddd\" stroke-width=\"0.5\"><title>{Escape(Rows[i])} ← {Escape(Columns[j])}: {w:F3}</title></rect>\n");
                if (numbers && w >= 0.05)
                    sb.Append(c, $"<text x=\"{left + j * cell + cell / 2.0}\" y=\"{y + cell / 2.0 + 3}\" text-anchor=\"middle\" font-size=\"9\" fill=\"{(w > 0.5 ? "white" : "#333")}\">{w * 100:F0}</text>\n");
            }
        }
        // A legend: the colour scale from 0 to 1.
        int lx = left + Columns.Count * cell + 16;
        for (int k = 0; k <= 10; k++)
            sb.Append(c, $"<rect x=\"{lx}\" y=\"{top + (10 - k) * 10}\" width=\"14\" height=\"10\" fill=\"{Shade(k / 10.0)}\"/>\n");
        sb.Append(c, $"<text x=\"{lx + 18}\" y=\"{top + 9}\" font-size=\"10\">1</text><text x=\"{lx + 18}\" y=\"{top + 110}\" font-size=\"10\">0</text>\n");
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
