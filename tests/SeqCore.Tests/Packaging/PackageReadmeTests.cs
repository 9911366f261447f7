using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace SeqCore.Tests.Packaging;

/// <summary>
/// The package readmes (src/&lt;project&gt;/README.md, shown on each package's page, away from the repository): every
/// link is absolute, and the links into the repository name files that exist. The packed packages themselves are
/// checked by tests/SeqCore.PackageTests (run by <c>./build.sh pack</c>).
/// </summary>
public partial class PackageReadmeTests
{
    private static readonly string[] Packages = ["SeqCore", "SeqCore.Cuda", "SeqCore.Testing", "SeqCore.Cli"];

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [TestCaseSource(nameof(Packages))]
    public void Every_link_is_absolute_and_repository_links_name_existing_files(string package)
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "src", package, "README.md"));
        string repositoryUrl = RepositoryUrl(root);
        string blob = repositoryUrl + "/blob/main/";
        var links = MarkdownLink().Matches(readme).Select(m => m.Groups[1].Value).ToList();
        Assert.That(links, Is.Not.Empty, $"src/{package}/README.md has no links");
        foreach (string link in links)
        {
            Assert.That(link, Does.StartWith("https://"), $"src/{package}/README.md: '{link}' is not an absolute https link");
            if (!link.StartsWith(repositoryUrl, StringComparison.Ordinal)) continue;
            Assert.That(link, Does.StartWith(blob), $"src/{package}/README.md: '{link}' should point into {blob}");
            string file = link[blob.Length..].Split('#')[0];
            Assert.That(File.Exists(Path.Combine(root, file)), Is.True, $"src/{package}/README.md links to {file}, which is not in the repository");
        }
    }

    /// <summary>The one place the repository URL is set: SeqCoreRepositoryUrl in src/Directory.Build.props.</summary>
    private static string RepositoryUrl(string root)
    {
        var props = XDocument.Load(Path.Combine(root, "src", "Directory.Build.props"));
        string? url = props.Descendants("SeqCoreRepositoryUrl").Select(e => e.Value.Trim()).SingleOrDefault();
        Assert.That(url, Does.StartWith("https://github.com/"), "SeqCoreRepositoryUrl in src/Directory.Build.props");
        return url!.TrimEnd('/');
    }

    private static string RepositoryRoot()
    {
        string? dir = TestContext.CurrentContext.TestDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "SeqCore.sln"))) dir = Path.GetDirectoryName(dir);
        Assert.That(dir, Is.Not.Null, "repository root (the folder with SeqCore.sln)");
        return dir!;
    }
}
