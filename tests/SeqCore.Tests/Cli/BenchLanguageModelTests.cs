using System.Text.Json;
using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary><c>seqcore bench lm</c> on a tiny model: one JSON line per case with the fields the comparison script reads.</summary>
public class BenchLanguageModelTests
{
    [Test]
    public void Json_has_one_line_per_case_with_timings_and_flops()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(["bench", "lm", "--arch", "lstm,gru", "--layers", "2", "--vocab", "7", "--embed", "6", "--hidden", "5",
            "--seq", "3", "--batch", "2", "--threads", "1", "--repeat", "3", "--json"], stdout, stderr);
        Assert.That(code, Is.EqualTo(0), stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2));
        using var doc = JsonDocument.Parse(lines[1]);
        var r = doc.RootElement;
        Assert.That(r.GetProperty("suite").GetString(), Is.EqualTo("lm"));
        Assert.That(r.GetProperty("case").GetString(), Is.EqualTo("lm.gru.L2.V7.E6.H5.T3.B2.float.t1"));
        Assert.That(r.GetProperty("median_ms").GetDouble(), Is.GreaterThan(0));
        Assert.That(r.GetProperty("forward_ms").GetDouble(), Is.GreaterThan(0));
        Assert.That(r.GetProperty("tokens_per_s").GetDouble(), Is.EqualTo(6 / (r.GetProperty("median_ms").GetDouble() * 1e-3)).Within(1e-6).Percent);
        Assert.That(r.GetProperty("repeat").GetInt32(), Is.EqualTo(3));
    }

    [Test]
    public void A_transformer_case_is_named_by_its_heads_and_counts_its_flops()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // Two hidden widths and one head count: the recurrent case runs twice, the transformer (no hidden width) once.
        int code = CliApp.Run(["bench", "lm", "--arch", "transformer,lstm", "--layers", "2", "--vocab", "7", "--embed", "8", "--heads", "2",
            "--hidden", "5,6", "--seq", "4", "--batch", "3", "--threads", "1", "--repeat", "3", "--json"], stdout, stderr);
        Assert.That(code, Is.EqualTo(0), stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var cases = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("case").GetString()).ToList();
        Assert.That(cases, Is.EqualTo(new[] { "lm.transformer.L2.V7.E8.h2.T4.B3.float.t1", "lm.lstm.L2.V7.E8.H5.T4.B3.float.t1", "lm.lstm.L2.V7.E8.H6.T4.B3.float.t1" }));
        using var doc = JsonDocument.Parse(lines[0]);
        var r = doc.RootElement;
        // 3 × tokens × (layers × (24·E² + 2·T·E) + 2·E·V) FLOPs in median_ms.
        double flops = 3.0 * 12 * (2 * (24 * 64 + 2 * 4 * 8) + 2 * 8 * 7);
        Assert.That(r.GetProperty("gflops").GetDouble(), Is.EqualTo(flops / (r.GetProperty("median_ms").GetDouble() * 1e-3) / 1e9).Within(1e-6).Percent);
    }

    [Test]
    public void An_unknown_architecture_is_a_usage_error()
    {
        var stderr = new StringWriter();
        int code = CliApp.Run(["bench", "lm", "--arch", "mamba"], new StringWriter(), stderr);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(stderr.ToString(), Does.Contain("mamba"));
    }
}
