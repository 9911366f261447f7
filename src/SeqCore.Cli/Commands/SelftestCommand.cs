using System.CommandLine;
using System.Globalization;
using System.Numerics;
using SeqCore.Cli.Options;
using SeqCore.Cpu;
using SeqCore.Testing;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore selftest</c>: the backend checks a user can run where the code will run. <c>--backend cuda</c> runs the
/// GPU-versus-CPU parity suite (every implemented operation, float and double) and then the double gradient checks on
/// the GPU; <c>--backend cpu</c> runs the gradient checks on the CPU. Exit 0 when everything passes, 1 when anything
/// fails, 2 when the backend cannot be created (e.g. no CUDA device).
/// </summary>
internal static class SelftestCommand
{
    public static readonly TextOption Filter = new("--filter", "Run only the cases whose name contains this text (case-insensitive).");
    public static readonly FlagOption NoGradcheck = new("--no-gradcheck", "Skip the gradient checks (parity only).");

    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [CommonOptions.Backend, Filter, NoGradcheck, CommonOptions.Json];

    public static Command Create(CliIO io) => CliVerb.Create(io, "selftest", "selftest", "Check a backend where it runs: on a GPU, GPU-versus-CPU parity for every operation (float 1e-5, double 1e-12 relative; GEMM looser) and the double gradient checks on the GPU; on the CPU, the gradient checks.", AllOptions, (_, v) =>
        Execute(io, v.Get(CommonOptions.Backend), v.FindText(Filter), v.Get(NoGradcheck), v.Get(CommonOptions.Json)));

    private static int Execute(CliIO io, string backendName, string? filter, bool skipGradients, bool json)
    {
        var lines = new List<SelftestLine>();
        var console = json ? null : Output.Console(io.Out);
        bool Match(string name) => filter is null || name.Contains(filter, StringComparison.OrdinalIgnoreCase);
        void Report(SelftestLine line)
        {
            lines.Add(line);
            if (json) Output.WriteJsonLine(io.Out, line);
        }

        // The double backend decides: a GPU (cuda, or auto with one) gets the parity suite against the CPU first.
        using var checkedBackend = BackendOption.Open<double>(backendName); // cuda without a device: "No CUDA device: …" → exit 2 (CliApp)
        string deviceName = checkedBackend.Name;
        if (checkedBackend is not CpuBackend<double>)
        {
            using var gf = BackendOption.Open<float>("cuda");
            using var cf = BackendOption.Open<float>("cpu");
            using var cd = BackendOption.Open<double>("cpu");
            RunParity(gf, cf, "float", Match, Report);
            RunParity(checkedBackend, cd, "double", Match, Report);
        }
        if (!skipGradients) RunGradients(checkedBackend, Match, Report);

        if (console is not null)
        {
            var table = new Table().Title($"selftest on {Markup.Escape(deviceName)}").AddColumn("Check").AddColumn("Case").AddColumn("Result");
            foreach (var l in lines.Where(l => !l.Passed)) table.AddRow(Markup.Escape(l.Kind), Markup.Escape(l.Case), $"[red]FAILED[/] {Markup.Escape(l.Detail ?? "")}");
            if (table.Rows.Count > 0) console.Write(table);
            console.WriteLine($"{lines.Count(l => l.Passed)} of {lines.Count} checks passed on {deviceName}" +
                string.Concat(lines.GroupBy(l => l.Kind).Select(g => $"; {g.Key}: {g.Count(l => l.Passed)}/{g.Count()}")) + ".");
        }
        if (lines.Count == 0)
        {
            io.Error.WriteLine($"seqcore: selftest: --filter: no check contains '{filter}'.");
            return ExitCodes.Usage;
        }
        return lines.All(l => l.Passed) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static void RunParity<T>(IBackend<T> gpu, IBackend<T> cpu, string type, Func<string, bool> match, Action<SelftestLine> report)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var c in ParitySuite<T>.Cases.Where(c => match(c.Name)))
        {
            ParityResult r;
            try { r = ParitySuite<T>.Run(c, gpu, cpu); }
            catch (Exception e) when (e is NotSupportedException or SeqCore.Cuda.CudaException)
            {
                r = new ParityResult(c.Name, false, 0, -1, 0, 0, $"{e.GetType().Name}: {e.Message}");
            }
            report(new SelftestLine($"parity.{type}", c.Name, r.Passed, r.Passed ? null : r.Message));
        }
    }

    private static void RunGradients(IBackend<double> backend, Func<string, bool> match, Action<SelftestLine> report)
    {
        foreach (var g in GradientCases.All.Where(g => match(g.Name)))
        {
            try
            {
                var r = g.Run(backend);
                report(new SelftestLine("gradcheck", g.Name, r.Passed, r.Passed ? null : r.ToString()));
            }
            catch (NotSupportedException e) { report(new SelftestLine("gradcheck", g.Name, false, e.Message)); }
        }
    }

    private sealed record SelftestLine(string Kind, string Case, bool Passed, string? Detail)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind} {Case}: {(Passed ? "ok" : "FAILED " + Detail)}");
    }
}
