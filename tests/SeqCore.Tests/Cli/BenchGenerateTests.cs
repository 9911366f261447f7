using System.Text.Json;
using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore bench generate</c> on tiny models: one JSON line per case with the fields the comparison script
/// reads, recurrent and transformer, one stream and several.</summary>
public class BenchGenerateTests
{
    [Test]
    public void Json_has_one_line_per_case_with_tokens_per_second_over_all_streams()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(["bench", "generate", "--arch", "lstm,transformer", "--vocab", "11", "--embed", "8", "--hidden", "6", "--heads", "2",
            "--context", "16", "--prompt", "3", "--tokens", "5", "--streams", "1,3", "--threads", "1", "--repeat", "3", "--json"], stdout, stderr);
        Assert.That(code, Is.EqualTo(0), stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(4));
        var cases = lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.That(cases.Select(c => c.GetProperty("case").GetString()), Is.EqualTo(new[]
        {
            "generate.lstm.L1.V11.E8.H6.P3.N5.B1.float.t1", "generate.lstm.L1.V11.E8.H6.P3.N5.B3.float.t1",
            "generate.transformer.L1.V11.E8.h2.P3.N5.B1.float.t1", "generate.transformer.L1.V11.E8.h2.P3.N5.B3.float.t1",
        }));
        foreach (var r in cases)
        {
            double ms = r.GetProperty("median_ms").GetDouble();
            Assert.That(ms, Is.GreaterThan(0));
            Assert.That(r.GetProperty("tokens_per_s").GetDouble(), Is.EqualTo(5 * r.GetProperty("streams").GetInt32() / (ms * 1e-3)).Within(1e-6).Percent);
            Assert.That(r.GetProperty("suite").GetString(), Is.EqualTo("generate"));
        }
    }
}
