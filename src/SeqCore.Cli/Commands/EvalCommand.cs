using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.LanguageModels;
using SeqCore.Cpu;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore eval --model M --corpus F</c>: how well a language model predicts a text: mean NLL per token, bits per
/// token, bits per character and perplexity (see <see cref="LanguageModelEvaluator"/> for how the text is read).
/// </summary>
internal static class EvalCommand
{
    public static Command Create(CliIO io)
    {
        var model = new Option<string?>("--model") { Description = "A checkpoint written by 'seqcore train' (or by the PyTorch snippet in docs/checkpoint-format.md).", HelpName = "FILE" };
        var corpus = new Option<string?>("--corpus") { Description = "UTF-8 text to score.", HelpName = "FILE" };
        var batch = new Option<string?>("--batch") { Description = "Streams the text is cut into (default 16; 1 scores every token).", HelpName = "B" };
        var window = new Option<string?>("--window") { Description = "Tokens per forward pass (default 128; a transformer uses at most its context).", HelpName = "T" };
        var threads = new Option<string?>("--threads") { Description = "CPU threads (default 0 = all cores).", HelpName = "N" };
        var json = CliOptions.Flag("--json", "Print the result as one JSON object.");
        var command = new Command("eval", "Score a text with a language model: NLL per token, bits per character and per token, perplexity.")
        {
            model, corpus, batch, window, threads, json,
        };
        command.SetAction(parse =>
        {
            try
            {
                var s = new CommandSettings(parse, null, null);
                return Execute(io, s.String(model), s.String(corpus), s.Int(batch, 16), s.Int(window, 128), s.Int(threads, 0, min: 0), parse.GetValue(json));
            }
            catch (UsageException e)
            {
                io.Error.WriteLine($"seqcore: eval: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    private static int Execute(CliIO io, string? modelPath, string? corpusPath, int batch, int window, int threads, bool json)
    {
        using var backend = new CpuBackend<float>(new CpuBackendOptions { Threads = threads });
        string text = Corpus.ReadText("--corpus", corpusPath);
        var (model, tokenizer) = ModelFile.Load(modelPath, backend);
        using (model)
        {
            int[] tokens = ModelFile.Encode(tokenizer, text, $"--corpus {corpusPath}");
            if (tokens.Length < 2) throw new UsageException($"--corpus: {corpusPath} has {tokens.Length} token(s); at least 2 are needed to predict one.");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (nll, count) = LanguageModelEvaluator.Evaluate(model, tokens, batch, window);
            var m = new LanguageModelMetrics(nll, count, LanguageModelTraining.CharactersCovered(text, tokens.Length, count));
            double seconds = clock.Elapsed.TotalSeconds;
            if (json)
                Output.WriteJsonLine(io.Out, new
                {
                    Model = modelPath, Corpus = corpusPath, model.Config.Arch, Nll = m.Nll, m.BitsPerToken, BitsPerChar = m.BitsPerCharacter, m.Perplexity,
                    m.Tokens, m.Characters, Seconds = seconds,
                });
            else
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{corpusPath}: {m.Tokens:N0} tokens scored by {modelPath} ({model.Config.Arch}): NLL {m.Nll:F4} nats/token, {m.BitsPerToken:F3} bits/token, " +
                    $"{m.BitsPerCharacter:F3} bits/char, perplexity {m.Perplexity:F2} ({seconds:F1} s)"));
        }
        return ExitCodes.Ok;
    }
}
