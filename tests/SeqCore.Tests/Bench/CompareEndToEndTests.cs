using System.Diagnostics;

namespace SeqCore.Tests.Bench;

/// <summary>
/// Runs bench/compare/compare.py on its two tiny cases against the CLI built next to this test assembly: the
/// table, the CSV and the SVG must come out with a finite positive time on both sides. Skipped (with the reason)
/// where Debian's PyTorch is not installed, since the comparison needs it.
/// </summary>
public class CompareEndToEndTests
{
    [Test]
    public void CompareScriptRunsBothSidesOnATinyCase()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python) || Run(python, "-c \"import torch\"", out _) != 0)
            Assert.Ignore("PyTorch is not installed (Debian's python3-torch), so the comparison cannot run here.");
        string root = RepositoryRoot();
        string cli = Path.Combine(AppContext.BaseDirectory, "SeqCore.Cli.dll");
        Assert.That(File.Exists(cli), $"the CLI is not next to the tests: {cli}");
        string outDir = Path.Combine(Path.GetTempPath(), "seqcore-compare-" + Guid.NewGuid().ToString("N"));
        try
        {
            int rc = Run(python, $"\"{Path.Combine(root, "bench", "compare", "compare.py")}\" --tiny --seqcore \"dotnet {cli}\" --out \"{outDir}\"", out string output);
            Assert.That(rc, Is.Zero, output);
            Assert.That(output, Does.Contain("gemm.16x16x16").And.Contain("lstm.T4.B2.I8.H8").And.Contain("ratio"));
            string[] csv = File.ReadAllLines(Path.Combine(outDir, "compare.csv"));
            Assert.That(csv, Has.Length.EqualTo(3), "header and two cases");
            var header = csv[0].Split(',');
            foreach (string line in csv[1..])
            {
                var f = line.Split(',');
                double seqcore = double.Parse(f[Array.IndexOf(header, "seqcore_ms")], System.Globalization.CultureInfo.InvariantCulture);
                double torch = double.Parse(f[Array.IndexOf(header, "pytorch_ms")], System.Globalization.CultureInfo.InvariantCulture);
                Assert.That(seqcore, Is.GreaterThan(0).And.LessThan(1e4), line);
                Assert.That(torch, Is.GreaterThan(0).And.LessThan(1e4), line);
            }
            Assert.That(File.ReadAllText(Path.Combine(outDir, "compare.svg")), Does.StartWith("<svg").And.Contain("lstm.T4.B2.I8.H8"));

            // The report that turns a full-grid CSV into docs/benchmarks.md's tables and charts works on this one too.
            string md = Path.Combine(outDir, "grid.md"), prefix = Path.Combine(outDir, "grid");
            rc = Run(python, $"\"{Path.Combine(root, "bench", "compare", "grid_report.py")}\" \"{Path.Combine(outDir, "compare.csv")}\" --md \"{md}\" --svg-prefix \"{prefix}\"", out output);
            Assert.That(rc, Is.Zero, output);
            string report = File.ReadAllText(md);
            Assert.That(report, Does.Contain("### LSTM").And.Contain("| 4 | 2 | ").And.Contain("| gemm.16x16x16 |"));
            Assert.That(File.ReadAllText(prefix + ".svg"), Does.StartWith("<svg").And.Contain("T=4 B=2"));
            Assert.That(File.ReadAllText(prefix + "-gflops.svg"), Does.StartWith("<svg").And.Contain("<polyline"));
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    /// <summary>With the TorchSharp peer set up (<c>bench/compare/torchsharp.sh setup</c> and <c>build</c>: a Debian 13 root
    /// and the built peer), the tiny cases gain a TorchSharp column with finite positive times. Skipped, with the reason,
    /// where the peer is not set up (a fresh clone: <c>./build.sh compare</c> sets it up).</summary>
    [Test]
    public void CompareScriptRunsTheTorchSharpPeerWhenItIsSetUp()
    {
        const string python = "/usr/bin/python3";
        string root = RepositoryRoot();
        string script = Path.Combine(root, "bench", "compare", "torchsharp.sh");
        if (Run("/bin/bash", $"\"{script}\" check", out _) != 0)
            Assert.Ignore("the TorchSharp peer is not set up here (needs root, the Debian 13 root and the built peer: ./build.sh compare makes them).");
        if (!File.Exists(python) || Run(python, "-c \"import torch\"", out _) != 0)
            Assert.Ignore("PyTorch is not installed (Debian's python3-torch), so the comparison cannot run here.");
        string cli = Path.Combine(AppContext.BaseDirectory, "SeqCore.Cli.dll");
        string outDir = Path.Combine(Path.GetTempPath(), "seqcore-compare-" + Guid.NewGuid().ToString("N"));
        try
        {
            int rc = Run(python, $"\"{Path.Combine(root, "bench", "compare", "compare.py")}\" --tiny --seqcore \"dotnet {cli}\" --torchsharp \"{script} run\" --out \"{outDir}\"", out string output);
            Assert.That(rc, Is.Zero, output);
            Assert.That(output, Does.Contain("TorchSharp ms").And.Contain("torchsharp-0.107"));
            string[] csv = File.ReadAllLines(Path.Combine(outDir, "compare.csv"));
            var header = csv[0].Split(',');
            foreach (string line in csv[1..])
            {
                double ms = double.Parse(CsvFields(line)[Array.IndexOf(header, "torchsharp_ms")], System.Globalization.CultureInfo.InvariantCulture);
                Assert.That(ms, Is.GreaterThan(0).And.LessThan(1e4), line);
            }
            Assert.That(File.ReadAllText(Path.Combine(outDir, "compare.svg")), Does.Contain("TorchSharp"));
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    /// <summary>The fields of one CSV line as Python's csv module writes it (a field with a comma is quoted).</summary>
    private static List<string> CsvFields(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }

    private static int Run(string file, string args, out string output)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        output += stderr.Result;
        return p.ExitCode;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SeqCore.sln"))) return dir.FullName;
        Assert.Fail("no SeqCore.sln above the test assembly");
        return "";
    }
}
