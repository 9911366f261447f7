using SeqCore.Cpu;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Tests;

/// <summary>
/// Keeps the README's library example honest: the code between the markers below is compiled and run here,
/// and README.md must contain exactly that code (dedented) in a C# block. Change both together.
/// </summary>
public class ReadmeExampleTests
{
    private const string Begin = "// README-EXAMPLE-BEGIN";
    private const string End = "// README-EXAMPLE-END";
    private const string LstmBegin = "// README-LSTM-BEGIN";
    private const string LstmEnd = "// README-LSTM-END";

    private static float[] RunExample()
    {
        // README-EXAMPLE-BEGIN
        using var cpu = new CpuBackend<float>();
        using var a = cpu.FromHost([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);     // A: 2×3, row-major
        using var b = cpu.FromHost([7f, 8f, 9f, 10f, 11f, 12f], 3, 2);  // B: 3×2
        using var c = cpu.Allocate(2, 2);                               // C: 2×2, zero-filled
        cpu.MatMul(a, b, c);                                            // C = A·B
        float[] result = cpu.ToArray(c);                                // [58, 64, 139, 154]
        // README-EXAMPLE-END
        return result;
    }

    private static (float[] Output, string[] Names, double GradientNorm) RunLstmExample()
    {
        // README-LSTM-BEGIN
        using var cpu = new CpuBackend<float>();
        var options = new RecurrentOptions { Cell = CellKind.Lstm, InputSize = 8, HiddenSize = 16, Layers = 2, Bidirectional = true };
        using var lstm = new RecurrentLayer<float>(cpu, options, new RandomStream(1));  // PyTorch-style init
        using var x = cpu.Allocate(5, 3, 8);                  // [T, B, I]: 5 steps, a batch of 3
        cpu.FillNormal(new RandomStream(2), 0f, 1f, x);
        using var y = cpu.Allocate(5, 3, lstm.OutputSize);    // [T, B, 2·16]: both directions
        int[] lengths = [5, 2, 4];                            // ragged: outputs past each end are 0
        lstm.Forward(x, lengths, null, null, y, null, null);  // no initial or final states
        using var dy = cpu.Allocate(5, 3, lstm.OutputSize);   // dLoss/dy from the layer above
        cpu.Fill(1f, dy);
        lstm.Backward(dy, null, null, null, null, null);      // accumulates every parameter's gradient
        foreach (var p in lstm.Parameters)                    // weight_ih_l0, …, bias_hh_l1_reverse
            Console.WriteLine($"{p.Name} {p.Value.ShapeText} |grad|² = {cpu.SumOfSquares(p.Gradient):G3}");
        // README-LSTM-END
        return (cpu.ToArray(y), lstm.Parameters.Select(p => p.Name).ToArray(), lstm.Parameters.Sum(p => cpu.SumOfSquares(p.Gradient)));
    }

    [Test]
    public void LstmExampleRunsAForwardAndBackwardPass()
    {
        var (y, names, norm) = RunLstmExample();
        // Sequence 1 has length 2: its outputs at t = 2..4 (32 values each) are zero; at t = 0 they are not.
        for (int t = 2; t < 5; t++) Assert.That(y.Skip((t * 3 + 1) * 32).Take(32), Is.All.EqualTo(0f), $"t={t}");
        Assert.That(y.Skip(1 * 32).Take(32), Has.Some.Not.EqualTo(0f));
        Assert.That(names, Has.Length.EqualTo(16).And.Contains("weight_hh_l1_reverse"));
        Assert.That(norm, Is.GreaterThan(0));
    }

    [Test]
    public void ReadmeShowsExactlyTheTestedLstmExample()
    {
        string root = RepositoryRoot();
        string source = Normalize(File.ReadAllText(Path.Combine(root, "tests", "SeqCore.Tests", "ReadmeExampleTests.cs")));
        string readme = Normalize(File.ReadAllText(Path.Combine(root, "README.md")));
        string example = Extract(source, LstmBegin, LstmEnd);
        Assert.That(readme, Does.Contain("```csharp\n" + example + "\n```"),
            $"README.md must contain this block verbatim (copy it from ReadmeExampleTests.cs):\n{example}");
    }

    [Test]
    public void ExampleComputesTheProduct()
    {
        // By hand: [1 2 3; 4 5 6]·[7 8; 9 10; 11 12] = [1·7+2·9+3·11, 1·8+2·10+3·12; 4·7+5·9+6·11, 4·8+5·10+6·12].
        Assert.That(RunExample(), Is.EqualTo(new[] { 58f, 64f, 139f, 154f }));
    }

    [Test]
    public void ReadmeShowsExactlyTheTestedExample()
    {
        string root = RepositoryRoot();
        string source = Normalize(File.ReadAllText(Path.Combine(root, "tests", "SeqCore.Tests", "ReadmeExampleTests.cs")));
        string readme = Normalize(File.ReadAllText(Path.Combine(root, "README.md")));
        string example = Extract(source, Begin, End);
        Assert.That(example, Does.Contain("cpu.MatMul(a, b, c);"), "the markers enclose the example");
        Assert.That(readme, Does.Contain("```csharp\n" + example + "\n```"),
            $"README.md must contain this block verbatim (copy it from ReadmeExampleTests.cs):\n{example}");
    }

    /// <summary>The lines strictly between the marker lines, with their common indentation removed.</summary>
    private static string Extract(string source, string beginMarker, string endMarker)
    {
        var all = source.Split('\n');
        int begin = Array.FindIndex(all, l => l.Trim() == beginMarker);
        int end = Array.FindIndex(all, l => l.Trim() == endMarker);
        Assert.That(begin, Is.GreaterThanOrEqualTo(0), $"no line '{beginMarker}'");
        Assert.That(end, Is.GreaterThan(begin), $"no line '{endMarker}' after '{beginMarker}'");
        var lines = all[(begin + 1)..end];
        int indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart(' ').Length);
        return string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..].TrimEnd() : l.TrimEnd()));
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    /// <summary>The directory above the test assembly that holds README.md and SeqCore.sln.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && File.Exists(Path.Combine(dir.FullName, "SeqCore.sln")))
                return dir.FullName;
        Assert.Fail($"No directory above {AppContext.BaseDirectory} holds both README.md and SeqCore.sln.");
        return "";
    }
}
