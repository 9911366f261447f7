using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary>docs/options.md is what <c>seqcore options</c> generates from the declarations.</summary>
public class OptionReferenceTests
{
    [Test]
    public void The_committed_option_reference_is_current()
    {
        var stdout = new StringWriter();
        Assert.That(CliApp.Run(["options"], stdout, new StringWriter()), Is.Zero);
        string dir = TestContext.CurrentContext.TestDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "SeqCore.sln"))) dir = Path.GetDirectoryName(dir)!;
        Assert.That(dir, Is.Not.Null, "repository root");
        string committed = File.ReadAllText(Path.Combine(dir!, "docs", "options.md"));
        Assert.That(committed, Is.EqualTo(stdout.ToString()), "docs/options.md is stale: run ./build.sh run -- options > docs/options.md");
        Assert.That(committed, Does.Contain("| `--seed` | integer in [0, 2^64 − 1] |").And.Contain("| `--time` | duration"));
    }
}
