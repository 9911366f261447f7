using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Benchmarks;
using SeqCore.Diagnostics;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench gemm</c>: times <c>IBackend.Gemm</c> on the CPU backend against the measured FMA peak.</summary>
internal static class BenchGemmCommand
{
    public static Command Create(CliIO io)
    {
        var m = CliOptions.PositiveIntList("--m", "Rows of C and op(A); a comma list runs each value.", [512]);
        var n = CliOptions.PositiveIntList("--n", "Columns of C and op(B); a comma list runs each value.", [512]);
        var k = CliOptions.PositiveIntList("--k", "Inner dimension; a comma list runs each value.", [512]);
        var shapes = new Option<(int M, int N, int K)[]>("--shapes")
        {
            Description = "Shapes as MxNxK, comma-separated (e.g. 1024x1024x1024,32x1024x256); replaces --m/--n/--k.",
            HelpName = "MxNxK[,...]",
            CustomParser = ParseShapes,
        };
        var threads = CliOptions.CountList("--threads", "Threads for the CPU backend; 0 or 'all' = every core; a comma list runs each value.", [1], "all");
        var type = CliOptions.Choices("--type", "Element type; 'float,double' runs both.", ["float", "double"], ["float"]);
        var transA = CliOptions.Flag("--transA", "Use A transposed (A is stored k×m).", "--trans-a");
        var transB = CliOptions.Flag("--transB", "Use B transposed (B is stored n×k).", "--trans-b");
        var repeat = CliOptions.PositiveInt("--repeat", $"Timed runs per case after the warm-up (0.2 to 2 s, until the JIT is done); default: enough for about {GemmRunner.TargetTime.TotalSeconds:0.#} s, at least {GemmRunner.MinRepeat}. Products under 50 µs are timed in batches of calls per run.");
        var json = CliOptions.Flag("--json", "Print one JSON object per case and line instead of a table.");
        var backend = BackendOption.Create("Backend: cpu, or cuda (cuBLAS, timed with CUDA events; exit code 2 without a GPU).");
        var tf32 = CliOptions.Choices("--tf32", "cuda only: let cuBLAS use TF32 tensor cores for float; 'off,on' runs both.", ["off", "on"], ["off"]);

        var command = new Command("gemm", "Time C = op(A)·op(B) on the CPU backend: median and best time, GFLOP/s (2·m·n·k / median) and % of the measured FMA peak (single-core peak × threads). A sample of C is checked against a double-precision reference.")
        {
            m, n, k, shapes, threads, type, transA, transB, repeat, json, backend, tf32,
        };
        command.SetAction(parse =>
        {
            var sizes = parse.GetResult(shapes) is { Implicit: false } ? parse.GetValue(shapes)! :
                (from mm in parse.GetValue(m)! from nn in parse.GetValue(n)! from kk in parse.GetValue(k)! select (mm, nn, kk)).ToArray();
            string be = parse.GetValue(backend)![0];
            var cases = (from t in parse.GetValue(type)!
                         from s in sizes
                         from th in be == "cuda" ? [0] : parse.GetValue(threads)!
                         from tf in be == "cuda" ? parse.GetValue(tf32)! : ["off"]
                         select new GemmCase(t, s.Item1, s.Item2, s.Item3, parse.GetValue(transA), parse.GetValue(transB),
                             th == 0 ? Environment.ProcessorCount : th, be, tf == "on")).ToList();
            return Execute(io, cases, parse.GetValue(repeat), parse.GetValue(json));
        });
        return command;
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

    private static (int M, int N, int K)[] ParseShapes(System.CommandLine.Parsing.ArgumentResult r)
    {
        string text = string.Join(",", r.Tokens.Select(t => t.Value));
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
            r.AddError($"--shapes: expected MxNxK with positive integers (e.g. 1024x1024x1024), got '{part}'.");
            return [];
        }
        return [.. list];
    }
}
