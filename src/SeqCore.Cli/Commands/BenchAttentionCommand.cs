using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Benchmarks;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench mha</c>: forward and training-step time of multi-head self-attention.</summary>
internal static class BenchAttentionCommand
{
    public static Command Create(CliIO io)
    {
        var seq = CliOptions.PositiveIntList("--seq", "Sequence length T; a comma list runs each value.", [256]);
        var batch = CliOptions.PositiveIntList("--batch", "Batch size B; a comma list runs each value.", [16]);
        var embed = CliOptions.PositiveIntList("--embed", "Embedding width E (alias --dim); a comma list runs each value.", [512], "--dim");
        var heads = CliOptions.PositiveIntList("--heads", "Heads h (E must be divisible by h); a comma list runs each value.", [8]);
        var noCausal = CliOptions.Flag("--no-causal", "Full attention instead of the causal mask.");
        var causal = CliOptions.Flag("--causal", "The causal mask (the default; accepted for symmetry with --no-causal).");
        var backend = BackendOption.Create();
        var threads = CliOptions.CountList("--threads", "Threads for the CPU backend; 0 or 'all' = every core; a comma list runs each value.", [0], "all");
        var type = CliOptions.Choices("--type", "Element type; 'float,double' runs both.", ["float", "double"], ["float"]);
        var repeat = CliOptions.PositiveInt("--repeat", "Timed runs per case (default: about 1 s worth, 5 to 50; 3 when one run takes over a second).");
        var json = CliOptions.Flag("--json", "Print one JSON object per case and line instead of a table.");
        var command = new Command("mha", "Time multi-head self-attention (batch-first, packed QKV projection, tiled attention, output projection) on the CPU backend: forward alone and one training step (forward + backward), median ms, GFLOP/s and managed bytes allocated per step. Compare with 'bench/compare/torch_bench.py mha'.")
        {
            seq, batch, embed, heads, noCausal, causal, threads, type, repeat, json, backend,
        };
        command.Aliases.Add("attention");
        command.SetAction(parse =>
        {
            if (parse.GetValue(causal) && parse.GetValue(noCausal))
            {
                io.Error.WriteLine("seqcore: bench attention: --causal and --no-causal contradict each other.");
                return ExitCodes.Usage;
            }
            var cases = (from t in parse.GetValue(type)!
                         from s in parse.GetValue(seq)!
                         from b in parse.GetValue(batch)!
                         from e in parse.GetValue(embed)!
                         from h in parse.GetValue(heads)!
                         from th in parse.GetValue(threads)!
                         select new AttentionCase(s, b, e, h, !parse.GetValue(noCausal), th == 0 ? Environment.ProcessorCount : th, t, parse.GetValue(backend)![0])).ToList();
            var bad = cases.FirstOrDefault(c => c.Embed % c.Heads != 0);
            if (bad is not null)
            {
                io.Error.WriteLine($"seqcore: bench mha: --embed {bad.Embed} is not divisible by --heads {bad.Heads}.");
                return ExitCodes.Usage;
            }
            return Execute(io, cases, parse.GetValue(repeat), parse.GetValue(json));
        });
        return command;
    }

    private static int Execute(CliIO io, List<AttentionCase> cases, int? repeat, bool json)
    {
        var table = new Table().Title("Multi-head self-attention on the CPU backend")
            .AddColumn("Case").AddColumn("Forward ms", c => c.RightAligned()).AddColumn("Fwd+bwd ms", c => c.RightAligned())
            .AddColumn("GFLOP/s", c => c.RightAligned()).AddColumn("Alloc B/step", c => c.RightAligned());
        foreach (var c in cases)
        {
            var r = AttentionRunner.Run(c, repeat);
            if (json) Output.WriteJsonLine(io.Out, r);
            else table.AddRow(Markup.Escape(r.Case), Output.Sig3(r.ForwardMs), Output.Sig3(r.MedianMs), Output.Sig3(r.Gflops),
                r.AllocatedBytesPerStep.ToString(CultureInfo.InvariantCulture));
        }
        if (!json) Output.Console(io.Out).Write(table);
        return ExitCodes.Ok;
    }
}
