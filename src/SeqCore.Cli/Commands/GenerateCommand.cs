using System.CommandLine;
using SeqCore.Cli.LanguageModels;
using SeqCore.Cpu;
using SeqCore.Generation;
using SeqCore.Text;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore generate --model M --prompt P</c>: continues the prompt, printing each token as it is made. The same
/// seed and settings give the same text.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(CliIO io)
    {
        var model = new Option<string?>("--model") { Description = "A language model checkpoint.", HelpName = "FILE" };
        var prompt = new Option<string?>("--prompt") { Description = "The text to continue (required; at least one token).", HelpName = "TEXT" };
        var tokens = new Option<string?>("--tokens") { Description = "Tokens to generate (default 200).", HelpName = "N" };
        var temperature = new Option<string?>("--temperature") { Description = "Softmax temperature (default 1; 0 = greedy).", HelpName = "T" };
        var topK = new Option<string?>("--top-k") { Description = "Sample only from the K most likely tokens (default 0 = all).", HelpName = "K" };
        var topP = new Option<string?>("--top-p") { Description = "Sample only from the smallest set of tokens whose probability reaches P (default 1 = all).", HelpName = "P" };
        var seed = new Option<string?>("--seed") { Description = "Seed of the sampler (default 1).", HelpName = "S" };
        var threads = new Option<string?>("--threads") { Description = "CPU threads (default 1: one token at a time is too small to share).", HelpName = "N" };
        var json = CliOptions.Flag("--json", "Print one JSON object with the prompt and the generated text at the end instead of streaming.");
        var command = new Command("generate", "Continue a prompt with a language model; tokens stream to stdout as they are made.")
        {
            model, prompt, tokens, temperature, topK, topP, seed, threads, json,
        };
        command.SetAction(parse =>
        {
            try
            {
                var s = new CommandSettings(parse, null, null);
                var options = new SamplingOptions
                {
                    Temperature = s.Double(temperature, 1, 0, 1e6),
                    TopK = s.Int(topK, 0, min: 0),
                    TopP = s.Double(topP, 1, 0, 1, minExclusive: true),
                };
                return Execute(io, s.String(model), s.String(prompt), s.Int(tokens, 200, min: 0), options, (ulong)s.Int(seed, 1, min: 0),
                    s.Int(threads, 1, min: 0), parse.GetValue(json));
            }
            catch (UsageException e)
            {
                io.Error.WriteLine($"seqcore: generate: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    private static int Execute(CliIO io, string? modelPath, string? prompt, int count, SamplingOptions options, ulong seed, int threads, bool json)
    {
        if (string.IsNullOrEmpty(prompt)) throw new UsageException("--prompt is required: the text to continue.");
        using var backend = new CpuBackend<float>(new CpuBackendOptions { Threads = threads });
        var (model, tokenizer) = ModelFile.Load(modelPath, backend);
        using (model)
        {
            int[] ids = ModelFile.Encode(tokenizer, prompt, "--prompt");
            if (ids.Length == 0) throw new UsageException("--prompt: the prompt encodes to no tokens.");
            var printer = new StreamingDecoder(tokenizer, ids);
            if (!json) { io.Out.Write(prompt); io.Out.Flush(); }
            int[] generated = TextGenerator.Generate(model, ids, count, options, seed, json ? null : id =>
            {
                io.Out.Write(printer.Add(id));
                io.Out.Flush();
            });
            if (json)
                Output.WriteJsonLine(io.Out, new
                {
                    Prompt = prompt, Text = tokenizer.Decode(generated), Tokens = generated, options.Temperature, options.TopK, options.TopP, Seed = seed,
                });
            else
            {
                io.Out.Write(printer.Flush());
                io.Out.WriteLine();
            }
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Turns tokens into text as they come, decoding the prompt and everything generated so far and printing what is new,
    /// so tokenizers that join tokens (a word tokenizer's spaces) print as the whole text decodes. A token that ends inside
    /// a UTF-8 character (byte-level BPE) is held back until the character is complete (at most 8 tokens).
    /// </summary>
    private sealed class StreamingDecoder
    {
        private readonly ITokenizer _tokenizer;
        private readonly List<int> _ids;
        private string _shown;
        private int _held;

        public StreamingDecoder(ITokenizer tokenizer, int[] prompt)
        {
            _tokenizer = tokenizer;
            _ids = [.. prompt];
            _shown = tokenizer.Decode(prompt);
        }

        public string Add(int id)
        {
            _ids.Add(id);
            string text = _tokenizer.Decode(_ids.ToArray());
            if (text.EndsWith('\uFFFD') && ++_held < 8) return "";
            _held = 0;
            string piece = text.StartsWith(_shown, StringComparison.Ordinal) ? text[_shown.Length..] : _tokenizer.Decode([id]);
            _shown = text;
            return piece;
        }

        public string Flush()
        {
            if (_held == 0) return "";
            _held = 0;
            string text = _tokenizer.Decode(_ids.ToArray());
            string piece = text.StartsWith(_shown, StringComparison.Ordinal) ? text[_shown.Length..] : "";
            _shown = text;
            return piece;
        }
    }
}
