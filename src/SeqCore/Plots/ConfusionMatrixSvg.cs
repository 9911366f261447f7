using System.Globalization;
using SeqCore.IO;
using System.Security;
using System.Text;

namespace SeqCore.Plots;

/// <summary>
/// A confusion matrix as a plain SVG heatmap: one row per true class, one column per predicted class, each cell shaded by
/// the share of its row (so the diagonal shows each class's recall whatever the class sizes) and labelled with its count.
/// </summary>
public static class ConfusionMatrixSvg
{
    private const int Cell = 56, Left = 130, Top = 140, Right = 30, Bottom = 60;

    /// <summary>The SVG document for <paramref name="confusion"/> <c>[true][predicted]</c> with class names <paramref name="labels"/>.</summary>
    public static string Render(IReadOnlyList<string> labels, int[][] confusion, string title)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(confusion);
        int k = labels.Count;
        if (confusion.Length != k || confusion.Any(r => r.Length != k))
            throw new ArgumentException($"ConfusionMatrixSvg: the matrix must be {k}×{k} for {k} labels.");
        var c = CultureInfo.InvariantCulture;
        int width = Left + k * Cell + Right, height = Top + k * Cell + Bottom;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\">\n");
        svg.Append(c, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(c, $"<text x=\"{width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">{Escape(title)}</text>\n");
        svg.Append(c, $"<text x=\"{Left + k * Cell / 2}\" y=\"52\" text-anchor=\"middle\" font-size=\"13\">predicted</text>\n");
        svg.Append(c, $"<text x=\"16\" y=\"{Top + k * Cell / 2}\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 16 {Top + k * Cell / 2})\">true</text>\n");
        for (int j = 0; j < k; j++)
        {
            int x = Left + j * Cell + Cell / 2;
            svg.Append(c, $"<text x=\"{x}\" y=\"{Top - 8}\" font-size=\"12\" transform=\"rotate(-45 {x} {Top - 8})\">{Escape(labels[j])}</text>\n");
        }
        for (int i = 0; i < k; i++)
        {
            int rowTotal = confusion[i].Sum();
            int y = Top + i * Cell;
            svg.Append(c, $"<text x=\"{Left - 8}\" y=\"{y + Cell / 2 + 4}\" text-anchor=\"end\" font-size=\"12\">{Escape(labels[i])}</text>\n");
            for (int j = 0; j < k; j++)
            {
                double share = rowTotal == 0 ? 0 : (double)confusion[i][j] / rowTotal;
                // White (share 0) to dark blue (share 1); text turns white on dark cells.
                int r = (int)Math.Round(255 - share * (255 - 8)), g = (int)Math.Round(255 - share * (255 - 48)), b = (int)Math.Round(255 - share * (255 - 107));
                int x = Left + j * Cell;
                svg.Append(c, $"<rect x=\"{x}\" y=\"{y}\" width=\"{Cell}\" height=\"{Cell}\" fill=\"rgb({r},{g},{b})\" stroke=\"#ccc\"><title>true {Escape(labels[i])}, predicted {Escape(labels[j])}: {confusion[i][j]} ({share:P1})</title></rect>\n");
                svg.Append(c, $"<text x=\"{x + Cell / 2}\" y=\"{y + Cell / 2 + 4}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{(share > 0.5 ? "white" : "black")}\">{confusion[i][j]}</text>\n");
            }
        }
        svg.Append(c, $"<text x=\"{Left}\" y=\"{Top + k * Cell + 30}\" font-size=\"11\" fill=\"#555\">cells: counts; shade: share of the true class's examples</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Writes the heatmap to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, IReadOnlyList<string> labels, int[][] confusion, string title) =>
        AtomicFile.WriteAllText(path, Render(labels, confusion, title), createDirectory: true);

    private static string Escape(string s) => SecurityElement.Escape(s) ?? "";
}
