using System.Text.Json;
using SeqCore.Cli;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore bench mha</c> run in-process on tiny shapes.</summary>
public class BenchAttentionTests
{
    [Test]
    public void JsonPrintsOneLinePerCaseWithNoAllocationPerStep()
    {
        var (code, stdout, stderr) = Run("bench", "mha", "--seq", "5,9", "--batch", "2", "--embed", "8", "--heads", "2", "--type", "float,double", "--threads", "1", "--repeat", "2", "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(4));
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            Assert.That(r.GetProperty("case").GetString(), Does.StartWith("mha.T").And.Contain(".causal."));
            Assert.That(r.GetProperty("median_ms").GetDouble(), Is.GreaterThan(0));
            Assert.That(r.GetProperty("forward_ms").GetDouble(), Is.GreaterThan(0));
            Assert.That(r.GetProperty("allocated_bytes_per_step").GetInt64(), Is.EqualTo(0), line);
        }
    }

    [Test]
    public void EmbedNotDivisibleByHeadsIsAUsageError()
    {
        var (code, _, stderr) = Run("bench", "mha", "--embed", "10", "--heads", "4");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(stderr, Does.Contain("--embed 10").And.Contain("--heads 4"));
    }

    [Test]
    public void HelpListsTheOptions()
    {
        var (code, stdout, _) = Run("bench", "mha", "--help");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("--seq").And.Contain("--heads").And.Contain("--no-causal").And.Contain("--json"));
    }
}
