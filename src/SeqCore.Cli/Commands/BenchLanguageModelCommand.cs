using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Benchmarks;
using SeqCore.Layers.Recurrent;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench lm</c>: one full training step of a recurrent language model.</summary>
internal static class BenchLanguageModelCommand
{
    public static Command Create(CliIO io)
    {
        var arch = CliOptions.Choices("--arch", "Recurrent cell of the stack; a comma list runs each.", [.. CellCatalogue.Names], ["lstm"]);
        var layers = CliOptions.PositiveIntList("--layers", "Recurrent layers; a comma list runs each value.", [2]);
        var vocab = CliOptions.PositiveIntList("--vocab", "Vocabulary size V; a comma list runs each value.", [96]);
        var embed = CliOptions.PositiveIntList("--embed", "Embedding width E; a comma list runs each value.", [256]);
        var hidden = CliOptions.PositiveIntList("--hidden", "Hidden width H; a comma list runs each value.", [512]);
        var seq = CliOptions.PositiveIntList("--seq", "Time steps T (the BPTT window); a comma list runs each value.", [64]);
        var batch = CliOptions.PositiveIntList("--batch", "Streams B; a comma list runs each value.", [32]);
        var threads = CliOptions.CountList("--threads", "Threads for the CPU backend; 0 or 'all' = every core; a comma list runs each value.", [0], "all");
        var type = CliOptions.Choices("--type", "Element type; 'float,double' runs both.", ["float", "double"], ["float"]);
        var repeat = CliOptions.PositiveInt("--repeat", "Timed runs per case (default: about 1 s worth, 5 to 50; 3 when one run takes over a second).");
        var json = CliOptions.Flag("--json", "Print one JSON object per case and line instead of a table.");
        var command = new Command("lm", "Time one training step of a recurrent language model on the CPU backend (embedding → stack → head → " +
            "cross-entropy → backward → clip to norm 1 → Adam): median ms, tokens/s, GFLOP/s and managed bytes allocated per step.")
        {
            arch, layers, vocab, embed, hidden, seq, batch, threads, type, repeat, json,
        };
        command.SetAction(parse =>
        {
            var cases = (from t in parse.GetValue(type)!
                         from a in parse.GetValue(arch)!
                         from l in parse.GetValue(layers)!
                         from v in parse.GetValue(vocab)!
                         from e in parse.GetValue(embed)!
                         from h in parse.GetValue(hidden)!
                         from s in parse.GetValue(seq)!
                         from b in parse.GetValue(batch)!
                         from th in parse.GetValue(threads)!
                         select new LanguageModelCase(a, l, v, e, h, s, b, th == 0 ? Environment.ProcessorCount : th, t)).ToList();
            var table = new Table().Title("Language-model training step on the CPU backend")
                .AddColumn("Case").AddColumn("Forward ms", c => c.RightAligned()).AddColumn("Step ms", c => c.RightAligned())
                .AddColumn("tokens/s", c => c.RightAligned()).AddColumn("GFLOP/s", c => c.RightAligned()).AddColumn("Alloc B/step", c => c.RightAligned());
            bool asJson = parse.GetValue(json);
            foreach (var c in cases)
            {
                var r = LanguageModelRunner.Run(c, parse.GetValue(repeat));
                if (asJson) Output.WriteJsonLine(io.Out, r);
                else table.AddRow(Markup.Escape(r.Case), Output.Sig3(r.ForwardMs), Output.Sig3(r.MedianMs), Output.Sig3(r.TokensPerS),
                    Output.Sig3(r.Gflops), r.AllocatedBytesPerStep.ToString(CultureInfo.InvariantCulture));
            }
            if (!asJson) Output.Console(io.Out).Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
