using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.LanguageModels;
using SeqCore.Cli.Options;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore eval --model M --corpus F</c>: how well a language model predicts a text: mean NLL per token, bits per
/// token, bits per character and perplexity (see <see cref="LanguageModelEvaluator"/> for how the text is read).
/// </summary>
internal static class EvalCommand
{
    public static readonly TextOption Model = new("--model", "A language model checkpoint written by 'seqcore train' (or by the PyTorch snippet in docs/checkpoint-format.md).", valueName: "FILE");
    public static readonly TextOption Corpus = new("--corpus", "UTF-8 text to score.", valueName: "FILE");
    public static readonly IntOption Batch = new("--batch", "Streams the text is cut into (1 scores every token).", 16, valueName: "B");
    public static readonly IntOption Window = new("--window", "Tokens per forward pass (a transformer uses at most its context).", 128, max: 1 << 20, valueName: "T");

    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [Model, Corpus, Batch, Window, CommonOptions.Backend, CommonOptions.Threads, BudgetOptions.MaxMemory, CommonOptions.AllowNonFinite, CommonOptions.Json];

    public static Command Create(CliIO io) =>
        CliVerb.Create(io, "eval", "eval", "Score a text with a language model: NLL per token, bits per character and per token, perplexity.", AllOptions, (_, v) => Execute(io, v));

    private static int Execute(CliIO io, OptionValues v)
    {
        string? modelPath = v.FindText(Model), corpusPath = v.FindText(Corpus);
        int batch = v.Get(Batch), window = v.Get(Window);
        bool json = v.Get(CommonOptions.Json);
        if (corpusPath is null) throw new UsageException("--corpus is required: the text to score.");
        using var backend = BackendOption.Open<float>(v);
        string text;
        try { text = TextCorpus.ReadText(corpusPath); }
        catch (InvalidDataException e) { throw new UsageException($"--corpus: {e.Message}"); }
        // A step scores batch × window tokens (a transformer's window is at most its context).
        using var model = ModelFile.Load(v, modelPath, backend, c => new RunShape(batch, c.IsTransformer ? Math.Min(window, c.ContextLength) : window),
            v.Get(CommonOptions.AllowNonFinite));
        var tokenizer = model.Tokenizer!;
        int[] tokens = ModelFile.Encode(tokenizer, text, $"--corpus {corpusPath}");
        if (tokens.Length < 2) throw new UsageException($"--corpus: {corpusPath} has {tokens.Length} token(s); at least 2 are needed to predict one.");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var m = LanguageModelEvaluator.Score(model, text, tokens, batch, window);
        double seconds = clock.Elapsed.TotalSeconds;
        if (json)
            Output.WriteJsonLine(io.Out, new
            {
                Model = modelPath, Corpus = corpusPath, model.Config.Arch, Nll = m.Nll, m.BitsPerToken, BitsPerChar = m.BitsPerCharacter, m.Perplexity,
                m.Tokens, m.Characters, Seconds = seconds, Backend = backend.Name,
            });
        else
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{corpusPath}: {m.Tokens:N0} tokens scored by {modelPath} ({model.Config.Arch}): NLL {m.Nll:F4} nats/token, {m.BitsPerToken:F3} bits/token, " +
                $"{m.BitsPerCharacter:F3} bits/char, perplexity {m.Perplexity:F2} ({seconds:F1} s)"));
        return ExitCodes.Ok;
    }
}
