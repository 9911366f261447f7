using SeqCore.Cpu;

namespace SeqCore.Tests;

/// <summary>
/// Keeps the README's library example honest: the code between the markers below is compiled and run here,
/// and README.md must contain exactly that code (dedented) in a C# block. Change both together.
/// </summary>
public class ReadmeExampleTests
{
    private const string Begin = "// README-EXAMPLE-BEGIN";
    private const string End = "// README-EXAMPLE-END";

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
        string example = Extract(source);
        Assert.That(example, Does.Contain("cpu.MatMul(a, b, c);"), "the markers enclose the example");
        Assert.That(readme, Does.Contain("```csharp\n" + example + "\n```"),
            $"README.md must contain this block verbatim (copy it from ReadmeExampleTests.cs):\n{example}");
    }

    /// <summary>The lines strictly between the marker lines, with their common indentation removed.</summary>
    private static string Extract(string source)
    {
        var all = source.Split('\n');
        int begin = Array.FindIndex(all, l => l.Trim() == Begin);
        int end = Array.FindIndex(all, l => l.Trim() == End);
        Assert.That(begin, Is.GreaterThanOrEqualTo(0), $"no line '{Begin}'");
        Assert.That(end, Is.GreaterThan(begin), $"no line '{End}' after '{Begin}'");
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
