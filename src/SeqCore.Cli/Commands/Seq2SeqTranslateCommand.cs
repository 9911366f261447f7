using SeqCore.Plots;
using System.CommandLine;
using SeqCore.Cli.Options;
using SeqCore.Cli.Outputs;
using SeqCore.Cli.Training;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore seq2seq translate</c>: decodes each input (arguments, <c>--input</c> one per line, the sources of
/// <c>--data</c>, or standard input one per line) with a trained checkpoint, greedily or by beam search, and prints the
/// outputs or writes them, one a line, to <c>--output</c> (atomically, after every input was read and checked);
/// optionally an attention map of the first input.
/// </summary>
internal static class Seq2SeqTranslateCommand
{
    public static readonly TextOption Model = new("--model", "A checkpoint written by 'seqcore seq2seq train' or 'seqcore train --model seq2seq' (required).", valueName: "FILE");
    public static readonly IntOption Beam = new("--beam", "Beam width (1 = greedy decoding).", 1, max: 1024, valueName: "K");
    public static readonly DoubleOption Alpha = new("--alpha", "Length normalisation α of beam search (GNMT).", 0.6, 0, 10, valueName: "A");
    public static readonly IntOption MaxLength = new("--max-length", "Cap on every output's length (default: the longest training target + 10 when the checkpoint records it); see --max-length-ratio.", null, max: 1 << 20);
    public static readonly TextOption Input = new("--input", "Translate the lines of this UTF-8 file, one source a line ('-': standard input); an empty line is an error.", valueName: "FILE");
    public static readonly TextOption OutputFile = new("--output", "Write the translations to this file, one a line, in the inputs' order, atomically ('-': standard output, the default). An existing file is replaced only when it is a text file of lines (or with --force); never an input.", valueName: "FILE");
    public static readonly TextOption AttentionSvg = new("--attention-svg", "Write the attention map of the first input to this SVG file. An existing file is replaced only when it is an SVG image (or with --force); never the --model file or a read-only file.", valueName: "FILE");

    /// <summary>Every option the sub-verb takes (the inputs are arguments).</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Model, Input, Seq2SeqData.Data, .. Seq2SeqData.TableOptions, OutputFile, Beam, Alpha, MaxLength, .. Seq2SeqDecodingOptions.All, AttentionSvg, CommonOptions.Force, CommonOptions.Backend, CommonOptions.Threads, BudgetOptions.MaxMemory, CommonOptions.Json];

    public static Command Create(CliIO io)
    {
        var inputs = new Argument<string[]>("text") { Description = "Inputs to translate; none: --input, --data or standard input, one per line.", Arity = ArgumentArity.ZeroOrMore };
        var command = CliVerb.Create(io, "seq2seq translate", "translate", "Translate inputs with a trained seq2seq checkpoint (greedy or beam search).", AllOptions,
            (parse, v) => Execute(io, v, parse.GetValue(inputs) ?? []));
        command.Arguments.Add(inputs);
        return command;
    }

    private static int Execute(CliIO io, OptionValues v, string[] args)
    {
        string modelPath = v.FindText(Model) ?? throw new UsageException("--model is required: the checkpoint to translate with.");
        int beam = v.Get(Beam);
        double alpha = v.Get(Alpha);
        var decoding = Seq2SeqDecodingOptions.Read(v, beam, alpha, v.Find(MaxLength));
        string? attentionSvg = v.FindText(AttentionSvg);
        bool json = v.Get(CommonOptions.Json);
        string? inputPath = v.FindText(Input), dataPath = v.FindText(Seq2SeqData.Data), outputPath = v.FindText(OutputFile);
        if (outputPath == "-") outputPath = null;
        if (!File.Exists(modelPath)) throw new UsageException($"--model: file not found: {Path.GetFullPath(modelPath)}");
        var readFiles = new List<InputFile> { new(Model.Name, modelPath) };
        if (inputPath is not null and not "-") readFiles.Add(new(Input.Name, inputPath));
        if (dataPath is not null) readFiles.Add(new(Seq2SeqData.Data.Name, dataPath));
        var writes = new List<Outputs.OutputFile>();
        if (outputPath is not null) writes.Add(new(OutputFile.Name, outputPath, Replaces: Artefact.TextLines));
        if (attentionSvg is not null) writes.Add(new(AttentionSvg.Name, attentionSvg, Replaces: Artefact.Svg));
        using var plan = writes.Count == 0 ? null : OutputPlan.Open(readFiles, writes, v.Get(CommonOptions.Force));
        var lines = ReadInputs(io, v, args, inputPath, dataPath);
        var texts = lines.Select(l => l.Text).ToList();
        if (texts.Count == 0) throw new UsageException("nothing to translate: give the inputs as arguments, with --input or --data, or on standard input.");
        // Check every input before decoding any, so a bad one fails the run and writes nothing. The run decodes
        // --decode-batch inputs at once, K beam rows each, over at most the longest input and its longest output.
        var sources = EncodeInputs(modelPath, lines);
        CheckBudget(v, modelPath, Seq2SeqDecodingOptions.Shape(decoding, texts.Count, sources.Max(x => x.Length)));
        using var backend = BackendOption.Open<float>(v);
        var (seq2seq, vocabulary) = LoadModel(v, modelPath, backend);
        using var _ = seq2seq;
        if (attentionSvg is not null && seq2seq.Config is Seq2SeqConfig { Attention: Seq2SeqAttention.None })
            throw new UsageException($"--attention-svg: {modelPath} decodes without attention (a fixed context vector); there is no attention map to draw.");
        var results = Seq2SeqDecoder.Decode(seq2seq, sources, Seq2SeqDecodingOptions.WithTrainedCap(decoding, seq2seq.MaxTargetLength));
        string? svgPath = null;
        if (attentionSvg is not null)
        {
            svgPath = Path.GetFullPath(attentionSvg);
            AttentionPlot.Create(vocabulary, texts[0], sources[0], results[0], beam > 1 ? $"beam {beam}" : "greedy").Save(svgPath);
        }
        if (outputPath is not null)
        {
            // One line each, in order; a translation's own line breaks would shift the lines after it.
            var text = new System.Text.StringBuilder();
            foreach (var r in results) text.Append(vocabulary.DecodeTarget(r.Tokens).ReplaceLineEndings(" ")).Append('\n');
            SeqCore.IO.AtomicFile.WriteAllText(outputPath, text.ToString(), createDirectory: true);
            string full = Path.GetFullPath(outputPath);
            if (json) Output.WriteJsonLine(io.Out, new { Event = "result", Translations = texts.Count, Output = full, Decoding = beam > 1 ? "beam" : "greedy", Beam = beam, AttentionSvg = svgPath });
            else io.Error.WriteLine($"wrote {texts.Count} translation{(texts.Count == 1 ? "" : "s")} to {full}");
            if (!json && svgPath is not null) io.Error.WriteLine($"attention map: {svgPath}");
            return ExitCodes.Ok;
        }
        for (int i = 0; i < texts.Count; i++)
        {
            string output = vocabulary.DecodeTarget(results[i].Tokens);
            if (json)
                Output.WriteJsonLine(io.Out, new
                {
                    Source = texts[i], Output = output, results[i].LogProbability, results[i].Score, results[i].Finished,
                    Decoding = beam > 1 ? "beam" : "greedy", Beam = beam, AttentionSvg = i == 0 ? svgPath : null,
                });
            else io.Out.WriteLine(texts.Count == 1 || inputPath is not null || dataPath is not null ? output : $"{texts[i]}\t{output}");
        }
        if (!json && svgPath is not null) io.Error.WriteLine($"attention map: {svgPath}");
        return ExitCodes.Ok;
    }

    /// <summary>Checks the checkpoint's parameters and the decoding's working memory (<paramref name="shape"/>: the rows
    /// decoded at once, the longest input and output) against the budget, before loading.</summary>
    internal static void CheckBudget(OptionValues v, string modelPath, RunShape shape) =>
        BudgetOptions.CheckFile(v, Model.Name, modelPath, Family(modelPath), (_, _) => shape);

    /// <summary>The model kind of a seq2seq checkpoint: <c>transformer-seq2seq</c> when it says so, else <c>seq2seq</c>
    /// (whose load then reports what is wrong with the file).</summary>
    internal static string Family(string modelPath)
    {
        try { return ModelCheckpoint.ReadKind(modelPath) == TransformerSeq2SeqConfig.ModelKind ? TransformerSeq2SeqConfig.ModelKind : Seq2SeqConfig.ModelKind; }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException) { return Seq2SeqConfig.ModelKind; }
    }

    /// <summary>
    /// Encodes every input with the vocabularies of the --model checkpoint, read from its header before any weight is
    /// loaded, and checks each against the model's source limit: a bad input fails the run naming its line, and the
    /// memory check sees the inputs' real token counts.
    /// </summary>
    internal static List<int[]> EncodeInputs(string modelPath, IReadOnlyList<(string Text, string Where)> lines)
    {
        IModelConfig config;
        IReadOnlyDictionary<string, string> metadata;
        try { (_, config, metadata) = ModelCheckpoint.ReadConfig(modelPath, Family(modelPath)); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException) { throw new UsageException($"--model: {e.Message}"); }
        if (!metadata.TryGetValue(SeqCore.IO.Checkpoint.TokenizerKey, out var json))
            throw new UsageException($"--model: {modelPath} has no vocabularies ('seqcore.tokenizer'); it cannot read text.");
        Seq2SeqVocabulary vocabulary;
        try { vocabulary = Seq2SeqVocabulary.FromJson(json, modelPath); }
        catch (InvalidDataException e) { throw new UsageException($"--model: {e.Message}"); }
        var (sourceSize, targetSize) = config switch
        {
            TransformerSeq2SeqConfig t => (t.SourceVocabularySize, t.TargetVocabularySize),
            _ => (((Seq2SeqConfig)config).SourceVocabularySize, ((Seq2SeqConfig)config).TargetVocabularySize),
        };
        if (vocabulary.SourceSize != sourceSize || vocabulary.TargetSize != targetSize)
            throw new UsageException($"--model: {modelPath}: the vocabularies ({vocabulary.SourceSize} source, {vocabulary.TargetSize} target ids) do not match the config ({sourceSize}, {targetSize}).");
        var (limit, limitName) = Seq2SeqData.SourceLimit(config);
        return Seq2SeqData.EncodeSources(vocabulary, lines, limit, limitName);
    }

    /// <summary>Loads the --model checkpoint and its vocabularies; a file that cannot be read, or has no vocabularies,
    /// is a usage error naming the file.</summary>
    internal static (ISeq2SeqModel<float> Model, Seq2SeqVocabulary Vocabulary) LoadModel(OptionValues v, string modelPath, IBackend<float> backend)
    {
        ISeq2SeqModel<float> seq2seq;
        try
        {
            seq2seq = Family(modelPath) == TransformerSeq2SeqConfig.ModelKind
                ? TransformerSeq2Seq<float>.Load(modelPath, backend, BudgetOptions.Bytes(v))
                : Seq2Seq<float>.Load(modelPath, backend, BudgetOptions.Bytes(v));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--model: {e.Message}");
        }
        if (seq2seq.Vocabulary is { } vocabulary) return (seq2seq, vocabulary);
        seq2seq.Dispose();
        throw new UsageException($"--model: {modelPath} has no vocabularies ('seqcore.tokenizer'); it cannot read text.");
    }

    /// <summary>The inputs with where each came from: the arguments, else --input (a file or '-'), else the sources of
    /// --data, else standard input. Blank lines of standard input are skipped (as before); --input keeps line for line,
    /// so an empty line there is an error.</summary>
    private static List<(string Text, string Where)> ReadInputs(CliIO io, OptionValues v, string[] args, string? inputPath, string? dataPath)
    {
        int given = (args.Length > 0 ? 1 : 0) + (inputPath is null ? 0 : 1) + (dataPath is null ? 0 : 1);
        if (given > 1) throw new UsageException("give the inputs one way: as arguments, with --input, or with --data.");
        if (dataPath is null)
            foreach (var option in Seq2SeqData.TableOptions)
                if (v.FindText((TextOption)option) is not null) throw new UsageException($"{option.Name} needs --data.");
        if (args.Length > 0) return [.. args.Select((t, i) => (t, $"input {i + 1}"))];
        if (dataPath is not null) return [.. Seq2SeqData.Read(v, Seq2SeqData.Data.Name, dataPath).Scored.Select(l => (l.Source, l.Where))];
        if (inputPath is null) return [.. ReadLines(io.In).Select((t, i) => (t, $"input {i + 1}"))];
        if (inputPath == "-") return Numbered(ReadAll(io.In), "standard input");
        if (!File.Exists(inputPath)) throw new UsageException($"{Input.Name}: file not found: {Path.GetFullPath(inputPath)}");
        try { return Numbered(SeqCore.IO.Utf8Text.ReadLines(inputPath), inputPath); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException) { throw new UsageException($"{Input.Name}: {e.Message}"); }
    }

    private static List<(string Text, string Where)> Numbered(IEnumerable<string> lines, string name)
    {
        var result = new List<(string, string)>();
        int number = 0;
        foreach (string raw in lines)
        {
            number++;
            string line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.Length == 0) throw new UsageException($"{Input.Name}: {name}:{number}: the line is empty; give one source a line.");
            result.Add((line, $"{name}:{number}"));
        }
        return result;
    }

    private static IEnumerable<string> ReadAll(TextReader reader)
    {
        while (reader.ReadLine() is { } line) yield return line;
    }

    private static List<string> ReadLines(TextReader reader)
    {
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) lines.Add(line.TrimEnd('\r'));
        return lines;
    }
}
