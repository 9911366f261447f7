using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Benchmarks;
using SeqCore.Layers.Recurrent;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench lstm|gru|rnn</c>: forward and training-step (forward + backward) time of a recurrent layer.</summary>
internal static class BenchRecurrentCommand
{
    public static Command Create(CliIO io, string cell)
    {
        var seq = CliOptions.PositiveIntList("--seq", "Time steps T; a comma list runs each value.", [64]);
        var batch = CliOptions.PositiveIntList("--batch", "Batch size B; a comma list runs each value.", [32]);
        var input = CliOptions.PositiveIntList("--input", "Input width I; a comma list runs each value.", [256]);
        var hidden = CliOptions.PositiveIntList("--hidden", "Hidden width H; a comma list runs each value.", [256]);
        var layers = CliOptions.PositiveInt("--layers", "Stacked layers (default 1).");
        var bidirectional = CliOptions.Flag("--bidirectional", "Run both directions.");
        var backend = BackendOption.Create();
        var threads = CliOptions.CountList("--threads", "Threads for the CPU backend; 0 or 'all' = every core; a comma list runs each value.", [0], "all");
        var type = CliOptions.Choices("--type", "Element type; 'float,double' runs both.", ["float", "double"], ["float"]);
        var repeat = CliOptions.PositiveInt("--repeat", "Timed runs per case (default: about 1 s worth, 5 to 50; 3 when one run takes over a second).");
        var json = CliOptions.Flag("--json", "Print one JSON object per case and line instead of a table.");
        var descriptor = CellCatalogue.Parse(cell, "seqcore bench");
        var command = new Command(cell, $"Time a layer of {descriptor.Name} ({descriptor.Description}) on the CPU backend: forward alone and one training step (forward + backward of the whole sequence), median ms, GFLOP/s and managed bytes allocated per step.")
        {
            seq, batch, input, hidden, layers, bidirectional, threads, type, repeat, json, backend,
        };
        command.SetAction(parse =>
        {
            var cases = (from t in parse.GetValue(type)!
                         from s in parse.GetValue(seq)!
                         from b in parse.GetValue(batch)!
                         from i in parse.GetValue(input)!
                         from h in parse.GetValue(hidden)!
                         from th in parse.GetValue(threads)!
                         select new RecurrentCase(cell, s, b, i, h, th == 0 ? Environment.ProcessorCount : th, t,
                             parse.GetValue(layers) ?? 1, parse.GetValue(bidirectional), parse.GetValue(backend)![0])).ToList();
            return Execute(io, cases, parse.GetValue(repeat), parse.GetValue(json));
        });
        return command;
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
