using System.CommandLine;
using SeqCore.Cli;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Packaging;

/// <summary>The installed tool has no build script beside it: no help text of any verb points to build.sh or build.ps1.</summary>
public class ToolHelpTests
{
    [Test]
    public void No_help_text_names_the_build_scripts()
    {
        var paths = new List<string[]>();
        Collect(CliApp.BuildRoot(new CliIO(TextWriter.Null, TextWriter.Null)), [], paths);
        Assert.That(paths.Count, Is.GreaterThan(10), "verbs found");
        foreach (string[] path in paths)
        {
            var (code, stdout, stderr) = CliRunner.Run([.. path, "--help"]);
            string verb = string.Join(' ', ["seqcore", .. path]);
            Assert.That(code, Is.Zero, $"{verb} --help: {stderr}");
            Assert.That(stdout, Does.Not.Contain("build.sh").And.Not.Contain("build.ps1"), $"{verb} --help");
        }
    }

    private static void Collect(Command command, string[] path, List<string[]> paths)
    {
        paths.Add(path);
        foreach (var sub in command.Subcommands) Collect(sub, [.. path, sub.Name], paths);
    }
}
