using System.CommandLine;
using System.Text.Json;
using SeqCore.Cli.Options;
using SeqCore.IO;
using SeqCore.Text;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore tokenize</c>: text on standard input → token ids as one JSON array on standard output, or the reverse
/// with <c>--decode</c>. The tokenizer is GPT-2's files (<c>--vocab encoder.json --merges vocab.bpe</c>) or a tokenizer
/// file saved by SeqCore (<c>--tokenizer FILE</c>: character, word or byte-level BPE), or the one inside a checkpoint
/// (<c>--model FILE</c>).
/// </summary>
internal static class TokenizeCommand
{
    public static readonly TextOption Vocab = new("--vocab", "GPT-2 style encoder.json (token → id); needs --merges.", valueName: "FILE");
    public static readonly TextOption Merges = new("--merges", "GPT-2 style vocab.bpe (the merge list); needs --vocab.", valueName: "FILE");
    public static readonly TextOption Tokenizer = new("--tokenizer", "A tokenizer saved by SeqCore (char, word or byte-level BPE).", valueName: "FILE");
    public static readonly TextOption Model = new("--model", "A SeqCore checkpoint (language model, classifier): use the tokenizer stored in it.", valueName: "FILE");
    public static readonly FlagOption Decode = new("--decode", "Read a JSON array of ids and print the text.");

    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [Vocab, Merges, Tokenizer, Model, Decode];

    public static Command Create(CliIO io)
    {
        var command = new Command("tokenize", "Encode text from standard input to token ids (a JSON array), or decode ids back to text with --decode.");
        foreach (var o in AllOptions) command.Options.Add(o.Symbol);
        command.SetAction(parse =>
        {
            var v = new OptionValues(parse);
            static FileInfo? File(string? path) => path is null ? null : new FileInfo(path);
            return Execute(io, File(v.FindText(Vocab)), File(v.FindText(Merges)), File(v.FindText(Tokenizer)), File(v.FindText(Model)), v.Get(Decode));
        });
        return command;
    }

    private static int Execute(CliIO io, FileInfo? vocab, FileInfo? merges, FileInfo? tokenizerFile, FileInfo? model, bool decode)
    {
        bool gpt2 = vocab is not null || merges is not null;
        if ((gpt2 ? 1 : 0) + (tokenizerFile is not null ? 1 : 0) + (model is not null ? 1 : 0) != 1)
            return Usage(io, "give one of --vocab and --merges (GPT-2 files), --tokenizer FILE or --model CHECKPOINT.");
        if (gpt2 && (vocab is null || merges is null))
            return Usage(io, $"{(vocab is null ? "--vocab" : "--merges")} is missing: GPT-2 needs both encoder.json (--vocab) and vocab.bpe (--merges).");
        foreach (var f in new[] { vocab, merges, tokenizerFile, model })
            if (f is not null && !f.Exists) return Usage(io, $"file not found: {f.FullName}");

        ITokenizer tokenizer;
        try
        {
            tokenizer = gpt2 ? ByteLevelBpeTokenizer.LoadGpt2(vocab!.FullName, merges!.FullName)
                : model is not null ? FromCheckpoint(model.FullName)
                : TokenizerFile.Load(tokenizerFile!.FullName);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or JsonException)
        {
            io.Error.WriteLine($"seqcore: tokenize: {e.Message}");
            return ExitCodes.Usage;
        }

        string input = io.In.ReadToEnd();
        if (!decode)
        {
            int[] encoded;
            try { encoded = tokenizer.Encode(input); }
            catch (ArgumentException e) { return Usage(io, $"standard input: {e.Message}"); }
            io.Out.WriteLine(JsonSerializer.Serialize(encoded));
            return ExitCodes.Ok;
        }
        int[]? ids;
        try { ids = JsonSerializer.Deserialize<int[]>(input); }
        catch (JsonException e) { return Usage(io, $"--decode expects a JSON array of integers on standard input: {e.Message}"); }
        if (ids is null) return Usage(io, "--decode expects a JSON array of integers on standard input, got null.");
        foreach (int id in ids)
            if (id < 0 || id >= tokenizer.VocabularySize)
                return Usage(io, $"token id {id} is outside the vocabulary of {tokenizer.VocabularySize}.");
        io.Out.Write(tokenizer.Decode(ids));
        return ExitCodes.Ok;
    }

    private static ITokenizer FromCheckpoint(string path)
    {
        var metadata = Checkpoint.ReadMetadata(path);
        if (!metadata.TryGetValue(Checkpoint.TokenizerKey, out var json))
            throw new InvalidDataException($"{path}: the checkpoint carries no tokenizer (no '{Checkpoint.TokenizerKey}' in its metadata).");
        return TokenizerFile.FromJson(json, $"{path} ({Checkpoint.TokenizerKey})");
    }

    private static int Usage(CliIO io, string message)
    {
        io.Error.WriteLine($"seqcore: tokenize: {message}");
        return ExitCodes.Usage;
    }
}
