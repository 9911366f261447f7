using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Benchmarks;
using SeqCore.Cli.Options;
using SeqCore.Diagnostics;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench gemm</c>: times <c>IBackend.Gemm</c> on the CPU backend against the measured FMA peak.</summary>
internal static class BenchGemmCommand
{
    public static readonly IntListOption M = new("--m", "Rows of C and op(A); a comma list runs each value.", [512]);
    public static readonly IntListOption N = new("--n", "Columns of C and op(B); a comma list runs each value.", [512]);
    public static readonly IntListOption K = new("--k", "Inner dimension; a comma list runs each value.", [512]);
    public static readonly TextOption Shapes = new("--shapes", "Shapes as MxNxK, comma-separated (e.g. 1024x1024x1024,32x1024x256); replaces --m/--n/--k.", valueName: "MxNxK[,...]");
    /// <summary>One thread by default: the % of peak compares with the single-core peak.</summary>
    public static readonly IntListOption Threads = new("--threads", "Threads for the CPU backend; 0 or 'all' = every core; a comma list runs each value.", [1], "all");
    public static readonly FlagOption TransA = new("--transA", "Use A transposed (A is stored k×m); alias --trans-a.");
    public static readonly FlagOption TransB = new("--transB", "Use B transposed (B is stored n×k); alias --trans-b.");
    public static readonly IntOption Repeat = new("--repeat", $"Timed runs per case after the warm-up (0.2 to 2 s, until the JIT is done); default: enough for about {GemmRunner.TargetTime.TotalSeconds:0.#} s, at least {GemmRunner.MinRepeat}. Products under 50 µs are timed in batches of calls per run.", null);
    public static readonly ChoiceListOption Tf32 = new("--tf32", "cuda only: let cuBLAS use TF32 tensor cores for float; 'off,on' runs both.", ["off", "on"], ["off"]);

    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [M, N, K, Shapes, Threads, BenchCommand.Type, TransA, TransB, Repeat, CommonOptions.Json, CommonOptions.Backend, Tf32];

    static BenchGemmCommand()
    {
        TransA.Symbol.Aliases.Add("--trans-a");
        TransB.Symbol.Aliases.Add("--trans-b");
    }

    public static Command Create(CliIO io) => BenchCommand.Verb(io, "gemm",
        "Time C = op(A)·op(B) on the CPU backend: median and best time, GFLOP/s (2·m·n·k / median) and % of the measured FMA peak (single-core peak × threads). A sample of C is checked against a double-precision reference.",
        AllOptions, v => Execute(io, Cases(v), v.Find(Repeat), v.Get(CommonOptions.Json)));

    private static List<GemmCase> Cases(OptionValues v)
    {
        var sizes = v.FindText(Shapes) is { } shapes ? ParseShapes(shapes) :
            (from mm in M.Values(v) from nn in N.Values(v) from kk in K.Values(v) select (mm, nn, kk)).ToArray();
        string be = BackendOption.Resolve(v.Get(CommonOptions.Backend));
        bool transA = v.Get(TransA), transB = v.Get(TransB);
        IReadOnlyList<int> threads = be == "cuda" ? [0] : Threads.Values(v);
        IReadOnlyList<string> tf32 = be == "cuda" ? Tf32.Values(v) : ["off"];
        return (from t in BenchCommand.Type.Values(v)
                from s in sizes
                from th in threads
                from tf in tf32
                select new GemmCase(t, s.Item1, s.Item2, s.Item3, transA, transB, th == 0 ? Environment.ProcessorCount : th, be, tf == "on")).ToList();
    }

    private static int Execute(CliIO io, List<GemmCase> cases, int? repeat, bool json)
    {
        var results = new List<GemmResult>();
        if (json)
        {
            foreach (var c in cases)
            {
                var r = GemmRunner.Run(c, repeat);
                results.Add(r);
                Output.WriteJsonLine(io.Out, r);
            }
        }
        else
        {
            var console = Output.Console(io.Out);
            var table = new Table().Title(cases.Any(c => c.Backend == "cuda") ? "GEMM on the CUDA backend (cuBLAS, CUDA events)" : "GEMM on the CPU backend")
                .AddColumn("Case").AddColumn("Threads", c => c.RightAligned()).AddColumn("Runs", c => c.RightAligned())
                .AddColumn("Median ms", c => c.RightAligned()).AddColumn("Min ms", c => c.RightAligned())
                .AddColumn("GFLOP/s", c => c.RightAligned()).AddColumn("% of peak", c => c.RightAligned()).AddColumn("Check");
            void Add(GemmResult r) => table.AddRow(
                Markup.Escape(r.Case), r.Threads.ToString(CultureInfo.InvariantCulture), r.Batch == 1 ? r.Repeat.ToString(CultureInfo.InvariantCulture) : $"{r.Repeat}×{r.Batch}",
                Output.Sig3(r.MedianMs), Output.Sig3(r.MinMs), Output.Sig3(r.Gflops), Output.Sig3(r.PeakPct),
                r.Check == "ok" ? "ok" : "[red]FAILED[/]");
            if (console.Profile.Capabilities.Interactive)
            {
                console.Live(table).Start(ctx =>
                {
                    foreach (var c in cases)
                    {
                        var r = GemmRunner.Run(c, repeat);
                        results.Add(r);
                        Add(r);
                        ctx.Refresh();
                    }
                });
            }
            else
            {
                foreach (var c in cases) { var r = GemmRunner.Run(c, repeat); results.Add(r); Add(r); }
                console.Write(table);
            }
            var peaks = cases.Where(c => c.Backend == "cpu").Select(c => c.Type).Distinct().Select(t =>
                $"{t} {Output.Sig3(t == "float" ? FmaPeak.SingleCore<float>().GflopsPerCore : FmaPeak.SingleCore<double>().GflopsPerCore)}");
            if (peaks.Any()) console.WriteLine($"Peak per core (FmaPeak, 1 thread): {string.Join(", ", peaks)} GFLOP/s; % of peak = GFLOP/s ÷ (peak × threads).");
        }

        var failed = results.Where(r => r.Check != "ok").ToList();
        foreach (var r in failed)
            io.Error.WriteLine($"seqcore: bench gemm: {r.Case} computed a wrong result: {r.Check}.");
        return failed.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static (int M, int N, int K)[] ParseShapes(string text)
    {
        var list = new List<(int, int, int)>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] dims = part.Split('x', 'X');
            if (dims.Length == 3 &&
                int.TryParse(dims[0], NumberStyles.None, CultureInfo.InvariantCulture, out int mm) && mm > 0 &&
                int.TryParse(dims[1], NumberStyles.None, CultureInfo.InvariantCulture, out int nn) && nn > 0 &&
                int.TryParse(dims[2], NumberStyles.None, CultureInfo.InvariantCulture, out int kk) && kk > 0)
            {
                list.Add((mm, nn, kk));
                continue;
            }
            throw new UsageException($"--shapes: expected MxNxK with positive integers (e.g. 1024x1024x1024), got '{part}'.");
        }
        return [.. list];
    }
}
