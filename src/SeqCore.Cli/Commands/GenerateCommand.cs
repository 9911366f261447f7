using System.CommandLine;
using SeqCore.Cli.LanguageModels;
using SeqCore.Cli.Options;
using SeqCore.Cli.Outputs;
using SeqCore.Generation;
using SeqCore.Plots;
using SeqCore.Text;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore generate --model M --prompt P</c>: continues the prompt, printing each token as it is made. The same
/// seed and settings give the same text. With <c>--attention FILE.svg</c> (a transformer) it then draws the last layer's
/// attention over the prompt and the generated tokens.
/// </summary>
internal static class GenerateCommand
{
    public static readonly TextOption Model = new("--model", "A language model checkpoint.", valueName: "FILE");
    public static readonly TextOption Prompt = new("--prompt", "The text to continue (required; at least one token).");
    public static readonly IntOption Tokens = new("--tokens", "Tokens to generate.", 200, min: 0, max: 1 << 24);
    public static readonly DoubleOption Temperature = new("--temperature", "Softmax temperature; 0 = greedy.", 1, 0, 1e6, valueName: "T");
    public static readonly IntOption TopK = new("--top-k", "Sample only from the K most likely tokens; 0 = all.", 0, min: 0, valueName: "K");
    public static readonly DoubleOption TopP = new("--top-p", "Sample only from the smallest set of tokens whose probability reaches P; 1 = all.", 1, 0, 1, minExclusive: true, valueName: "P");
    /// <summary>Generation is one token at a time, too small to share across cores: one thread unless asked.</summary>
    public static readonly IntOption Threads = new("--threads", "CPU threads; 0 = all cores (one token at a time is too small to share).", 1, min: 0, max: 1024);
    public static readonly FlagOption Json = new("--json", "Print one JSON object with the prompt and the generated text at the end instead of streaming.");

    public static readonly TextOption Attention = new("--attention", "After generating, draw the last layer's self-attention over the prompt and the generated tokens (averaged over heads) " +
        "to this SVG file; a transformer model only. An existing file is replaced only when it is an SVG image (or with --force); never the --model file.", valueName: "FILE");
    public static readonly IntOption AttentionHead = new("--attention-head", "With --attention: draw this head (0 = first) instead of the average over heads.", null, min: 0);

    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [Model, Prompt, Tokens, Temperature, TopK, TopP, CommonOptions.Seed, CommonOptions.Backend, Threads, BudgetOptions.MaxMemory, CommonOptions.AllowNonFinite, Json,
        Attention, AttentionHead, CommonOptions.Force];

    public static Command Create(CliIO io) => CliVerb.Create(io, "generate", "generate", "Continue a prompt with a language model; tokens stream to stdout as they are made.", AllOptions, (_, v) =>
        Execute(io, v, new SamplingOptions { Temperature = v.Get(Temperature), TopK = v.Get(TopK), TopP = v.Get(TopP) }));

    private static int Execute(CliIO io, OptionValues v, SamplingOptions options)
    {
        string? prompt = v.FindText(Prompt);
        int count = v.Get(Tokens);
        ulong seed = v.Get(CommonOptions.Seed);
        bool json = v.Get(Json);
        if (string.IsNullOrEmpty(prompt)) throw new UsageException("--prompt is required: the text to continue.");
        string? attentionSvg = v.FindText(Attention);
        int? head = v.Find(AttentionHead);
        if (head is not null && attentionSvg is null) throw new UsageException("--attention-head needs --attention FILE.svg: the file to draw the head's attention to.");
        string? modelPath = v.FindText(Model);
        using var plan = attentionSvg is null || modelPath is null ? null
            : OutputPlan.Open([new(Model.Name, modelPath)], [new(Attention.Name, attentionSvg, Replaces: Artefact.Svg)], v.Get(CommonOptions.Force));
        using var backend = BackendOption.Open<float>(v.Get(CommonOptions.Backend), v.Get(Threads));
        // Tokens are fed one at a time; a transformer attends over up to its context (counted as a full window: an upper bound).
        using var model = ModelFile.Load(v, modelPath, backend, c => new SeqCore.Models.RunShape(1, c.IsTransformer ? c.ContextLength : 1),
            v.Get(CommonOptions.AllowNonFinite));
        var tokenizer = model.Tokenizer!;
        if (attentionSvg is not null) AttentionView.Check(model, head);
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
            string? drawn = attentionSvg is null ? null : AttentionView.Draw(io, model, [.. ids, .. generated], head, attentionSvg);
            if (json)
                Output.WriteJsonLine(io.Out, new
                {
                    Prompt = prompt, Text = tokenizer.Decode(generated), Tokens = generated, options.Temperature, options.TopK, options.TopP, Seed = seed,
                    Attention = drawn,
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
