using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Benchmarks;
using SeqCore.Cli.Options;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench seq2seq</c>: one full training step of the encoder–decoder transformer.</summary>
internal static class BenchSeq2SeqCommand
{
    public static readonly IntListOption Layers = new("--layers", "Encoder layers, and as many decoder layers; a comma list runs each value.", [3]);
    public static readonly IntListOption Vocab = new("--vocab", "Vocabulary size V (one embedding for source, target and output); a comma list runs each value.", [8259]);
    public static readonly IntListOption Embed = new("--embed", "Model width E; a comma list runs each value.", [256]);
    public static readonly IntListOption Heads = new("--heads", "Attention heads (E must be divisible by it); a comma list runs each value.", [4]);
    public static readonly IntListOption FeedForward = new("--ff", "Feed-forward width F; a comma list runs each value.", [1024]);
    public static readonly IntListOption Source = new("--source", "Source steps S of every pair (its end token included); a comma list runs each value.", [32]);
    public static readonly IntListOption Target = new("--target", "Decoder steps T of every pair; a comma list runs each value.", [32]);
    public static readonly IntListOption Batch = new("--batch", "Pairs B a batch (B·(S+T) tokens); a comma list runs each value.", [64]);
    public static readonly DoubleOption Dropout = new("--dropout", "Dropout on the embeddings, after each attention and feed-forward sublayer and inside the feed-forward (none on attention probabilities).", 0.1, min: 0, max: 0.99, valueName: "P");

    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Layers, Vocab, Embed, Heads, FeedForward, Source, Target, Batch, Dropout, BenchCommand.Threads, BenchCommand.Type, BenchCommand.Repeat,
         CommonOptions.Json, BenchProfile.Profile];

    public static Command Create(CliIO io) => BenchCommand.Verb(io, "seq2seq", "Time one training step of the encoder–decoder transformer on the CPU backend " +
        "(pre-LN, shared embedding, label smoothing 0.1 → backward → clip to norm 1 → Adam): median ms, target tokens/s, GFLOP/s and managed bytes allocated per step.",
        AllOptions, v => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        double dropout = v.Get(Dropout);
        var cases = (from t in BenchCommand.Type.Values(v)
                     from l in Layers.Values(v)
                     from vv in Vocab.Values(v)
                     from e in Embed.Values(v)
                     from h in Heads.Values(v)
                     from f in FeedForward.Values(v)
                     from s in Source.Values(v)
                     from tt in Target.Values(v)
                     from b in Batch.Values(v)
                     from th in BenchCommand.Threads.Values(v)
                     select new Seq2SeqCase(l, vv, e, h, f, s, tt, b, dropout, th == 0 ? Environment.ProcessorCount : th, t)).ToList();
        foreach (var c in cases)
        {
            if (c.Embed % c.Heads != 0) throw new UsageException($"--embed {c.Embed} is not divisible by --heads {c.Heads}.");
            if (c.Vocab < 4) throw new UsageException($"--vocab {c.Vocab}: the model needs at least 4 ids (<pad>, <s>, </s> and one more).");
            if (c.Source < 1 || c.Target < 1) throw new UsageException("--source and --target must be at least 1.");
        }
        int? repeat = v.Find(BenchCommand.Repeat);
        bool asJson = v.Get(CommonOptions.Json);
        if (BenchProfile.Requested(v)) return BenchProfile.Write(io, cases, c => Seq2SeqRunner.Profile(c, repeat), asJson);
        var table = new Table().Title("Transformer seq2seq training step on the CPU backend")
            .AddColumn("Case").AddColumn("Forward ms", c => c.RightAligned()).AddColumn("Step ms", c => c.RightAligned())
            .AddColumn("target tokens/s", c => c.RightAligned()).AddColumn("GFLOP/s", c => c.RightAligned()).AddColumn("Alloc B/step", c => c.RightAligned());
        foreach (var c in cases)
        {
            var r = Seq2SeqRunner.Run(c, repeat);
            if (asJson) Output.WriteJsonLine(io.Out, r);
            else table.AddRow(Markup.Escape(r.Case), Output.Sig3(r.ForwardMs), Output.Sig3(r.MedianMs), Output.Sig3(r.TokensPerS),
                Output.Sig3(r.Gflops), r.AllocatedBytesPerStep.ToString(CultureInfo.InvariantCulture));
        }
        if (!asJson) Output.Console(io.Out).Write(table);
        return ExitCodes.Ok;
    }
}
