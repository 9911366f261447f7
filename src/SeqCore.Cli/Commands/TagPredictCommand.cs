using SeqCore.Cli.Options;
using SeqCore.Cli.Training;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore tag predict</c>: tags each line of <c>--input</c> (or of standard input) with a saved tagger and prints
/// it as a tag file line, <c>tokens&lt;TAB&gt;tags</c>; with <c>--task diacritics</c>, prints each line with its marks
/// restored instead.
/// </summary>
internal static class TagPredictCommand
{
    public static readonly TextOption Input = new("--input", "A UTF-8 file of sentences to tag, one a line (the part after a tab, if any, is ignored); default: standard input.", valueName: "FILE");

    /// <summary>Every option the sub-verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [TagEvalCommand.Model, Input, TaggerTrainKind.Task, CommonOptions.Backend, CommonOptions.Threads, BudgetOptions.MaxMemory, CommonOptions.Json];

    public static System.CommandLine.Command Create(CliIO io) =>
        CliVerb.Create(io, "tag predict", "predict", "Tag each line of --input or standard input with a saved tagger (printed as 'tokens<TAB>tags'), or with --task diacritics restore its accents.", AllOptions,
            (_, v) => Execute(io, v));

    /// <summary>Opens the tagger checkpoint <paramref name="path"/> within the memory budget; <see cref="UsageException"/> for a bad file.</summary>
    public static TextTagger<float> Load(OptionValues v, string path, IBackend<float> backend)
    {
        try { return TextTagger<float>.Load(path, backend, BudgetOptions.Bytes(v)); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException) { throw new UsageException($"--model: {e.Message}"); }
    }

    private static int Execute(CliIO io, OptionValues v)
    {
        v.WithConfigFile().RejectUnknownKeys(AllOptions, "tag predict");
        string modelPath = v.FindText(TagEvalCommand.Model) ?? throw new UsageException("--model is required: the tagger checkpoint.");
        bool json = v.Get(CommonOptions.Json), diacritics = v.FindText(TaggerTrainKind.Task) is not null;
        using var backend = BackendOption.Open<float>(v);
        using var tagger = Load(v, modelPath, backend);
        string unit = tagger.Vocabulary.Unit;
        List<(string[] Tokens, string Source)> sentences;
        if (v.FindText(Input) is { } input)
        {
            try { sentences = TagFile.ReadUntagged(input, unit); }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException) { throw new UsageException($"--input: {e.Message}"); }
        }
        else
        {
            sentences = [];
            int line = 0;
            for (string? s = io.In.ReadLine(); s is not null; s = io.In.ReadLine())
            {
                line++;
                if (s.Trim().Length == 0) continue;
                int tab = s.IndexOf('\t');
                sentences.Add((TaggerVocabulary.Split(tab < 0 ? s : s[..tab], unit), $"standard input line {line}"));
            }
            if (sentences.Count == 0) throw new UsageException("no text to tag: give --input FILE or lines on standard input.");
        }
        if (diacritics)
        {
            string[] restored;
            try { restored = DiacriticsReport.Restore(tagger, [.. sentences.Select(s => string.Concat(s.Tokens))]); }
            catch (ArgumentException e) { throw new UsageException($"--task diacritics: {modelPath}: {e.Message}"); }
            foreach (var (text, i) in restored.Select((t, i) => (t, i)))
                if (json) Output.WriteJsonLine(io.Out, new { Input = string.Concat(sentences[i].Tokens), Restored = text });
                else io.Out.WriteLine(text);
            io.Out.Flush();
            return ExitCodes.Ok;
        }
        var tags = tagger.Predict([.. sentences.Select(s => (IReadOnlyList<string>)s.Tokens)]);
        string separator = unit == TaggerVocabulary.CharTokens ? "" : " ";
        for (int i = 0; i < sentences.Count; i++)
            if (json) Output.WriteJsonLine(io.Out, new { sentences[i].Tokens, Tags = tags[i] });
            else io.Out.WriteLine($"{string.Join(separator, sentences[i].Tokens)}\t{string.Join(' ', tags[i])}");
        io.Out.Flush();
        return ExitCodes.Ok;
    }
}
