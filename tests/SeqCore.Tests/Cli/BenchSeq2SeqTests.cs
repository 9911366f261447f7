using System.Text.Json;
using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore bench seq2seq</c> on a tiny transformer: one JSON line per case with the fields the comparison script reads.</summary>
public class BenchSeq2SeqTests
{
    [Test]
    public void Json_has_one_line_per_case_with_timings_target_tokens_and_flops()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(["bench", "seq2seq", "--layers", "1,2", "--vocab", "13", "--embed", "8", "--heads", "2", "--ff", "16",
            "--source", "5", "--target", "4", "--batch", "3", "--threads", "1", "--repeat", "3", "--json"], stdout, stderr);
        Assert.That(code, Is.EqualTo(0), stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2));
        using var doc = JsonDocument.Parse(lines[1]);
        var r = doc.RootElement;
        Assert.That(r.GetProperty("suite").GetString(), Is.EqualTo("seq2seq"));
        Assert.That(r.GetProperty("case").GetString(), Is.EqualTo("seq2seq.transformer.L2+2.V13.E8.h2.F16.S5.T4.B3.float.t1"));
        double ms = r.GetProperty("median_ms").GetDouble();
        Assert.That(ms, Is.GreaterThan(0));
        Assert.That(r.GetProperty("forward_ms").GetDouble(), Is.GreaterThan(0));
        Assert.That(r.GetProperty("tokens_per_s").GetDouble(), Is.EqualTo(12 / (ms * 1e-3)).Within(1e-6).Percent, "B·T target tokens");
        Assert.That(r.GetProperty("repeat").GetInt32(), Is.EqualTo(3));
        Assert.That(r.GetProperty("allocated_bytes_per_step").GetInt64(), Is.Zero, "a steady-state step allocates nothing");
    }

    [Test]
    public void Heads_that_do_not_divide_the_width_are_a_usage_error()
    {
        var stderr = new StringWriter();
        int code = CliApp.Run(["bench", "seq2seq", "--embed", "10", "--heads", "4"], new StringWriter(), stderr);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(stderr.ToString(), Does.Contain("--embed 10").And.Contain("--heads 4"));
    }
}
