using System.CommandLine;
using SeqCore.Cli.Benchmarks;
using SeqCore.Cli.Options;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench cuda-kernels</c>: the recurrent and attention kernels on the GPU, timed with CUDA events.</summary>
internal static class BenchCudaKernelsCommand
{
    private static readonly string[] Kinds = ["lstm-cell", "gru-cell", "lstm-step", "attention"];

    public static readonly ChoiceListOption Case = new("--case", "Cases: lstm-cell, gru-cell (one step's fused passes, forward + backward), lstm-step (a one-layer LSTM training step), attention (tiled forward + backward); a comma list runs several.", Kinds, Kinds);
    /// <summary>No default of its own: each case has its sequence length and batch.</summary>
    public static readonly IntListOption Seq = new("--seq", "Sequence length T (lstm-step default 64, attention default 1024); a comma list runs each value.", []);
    public static readonly IntListOption Batch = new("--batch", "Batch size B (recurrent default 32, attention default 8); a comma list runs each value.", []);
    public static readonly IntListOption Input = new("--input", "Input width I of lstm-step.", [256]);
    public static readonly IntListOption Hidden = new("--hidden", "Hidden size H of the recurrent cases; a comma list runs each value.", [256]);
    public static readonly IntListOption Heads = new("--heads", "Heads of the attention case.", [8]);
    public static readonly IntListOption HeadDim = new("--head-dim", "Head width d of the attention case.", [64]);
    public static readonly FlagOption NoCausal = new("--no-causal", "Attention without the causal mask.");
    public static readonly IntOption Repeat = new("--repeat", "Timed samples per case.", 20);
    public static readonly IntOption Inner = new("--inner", "Calls per timed sample.", 10);

    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Case, Seq, Batch, Input, Hidden, Heads, HeadDim, NoCausal, BenchCommand.Type, Repeat, Inner, CommonOptions.Json];

    public static Command Create(CliIO io) => BenchCommand.Verb(io, "cuda-kernels", "Time the CUDA backend's recurrent and attention kernels with CUDA events: fused LSTM/GRU cell passes, a full LSTM training step, tiled attention forward and backward. Needs a GPU (exit code 2 without one). Compare with bench/compare/torch_cuda_cells.py and torch_cuda_bench.py.",
        AllOptions, v => Execute(io, Cases(v), v.Get(Repeat), v.Get(Inner), v.Get(CommonOptions.Json)));

    private static List<CudaKernelCase> Cases(OptionValues v)
    {
        // 0: the case's own default.
        IReadOnlyList<int> seqs = Seq.Values(v) is { Count: > 0 } s0 ? s0 : [0], batches = Batch.Values(v) is { Count: > 0 } b0 ? b0 : [0];
        bool causal = !v.Get(NoCausal);
        var cases = new List<CudaKernelCase>();
        foreach (string t in BenchCommand.Type.Values(v))
            foreach (string k in Case.Values(v))
                foreach (int s in seqs)
                    foreach (int b in batches)
                    {
                        bool attention = k == "attention";
                        int ss = s != 0 ? s : attention ? 1024 : 64, bb = b != 0 ? b : attention ? 8 : 32;
                        if (attention)
                            foreach (int h in Heads.Values(v))
                                foreach (int d in HeadDim.Values(v))
                                    cases.Add(new CudaKernelCase(k, ss, bb, 0, 0, h, d, causal, t));
                        else
                            foreach (int hd in Hidden.Values(v))
                                foreach (int i in Input.Values(v))
                                    cases.Add(new CudaKernelCase(k, ss, bb, i, hd, 0, 0, false, t));
                    }
        return cases.Distinct().ToList();
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
