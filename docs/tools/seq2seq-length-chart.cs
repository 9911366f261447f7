#:project ../../src/SeqCore/SeqCore.csproj
// Draws an "exact match by source length" chart (docs/seq2seq.md) with SeqCore.Plots from a TSV of
// "series<TAB>source length<TAB>exact match %" rows. Run: dotnet run docs/tools/seq2seq-length-chart.cs -- points.tsv out.svg "title"
using System.Globalization;
using SeqCore.Plots;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: dotnet run seq2seq-length-chart.cs -- points.tsv out.svg \"title\"");
    return 2;
}
var rows = File.ReadAllLines(args[0]).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();
var chart = new SvgChart
{
    Title = args[2],
    XLabel = "source length (characters, bin middle)",
    YLabel = "exact match (%)",
};
string[] colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
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
