using System.Diagnostics;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SeqCore.Tests.Docs;

/// <summary>
/// Docs that cannot rot: every fenced <c>```csharp</c> block of README.md and docs/*.md is a complete program (top-level
/// statements with all its SeqCore usings; the implicit usings of a <c>dotnet new console</c> project — System,
/// System.IO, System.Linq, System.Collections.Generic, System.Net.Http, System.Threading, System.Threading.Tasks — are
/// given, as in the project a user pastes it into). Each is compiled here against the built SeqCore assemblies and run as its own
/// process in a scratch folder whose <c>data/</c> and <c>tests/</c> are the repository's. A line comment <c>// prints: TEXT</c> in a block
/// is checked: the output must contain TEXT. Code that is not meant to compile goes in a <c>```text</c> block.
/// </summary>
[TestFixture]
[Category("Docs")]
public class DocExamplesTests
{
    private const string PrintsMarker = "// prints: ";

    /// <summary>What <c>ImplicitUsings</c> gives a console project (Microsoft.NET.Sdk).</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>A C# block: the file, the line of its opening fence, and its code.</summary>
    public sealed record DocExample(string File, int Line, string Code)
    {
        /// <inheritdoc/>
        public override string ToString() => $"{File}:{Line}";
    }

    public static IEnumerable<TestCaseData> Examples() =>
        FindExamples(RepositoryRoot()).Select(e => new TestCaseData(e).SetName($"Doc example {e}"));

    [Test]
    public void The_docs_have_csharp_examples()
    {
        var examples = FindExamples(RepositoryRoot()).ToList();
        Assert.That(examples.Select(e => e.File), Does.Contain("README.md"));
        Assert.That(examples, Has.Count.GreaterThanOrEqualTo(5));
    }

    [TestCaseSource(nameof(Examples))]
    public void Compiles_and_runs(DocExample example)
    {
        string root = RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), $"seqcore-doc-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            string app = Path.Combine(work, "bin");
            Directory.CreateDirectory(app);
            Compile(example, Path.Combine(app, "example.dll"));
            // Relative paths resolve as from the repository root: data/ and tests/ (the golden files) are linked in.
            File.CreateSymbolicLink(Path.Combine(work, "data"), Path.Combine(root, "data"));
            File.CreateSymbolicLink(Path.Combine(work, "tests"), Path.Combine(root, "tests"));
            var (code, output) = RunApp(Path.Combine(app, "example.dll"), work, TimeSpan.FromMinutes(3));
            TestContext.Out.WriteLine(output);
            Assert.That(code, Is.EqualTo(0), $"{example} exited with {code}:\n{output}");
            foreach (string expected in ExpectedOutputs(example.Code))
                Assert.That(output, Does.Contain(expected), $"{example}: the output lacks '{expected}' (from a '{PrintsMarker.Trim()}' comment)");
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Every <c>```csharp</c> block of README.md and docs/*.md, in file order.</summary>
    internal static IEnumerable<DocExample> FindExamples(string root)
    {
        var files = new List<string> { Path.Combine(root, "README.md") };
        files.AddRange(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal));
        foreach (string file in files)
        {
            string[] lines = File.ReadAllText(file).Replace("\r\n", "\n").Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```csharp") continue;
                int start = i;
                var code = new StringBuilder();
                for (i++; i < lines.Length && lines[i].Trim() != "```"; i++) code.Append(lines[i]).Append('\n');
                yield return new DocExample(Path.GetRelativePath(root, file).Replace('\\', '/'), start + 1, code.ToString());
            }
        }
    }

    private static IEnumerable<string> ExpectedOutputs(string code) =>
        code.Split('\n').Select(l => l.IndexOf(PrintsMarker, StringComparison.Ordinal) is var at and >= 0 ? l[(at + PrintsMarker.Length)..].Trim() : null)
            .Where(s => !string.IsNullOrEmpty(s))!;

    /// <summary>Compiles the block as a console program against the framework and the SeqCore assemblies next to the
    /// tests, and copies those assemblies beside it so it runs on its own.</summary>
    private static void Compile(DocExample example, string outputPath)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var tree = CSharpSyntaxTree.ParseText(example.Code, parse, path: example.ToString());
        var implicitUsings = CSharpSyntaxTree.ParseText(ImplicitUsings, parse, path: "ImplicitUsings.g.cs");
        string[] seqcore = ["SeqCore.dll", "SeqCore.Cuda.dll", "SeqCore.Testing.dll"];
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Concat(seqcore.Select(f => Path.Combine(AppContext.BaseDirectory, f)))
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("example", [implicitUsings, tree], references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: false));
        var result = compilation.Emit(outputPath);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.That(result.Success, Is.True, $"{example} does not compile as written:\n{string.Join("\n", errors)}\n--- code ---\n{example.Code}");
        string dir = Path.GetDirectoryName(outputPath)!;
        foreach (string f in seqcore) File.Copy(Path.Combine(AppContext.BaseDirectory, f), Path.Combine(dir, f));
        File.WriteAllText(Path.ChangeExtension(outputPath, ".runtimeconfig.json"),
            "{\"runtimeOptions\":{\"tfm\":\"net" + $"{Environment.Version.Major}.{Environment.Version.Minor}" +
            "\",\"framework\":{\"name\":\"Microsoft.NETCore.App\",\"version\":\"" + Environment.Version + "\"}}}");
    }

    private static (int Code, string Output) RunApp(string dll, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(DotnetHost(), [dll])
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{dll} ran longer than {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The dotnet host that runs these tests (DOTNET_HOST_PATH is set by the SDK), else "dotnet" on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
        : "dotnet";

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && File.Exists(Path.Combine(dir.FullName, "SeqCore.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No directory above {AppContext.BaseDirectory} holds both README.md and SeqCore.sln.");
    }
}
