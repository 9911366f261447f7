using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Benchmarks;
using SeqCore.Cli.Options;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench mha</c>: forward and training-step time of multi-head self-attention.</summary>
internal static class BenchAttentionCommand
{
    public static readonly IntListOption Seq = new("--seq", "Sequence length T; a comma list runs each value.", [256]);
    public static readonly IntListOption Batch = new("--batch", "Batch size B; a comma list runs each value.", [16]);
    public static readonly IntListOption Embed = new("--embed", "Embedding width E (alias --dim); a comma list runs each value.", [512]);
    public static readonly IntListOption Heads = new("--heads", "Heads h (E must be divisible by h); a comma list runs each value.", [8]);
    public static readonly FlagOption NoCausal = new("--no-causal", "Full attention instead of the causal mask.");
    public static readonly FlagOption Causal = new("--causal", "The causal mask (the default; accepted for symmetry with --no-causal).");

    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Seq, Batch, Embed, Heads, NoCausal, Causal, BenchCommand.Threads, BenchCommand.Type, BenchCommand.Repeat, CommonOptions.Json, CommonOptions.Backend, BenchProfile.Profile];

    static BenchAttentionCommand() => Embed.Symbol.Aliases.Add("--dim");

    public static Command Create(CliIO io)
    {
        var command = BenchCommand.Verb(io, "mha", "Time multi-head self-attention (batch-first, packed QKV projection, tiled attention, output projection) on the CPU backend: forward alone and one training step (forward + backward), median ms, GFLOP/s and managed bytes allocated per step. Compare with 'bench/compare/torch_bench.py mha'.",
            AllOptions, v => BenchProfile.Requested(v, BackendOption.Resolve(v.Get(CommonOptions.Backend)))
                ? BenchProfile.Write(io, Cases(v), c => AttentionRunner.Profile(c, v.Find(BenchCommand.Repeat)), v.Get(CommonOptions.Json))
                : Execute(io, Cases(v), v.Find(BenchCommand.Repeat), v.Get(CommonOptions.Json)));
        command.Aliases.Add("attention");
        return command;
    }

    private static List<AttentionCase> Cases(OptionValues v)
    {
        bool noCausal = v.Get(NoCausal);
        if (v.Get(Causal) && noCausal) throw new UsageException("--causal and --no-causal contradict each other.");
        string backend = BackendOption.Resolve(v.Get(CommonOptions.Backend));
        var cases = (from t in BenchCommand.Type.Values(v)
                     from s in Seq.Values(v)
                     from b in Batch.Values(v)
                     from e in Embed.Values(v)
                     from h in Heads.Values(v)
                     from th in BenchCommand.Threads.Values(v)
                     select new AttentionCase(s, b, e, h, !noCausal, th == 0 ? Environment.ProcessorCount : th, t, backend)).ToList();
        var bad = cases.FirstOrDefault(c => c.Embed % c.Heads != 0);
        if (bad is not null) throw new UsageException($"--embed {bad.Embed} is not divisible by --heads {bad.Heads}.");
        return cases;
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
