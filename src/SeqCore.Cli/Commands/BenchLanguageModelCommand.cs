using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Benchmarks;
using SeqCore.Cli.Options;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench lm</c>: one full training step of a recurrent or transformer language model.</summary>
internal static class BenchLanguageModelCommand
{
    public static readonly ChoiceListOption Arch = new("--arch", "Recurrent cell of the stack, or transformer (a causal pre-LN stack); a comma list runs each.",
        [.. LanguageModelConfig.Architectures], ["lstm"]);
    public static readonly IntListOption Layers = new("--layers", "Recurrent layers; a comma list runs each value.", [2]);
    public static readonly IntListOption Vocab = new("--vocab", "Vocabulary size V; a comma list runs each value.", [96]);
    public static readonly IntListOption Embed = new("--embed", "Embedding width E; a comma list runs each value.", [256]);
    public static readonly IntListOption Hidden = new("--hidden", "Hidden width H; a comma list runs each value.", [512]);
    public static readonly IntListOption Seq = new("--seq", "Time steps T (the BPTT window); a comma list runs each value.", [64]);
    public static readonly IntListOption Batch = new("--batch", "Streams B; a comma list runs each value.", [32]);
    public static readonly IntListOption Heads = new("--heads", "Transformer: attention heads (E must be divisible by them); a comma list runs each value.", [4]);

    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Arch, Layers, Vocab, Embed, Hidden, Heads, Seq, Batch, BenchCommand.Threads, BenchCommand.Type, BenchCommand.Repeat, CommonOptions.Json, BenchProfile.Profile];

    public static Command Create(CliIO io) => BenchCommand.Verb(io, "lm", "Time one training step of a language model (recurrent or transformer) on the CPU backend (embedding → stack → head → " +
        "cross-entropy → backward → clip to norm 1 → Adam): median ms, tokens/s, GFLOP/s and managed bytes allocated per step.", AllOptions, v => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        var cases = (from t in BenchCommand.Type.Values(v)
                     from a in Arch.Values(v)
                     from l in Layers.Values(v)
                     from vv in Vocab.Values(v)
                     from e in Embed.Values(v)
                     from h in Hidden.Values(v)
                     from hd in Heads.Values(v)
                     from s in Seq.Values(v)
                     from b in Batch.Values(v)
                     from th in BenchCommand.Threads.Values(v)
                     select new LanguageModelCase(a, l, vv, e, h, s, b, th == 0 ? Environment.ProcessorCount : th, t, hd))
                    .Distinct().ToList(); // a recurrent case ignores --heads, a transformer --hidden (see LanguageModelCase)
        int? repeat = v.Find(BenchCommand.Repeat);
        bool asJson = v.Get(CommonOptions.Json);
        if (BenchProfile.Requested(v)) return BenchProfile.Write(io, cases, c => LanguageModelRunner.Profile(c, repeat), asJson);
        var table = new Table().Title("Language-model training step on the CPU backend")
            .AddColumn("Case").AddColumn("Forward ms", c => c.RightAligned()).AddColumn("Step ms", c => c.RightAligned())
            .AddColumn("tokens/s", c => c.RightAligned()).AddColumn("GFLOP/s", c => c.RightAligned()).AddColumn("Alloc B/step", c => c.RightAligned());
        foreach (var c in cases)
        {
            var r = LanguageModelRunner.Run(c, repeat);
            if (asJson) Output.WriteJsonLine(io.Out, r);
            else table.AddRow(Markup.Escape(r.Case), Output.Sig3(r.ForwardMs), Output.Sig3(r.MedianMs), Output.Sig3(r.TokensPerS),
                Output.Sig3(r.Gflops), r.AllocatedBytesPerStep.ToString(CultureInfo.InvariantCulture));
        }
        if (!asJson) Output.Console(io.Out).Write(table);
        return ExitCodes.Ok;
    }
}
