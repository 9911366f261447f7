using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Benchmarks;
using SeqCore.Cli.Options;
using SeqCore.Layers.Recurrent;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench lstm|gru|rnn</c>: forward and training-step (forward + backward) time of a recurrent layer.</summary>
internal static class BenchRecurrentCommand
{
    public static readonly IntListOption Seq = new("--seq", "Time steps T; a comma list runs each value.", [64]);
    public static readonly IntListOption Batch = new("--batch", "Batch size B; a comma list runs each value.", [32]);
    public static readonly IntListOption Input = new("--input", "Input width I; a comma list runs each value.", [256]);
    public static readonly IntListOption Hidden = new("--hidden", "Hidden width H; a comma list runs each value.", [256]);
    public static readonly IntOption Layers = new("--layers", "Stacked layers.", 1);
    public static readonly FlagOption Bidirectional = new("--bidirectional", "Run both directions.");

    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Seq, Batch, Input, Hidden, Layers, Bidirectional, BenchCommand.Threads, BenchCommand.Type, BenchCommand.Repeat, CommonOptions.Json, CommonOptions.Backend, BenchProfile.Profile];

    public static Command Create(CliIO io, string cell)
    {
        var descriptor = CellCatalogue.Parse(cell, "seqcore bench");
        return BenchCommand.Verb(io, cell, $"Time a layer of {descriptor.Name} ({descriptor.Description}) on the CPU backend: forward alone and one training step (forward + backward of the whole sequence), median ms, GFLOP/s and managed bytes allocated per step.",
            AllOptions, v => BenchProfile.Requested(v, BackendOption.Resolve(v.Get(CommonOptions.Backend)))
                ? BenchProfile.Write(io, Cases(v, cell), c => RecurrentRunner.Profile(c, v.Find(BenchCommand.Repeat)), v.Get(CommonOptions.Json))
                : Execute(io, Cases(v, cell), v.Find(BenchCommand.Repeat), v.Get(CommonOptions.Json)));
    }

    private static List<RecurrentCase> Cases(OptionValues v, string cell)
    {
        string backend = BackendOption.Resolve(v.Get(CommonOptions.Backend));
        int layers = v.Get(Layers);
        bool bidirectional = v.Get(Bidirectional);
        return (from t in BenchCommand.Type.Values(v)
                from s in Seq.Values(v)
                from b in Batch.Values(v)
                from i in Input.Values(v)
                from h in Hidden.Values(v)
                from th in BenchCommand.Threads.Values(v)
                select new RecurrentCase(cell, s, b, i, h, th == 0 ? Environment.ProcessorCount : th, t, layers, bidirectional, backend)).ToList();
    }

    private static int Execute(CliIO io, List<RecurrentCase> cases, int? repeat, bool json)
    {
        var table = new Table().Title("Recurrent layers on the CPU backend")
            .AddColumn("Case").AddColumn("Forward ms", c => c.RightAligned()).AddColumn("Fwd+bwd ms", c => c.RightAligned())
            .AddColumn("GFLOP/s", c => c.RightAligned()).AddColumn("Alloc B/step", c => c.RightAligned());
        foreach (var c in cases)
        {
            var r = RecurrentRunner.Run(c, repeat);
            if (json) Output.WriteJsonLine(io.Out, r);
            else table.AddRow(Markup.Escape(r.Case), Output.Sig3(r.ForwardMs), Output.Sig3(r.MedianMs), Output.Sig3(r.Gflops),
                r.AllocatedBytesPerStep.ToString(CultureInfo.InvariantCulture));
        }
        if (!json) Output.Console(io.Out).Write(table);
        return ExitCodes.Ok;
    }
}
