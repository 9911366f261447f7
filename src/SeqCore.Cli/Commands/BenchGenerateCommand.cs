using System.CommandLine;
using SeqCore.Cli.Benchmarks;
using SeqCore.Cli.Options;
using SeqCore.Layers.Recurrent;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore bench generate</c>: sampling speed of a language model, one stream or several at once.</summary>
internal static class BenchGenerateCommand
{
    public static readonly ChoiceListOption Arch = new("--arch", "The model: a recurrent cell or 'transformer'; a comma list runs each.", [.. CellCatalogue.Names, "transformer"], ["lstm"]);
    public static readonly IntListOption Layers = new("--layers", "Layers; a comma list runs each value.", [1]);
    public static readonly IntListOption Vocab = new("--vocab", "Vocabulary size V; a comma list runs each value.", [96]);
    public static readonly IntListOption Embed = new("--embed", "Embedding (transformer: model) width E; a comma list runs each value.", [64]);
    public static readonly IntListOption Hidden = new("--hidden", "Hidden width H of a recurrent model; a comma list runs each value.", [256]);
    public static readonly IntListOption Heads = new("--heads", "Attention heads of a transformer; a comma list runs each value.", [4]);
    public static readonly IntListOption Context = new("--context", "Context length of a transformer (its KV cache); a comma list runs each value.", [256]);
    public static readonly IntListOption Prompt = new("--prompt", "Prompt tokens P; a comma list runs each value.", [16]);
    public static readonly IntListOption Tokens = new("--tokens", "Tokens N generated per stream; a comma list runs each value.", [128]);
    public static readonly IntListOption Streams = new("--streams", "Streams B sampled together (1 = single-stream generation); a comma list runs each value.", [1]);

    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Arch, Layers, Vocab, Embed, Hidden, Heads, Context, Prompt, Tokens, Streams, BenchCommand.Threads, BenchCommand.Type, BenchCommand.Repeat, CommonOptions.Json];

    public static Command Create(CliIO io) => BenchCommand.Verb(io, "generate", "Time sampling from a language model with random weights on the CPU backend: " +
        "a P-token prompt continued by N tokens in B streams at once (temperature 1; a transformer decodes through its KV cache): median ms, " +
        "tokens/s over all streams, ms per token.", AllOptions, v => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        var cases = (from t in BenchCommand.Type.Values(v)
                     from a in Arch.Values(v)
                     from l in Layers.Values(v)
                     from vv in Vocab.Values(v)
                     from e in Embed.Values(v)
                     from h in a == "transformer" ? [0] : Hidden.Values(v)
                     from hd in a == "transformer" ? Heads.Values(v) : [0]
                     from cx in a == "transformer" ? Context.Values(v) : [0]
                     from p in Prompt.Values(v)
                     from n in Tokens.Values(v)
                     from b in Streams.Values(v)
                     from th in BenchCommand.Threads.Values(v)
                     select new GenerationCase(a, l, vv, e, h, hd, cx, p, n, b, th == 0 ? Environment.ProcessorCount : th, t)).ToList();
        int? repeat = v.Find(BenchCommand.Repeat);
        bool asJson = v.Get(CommonOptions.Json);
        var table = new Table().Title("Language-model sampling on the CPU backend")
            .AddColumn("Case").AddColumn("ms", c => c.RightAligned()).AddColumn("tokens/s", c => c.RightAligned()).AddColumn("ms/token", c => c.RightAligned());
        foreach (var c in cases)
        {
            var r = GenerationRunner.Run(c, repeat);
            if (asJson) Output.WriteJsonLine(io.Out, r);
            else table.AddRow(Markup.Escape(r.Case), Output.Sig3(r.MedianMs), Output.Sig3(r.TokensPerS), Output.Sig3(r.MsPerToken));
        }
        if (!asJson) Output.Console(io.Out).Write(table);
        return ExitCodes.Ok;
    }
}
