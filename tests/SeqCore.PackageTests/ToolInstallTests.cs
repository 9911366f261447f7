using System.Text.Json;

namespace SeqCore.PackageTests;

/// <summary>The tool package installs with <c>dotnet tool install --tool-path</c> and its <c>seqcore</c> command runs.</summary>
public class ToolInstallTests
{
    [Test]
    public void The_tool_installs_from_the_package_folder_and_seqcore_info_reports_the_package_version()
    {
        string packages = PackageFolder.Path, version = PackageFolder.Version;
        using var scratch = new Scratch(packages);
        string tools = Path.Combine(scratch.Folder, "tools");
        var install = scratch.Dotnet(scratch.Folder, "tool", "install", PackageFolder.Tool, "--tool-path", tools,
            "--version", version, "--configfile", scratch.NuGetConfig);
        Assert.That(install.Code, Is.Zero, install.Output);

        string seqcore = Path.Combine(tools, OperatingSystem.IsWindows() ? "seqcore.exe" : "seqcore");
        var info = scratch.Run(seqcore, scratch.Folder, "info", "--json");
        Assert.That(info.Code, Is.Zero, info.Output);
        using var json = JsonDocument.Parse(info.Output);
        Assert.That(json.RootElement.GetProperty("version").GetString(), Is.EqualTo(version), "seqcore info --json: version");

        var help = scratch.Run(seqcore, scratch.Folder, "--help");
        Assert.That(help.Code, Is.Zero, help.Output);
        Assert.That(help.Output, Does.Contain("seqcore").And.Not.Contain("build.sh").And.Not.Contain("build.ps1"));
        TestContext.Out.WriteLine($"installed {PackageFolder.Tool} {version}; seqcore info --json reports {version}");
    }
}
