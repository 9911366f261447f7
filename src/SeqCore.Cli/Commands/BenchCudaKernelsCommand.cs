using System.CommandLine;
using SeqCore.Cli.Benchmarks;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench cuda-kernels</c>: the recurrent and attention kernels on the GPU, timed with CUDA events.</summary>
internal static class BenchCudaKernelsCommand
{
    private static readonly string[] Kinds = ["lstm-cell", "gru-cell", "lstm-step", "attention"];

    public static Command Create(CliIO io)
    {
        var kind = CliOptions.Choices("--case", "Cases: lstm-cell, gru-cell (one step's fused passes, forward + backward), lstm-step (a one-layer LSTM training step), attention (tiled forward + backward); a comma list runs several.", Kinds, Kinds);
        var seq = CliOptions.PositiveIntList("--seq", "Sequence length T (lstm-step default 64, attention default 1024); a comma list runs each value.", [0]);
        var batch = CliOptions.PositiveIntList("--batch", "Batch size B (recurrent default 32, attention default 8); a comma list runs each value.", [0]);
        var input = CliOptions.PositiveIntList("--input", "Input width I of lstm-step.", [256]);
        var hidden = CliOptions.PositiveIntList("--hidden", "Hidden size H of the recurrent cases; a comma list runs each value.", [256]);
        var heads = CliOptions.PositiveIntList("--heads", "Heads of the attention case.", [8]);
        var headDim = CliOptions.PositiveIntList("--head-dim", "Head width d of the attention case.", [64]);
        var noCausal = CliOptions.Flag("--no-causal", "Attention without the causal mask.");
        var type = CliOptions.Choices("--type", "Element type; 'float,double' runs both.", ["float", "double"], ["float"]);
        var repeat = CliOptions.PositiveInt("--repeat", "Timed samples per case (default 20).");
        var inner = CliOptions.PositiveInt("--inner", "Calls per timed sample (default 10).");
        var json = CliOptions.Flag("--json", "Print one JSON object per case and line instead of a table.");
        var command = new Command("cuda-kernels", "Time the CUDA backend's recurrent and attention kernels with CUDA events: fused LSTM/GRU cell passes, a full LSTM training step, tiled attention forward and backward. Needs a GPU (exit code 2 without one). Compare with bench/compare/torch_cuda_cells.py and torch_cuda_bench.py.")
        {
            kind, seq, batch, input, hidden, heads, headDim, noCausal, type, repeat, inner, json,
        };
        command.SetAction(parse =>
        {
            var cases = new List<CudaKernelCase>();
            foreach (string t in parse.GetValue(type)!)
                foreach (string k in parse.GetValue(kind)!)
                    foreach (int s in parse.GetValue(seq)!)
                        foreach (int b in parse.GetValue(batch)!)
                        {
                            bool attention = k == "attention";
                            int ss = s != 0 ? s : attention ? 1024 : 64, bb = b != 0 ? b : attention ? 8 : 32;
                            if (attention)
                                foreach (int h in parse.GetValue(heads)!)
                                    foreach (int d in parse.GetValue(headDim)!)
                                        cases.Add(new CudaKernelCase(k, ss, bb, 0, 0, h, d, !parse.GetValue(noCausal), t));
                            else
                                foreach (int hd in parse.GetValue(hidden)!)
                                    foreach (int i in parse.GetValue(input)!)
                                        cases.Add(new CudaKernelCase(k, ss, bb, i, hd, 0, 0, false, t));
                        }
            return Execute(io, cases.Distinct().ToList(), parse.GetValue(repeat) ?? 20, parse.GetValue(inner) ?? 10, parse.GetValue(json));
        });
        return command;
    }

    private static int Execute(CliIO io, List<CudaKernelCase> cases, int repeat, int inner, bool json)
    {
        var table = new Table().Title("CUDA recurrent and attention kernels (CUDA events)")
            .AddColumn("Case").AddColumn("Forward ms", c => c.RightAligned()).AddColumn("Fwd+bwd ms", c => c.RightAligned())
            .AddColumn("GFLOP/s", c => c.RightAligned()).AddColumn("Device");
        foreach (var c in cases)
        {
            var r = CudaKernelRunner.Run(c, repeat, inner);
            if (json) Output.WriteJsonLine(io.Out, r);
            else table.AddRow(Markup.Escape(r.Case), Output.Sig3(r.ForwardMs), Output.Sig3(r.MedianMs), r.Gflops > 0 ? Output.Sig3(r.Gflops) : "", Markup.Escape(r.Device));
        }
        if (!json) Output.Console(io.Out).Write(table);
        return ExitCodes.Ok;
    }
}
