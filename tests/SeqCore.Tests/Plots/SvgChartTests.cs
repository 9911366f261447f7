using System.Xml.Linq;
using SeqCore.Cli;
using SeqCore.IO;
using SeqCore.Plots;

namespace SeqCore.Tests.Cli;

public class SvgChartTests
{
    [Test]
    public void Renders_well_formed_svg_with_every_series_marker_and_legend()
    {
        var chart = new SvgChart { Title = "loss <&>", XLabel = "step", YLabel = "loss" }
            .Add(new SvgSeries("train", [(1, 3.0), (2, 2.0), (3, double.NaN), (4, 1.0)]))
            .Add(new SvgSeries("baseline", [(1, 2.5), (4, 2.5)], Dashed: true))
            .Marker(2.5, "held out");
        var doc = XDocument.Parse(chart.Render());
        XNamespace svg = "http://www.w3.org/2000/svg";
        var paths = doc.Descendants(svg + "path").Select(p => (string)p.Attribute("d")!).ToList();
        Assert.That(paths, Has.Count.EqualTo(2));
        Assert.That(paths[0].Count(c => c == 'M'), Is.EqualTo(2), "the NaN point breaks the line");
        var texts = doc.Descendants(svg + "text").Select(t => t.Value).ToList();
        Assert.That(texts, Does.Contain("loss <&>").And.Contain("train").And.Contain("baseline").And.Contain("held out"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void The_legend_moves_to_the_bottom_when_a_rising_curve_ends_in_the_top_right_corner(bool rising)
    {
        var points = Enumerable.Range(0, 50).Select(i => ((double)i, rising ? i : 50.0 - i)).ToList();
        var doc = XDocument.Parse(new SvgChart().Add(new SvgSeries("curve", points)).Render());
        XNamespace svg = "http://www.w3.org/2000/svg";
        var label = doc.Descendants(svg + "text").Single(t => t.Value == "curve");
        double y = (double)label.Attribute("y")!;
        // The plot spans y 44 … 424 of the default 900 × 480 chart.
        if (rising) Assert.That(y, Is.GreaterThan(380), "bottom-right");
        else Assert.That(y, Is.LessThan(80), "top-right, where a falling curve leaves room");
    }

    [TestCase(0, 1, 8, 0.1)]
    [TestCase(0, 144, 8, 20)]
    [TestCase(-3, 7, 6, 2)]
    public void Ticks_are_round_and_cover_the_range(double lo, double hi, int target, double step)
    {
        var ticks = SvgChart.Ticks(lo, hi, target).ToList();
        Assert.That(ticks.First(), Is.GreaterThanOrEqualTo(lo).And.LessThan(lo + step + 1e-9));
        Assert.That(ticks.Zip(ticks.Skip(1), (a, b) => b - a), Has.All.EqualTo(step).Within(1e-9));
    }

    [Test]
    public void Atomic_write_leaves_nothing_behind_on_failure()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"seqcore-atomic-{Guid.NewGuid():N}");
        string path = Path.Combine(dir, "out.svg");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream => { stream.WriteByte(1); throw new InvalidOperationException(); }, createDirectory: true));
        Assert.That(Directory.GetFiles(dir), Is.Empty);
        AtomicFile.WriteAllText(path, "whole", createDirectory: true);
        Assert.That(File.ReadAllText(path), Is.EqualTo("whole"));
        Directory.Delete(dir, true);
    }
}
