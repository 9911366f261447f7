using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Gradients;
using SeqCore.Testing;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore gradcheck</c>: runs the built-in gradient checks (the same cases as the test suite) in double and
/// reports each case's worst relative error; exits 1 if any case fails.
/// </summary>
internal static class GradcheckCommand
{
    public static readonly TextOption Filter = new("--filter", "Run only the cases whose name contains this text (case-insensitive), e.g. 'lstm.peephole'.");
    public static readonly FlagOption List = new("--list", "Print the case names and exit.");

    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [Filter, CommonOptions.Backend, List, CommonOptions.Json];

    public static Command Create(CliIO io) => CliVerb.Create(io, "gradcheck", "gradcheck", "Compare every layer's analytic gradients with central finite differences in double: max relative error |a−n|/max(|a|,|n|,1e-8) per case, tolerance 1e-6.", AllOptions, (_, v) =>
        Execute(io, v.FindText(Filter), v.Get(CommonOptions.Backend), v.Get(List), v.Get(CommonOptions.Json)));

    private static int Execute(CliIO io, string? filter, string backendName, bool list, bool json)
    {
        var cases = GradientCases.Matching(filter).ToList();
        if (cases.Count == 0)
            return UsageError(io, $"--filter: no gradient case contains '{filter}'; 'seqcore gradcheck --list' shows the names.");
        if (list)
        {
            foreach (var c in cases) io.Out.WriteLine(c.Name);
            return ExitCodes.Ok;
        }
        using var backend = BackendOption.Open<double>(backendName);
        var results = new List<GradientCheckResult>();
        var console = json ? null : Output.Console(io.Out);
        var table = new Table().Title($"Gradient checks on {backend.Name} (double)")
            .AddColumn("Case").AddColumn("Max rel. error", c => c.RightAligned()).AddColumn("Worst element").AddColumn("Result");
        foreach (var c in cases)
        {
            GradientCheckResult r;
            try { r = c.Run(backend); }
            catch (NotSupportedException e)
            {
                // An operation this backend does not have yet: the case fails, the others still run.
                io.Error.WriteLine($"seqcore: gradcheck: {c.Name}: {e.Message}");
                r = new GradientCheckResult(c.Name, 1e-6, []);
            }
            results.Add(r);
            var w = r.Worst;
            if (json)
                Output.WriteJsonLine(io.Out, new GradcheckLine(r.Case, r.MaxRelativeError, r.Tolerance, r.Passed,
                    w?.Name, w?.WorstIndex, w?.Analytic, w?.Numeric, r.Tensors.Sum(t => t.CheckedElements)));
            else
                table.AddRow(Markup.Escape(r.Case), r.MaxRelativeError.ToString("E2", CultureInfo.InvariantCulture),
                    Markup.Escape(w is null ? "-" : $"{w.Name}[{w.WorstIndex}]"), r.Passed ? "ok" : "[red]FAILED[/]");
        }
        if (console is not null)
        {
            console.Write(table);
            console.WriteLine($"{results.Count(r => r.Passed)} of {results.Count} cases passed.");
        }
        foreach (var r in results.Where(r => !r.Passed)) io.Error.WriteLine($"seqcore: gradcheck: {r}");
        return results.All(r => r.Passed) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static int UsageError(CliIO io, string message)
    {
        io.Error.WriteLine($"seqcore: gradcheck: {message}");
        return ExitCodes.Usage;
    }

    private sealed record GradcheckLine(string Case, double MaxRelError, double Tolerance, bool Passed,
        string? WorstTensor, long? WorstIndex, double? Analytic, double? Numeric, int CheckedElements);
}
