using System.Text;
using System.Text.RegularExpressions;

namespace SeqCore.PackageTests;

/// <summary>
/// Each library package restores into a new console project (its own NuGet cache, the package folder its only source),
/// and the C# example of the package's own readme, as packed, builds and runs there with the output it promises.
/// </summary>
public partial class ScratchProjectTests
{
    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    // The readme examples' output: SeqCore's product, SeqCore.Cuda's sum on a GPU or the reason there is none,
    // SeqCore.Testing's gradient-check lines.
    [TestCase("SeqCore", @"^58, 64, 139, 154$")]
    [TestCase("SeqCore.Cuda", @"^(30|No CUDA device: .+)$")]
    [TestCase("SeqCore.Testing", @"^linear: worst relative error \S+ \(tolerance \S+\)$")]
    public void The_readme_example_builds_and_runs_against_the_package(string id, string expectedLine)
    {
        string packages = PackageFolder.Path, version = PackageFolder.Version;
        byte[]? readme = PackageFolder.Entry(PackageFolder.Nupkg(id), "README.md");
        Assert.That(readme, Is.Not.Null, $"{id}: README.md in the package");
        var block = CSharpBlock().Match(Encoding.UTF8.GetString(readme!).ReplaceLineEndings("\n"));
        Assert.That(block.Success, Is.True, $"{id}: the package readme has a ```csharp example");

        using var scratch = new Scratch(packages);
        string project = Directory.CreateDirectory(Path.Combine(scratch.Folder, "app")).FullName;
        File.WriteAllText(Path.Combine(project, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{id}" Version="[{version}]" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), block.Groups[1].Value);
        File.Copy(scratch.NuGetConfig, Path.Combine(project, "nuget.config"));

        var run = scratch.Dotnet(project, "run", "-c", "Release");
        Assert.That(run.Code, Is.Zero, run.Output);
        Assert.That(Regex.IsMatch(run.Output, expectedLine, RegexOptions.Multiline), Is.True,
            $"{id}: no output line matches {expectedLine}:\n{run.Output}");
        string restored = Path.Combine(scratch.Folder, "nuget-cache", id.ToLowerInvariant(), version.ToLowerInvariant());
        Assert.That(Directory.Exists(restored), Is.True, $"{id} {version} restored from {packages}");
        TestContext.Out.WriteLine($"{id} {version}: {run.Output.Trim()}");
    }
}
