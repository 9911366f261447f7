using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace SeqCore.PackageTests;

/// <summary>
/// The folder <c>./build.sh pack</c> wrote (named by the environment variable SEQCORE_PACKAGES) and the version of its
/// packages. Tests are ignored when the variable is not set, so a plain test run skips them.
/// </summary>
internal static partial class PackageFolder
{
    public const string Variable = "SEQCORE_PACKAGES";

    /// <summary>The library packages; the tool is <see cref="Tool"/>.</summary>
    public static readonly string[] Libraries = ["SeqCore", "SeqCore.Cuda", "SeqCore.Testing"];

    public const string Tool = "SeqCore.Cli";

    public static readonly string[] All = [.. Libraries, Tool];

    [GeneratedRegex(@"^SeqCore\.Cli\.(\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)\.nupkg$")]
    private static partial Regex ToolFileName();

    /// <summary>The folder, or the test is ignored when SEQCORE_PACKAGES is unset.</summary>
    public static string Path
    {
        get
        {
            string? path = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrEmpty(path)) Assert.Ignore($"{Variable} is not set: './build.sh pack' runs these tests on the packages it makes.");
            Assert.That(Directory.Exists(path), Is.True, $"{Variable}={path} is not a folder");
            return System.IO.Path.GetFullPath(path!);
        }
    }

    /// <summary>The version of this pack: the tool package's (every package must have it).</summary>
    public static string Version
    {
        get
        {
            var versions = Directory.GetFiles(Path, "SeqCore.Cli.*.nupkg")
                .Select(f => ToolFileName().Match(System.IO.Path.GetFileName(f)))
                .Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
            Assert.That(versions, Has.Count.EqualTo(1), $"exactly one SeqCore.Cli package in {Path}");
            return versions[0];
        }
    }

    public static string Nupkg(string id) => File(id, "nupkg");

    public static string Snupkg(string id) => File(id, "snupkg");

    private static string File(string id, string extension)
    {
        string file = System.IO.Path.Combine(Path, $"{id}.{Version}.{extension}");
        Assert.That(System.IO.File.Exists(file), Is.True, $"{file} is missing");
        return file;
    }

    /// <summary>The package's .nuspec.</summary>
    public static XElement Nuspec(string id)
    {
        using var zip = ZipFile.OpenRead(Nupkg(id));
        var entry = zip.GetEntry($"{id}.nuspec");
        Assert.That(entry, Is.Not.Null, $"{id}.nuspec in the package");
        using var stream = entry!.Open();
        return XDocument.Load(stream).Root!;
    }

    /// <summary>A file of a package (or symbol package), or null when absent.</summary>
    public static byte[]? Entry(string packageFile, string entryPath)
    {
        using var zip = ZipFile.OpenRead(packageFile);
        var entry = zip.GetEntry(entryPath);
        if (entry is null) return null;
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The repository root (the folder with SeqCore.sln above the test's folder).</summary>
    public static string RepositoryRoot()
    {
        string? dir = TestContext.CurrentContext.TestDirectory;
        while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir, "SeqCore.sln"))) dir = System.IO.Path.GetDirectoryName(dir);
        Assert.That(dir, Is.Not.Null, "repository root (the folder with SeqCore.sln)");
        return dir!;
    }
}
