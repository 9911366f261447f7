#:project ../../src/SeqCore/SeqCore.csproj
// Draws a line chart with SeqCore.Plots from a TSV of "series<TAB>x<TAB>y" rows (one line a series, in file order): the
// charts of docs/seq2seq.md (exact match or BLEU by source length) and docs/translation.md (BLEU against training time).
// Run: dotnet run docs/tools/line-chart.cs -- points.tsv out.svg "title" ["x label" "y label"]
using System.Globalization;
using SeqCore.Plots;

if (args.Length != 3 && args.Length != 5)
{
    Console.Error.WriteLine("usage: dotnet run line-chart.cs -- points.tsv out.svg \"title\" [\"x label\" \"y label\"]");
    return 2;
}
var rows = File.ReadAllLines(args[0]).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();
var chart = new SvgChart
{
    Title = args[2],
    XLabel = args.Length == 5 ? args[3] : "source length (characters, bin middle)",
    YLabel = args.Length == 5 ? args[4] : "exact match (%)",
};
string[] colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
int i = 0;
foreach (var series in rows.GroupBy(r => r[0]))
{
    var points = series.Select(r => (double.Parse(r[1], CultureInfo.InvariantCulture), double.Parse(r[2], CultureInfo.InvariantCulture))).ToList();
    chart.Add(new SvgSeries(series.Key, points, colors[i % colors.Length], Dashed: i % 2 == 1));
    i++;
}
chart.Save(args[1]);
Console.WriteLine($"wrote {Path.GetFullPath(args[1])}");
return 0;
