using SeqCore.Plots;
using System.CommandLine;
using SeqCore.Cli.Options;
using SeqCore.Cli.Outputs;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore seq2seq translate</c>: decodes each input (arguments, or standard input one per line) with a trained
/// checkpoint, greedily or by beam search, and prints the outputs; optionally an attention map of the first input.
/// </summary>
internal static class Seq2SeqTranslateCommand
{
    public static readonly TextOption Model = new("--model", "A checkpoint written by 'seqcore seq2seq train' or 'seqcore train --model seq2seq' (required).", valueName: "FILE");
    public static readonly IntOption Beam = new("--beam", "Beam width (1 = greedy decoding).", 1, max: 1024, valueName: "K");
    public static readonly DoubleOption Alpha = new("--alpha", "Length normalisation α of beam search (GNMT).", 0.6, 0, 10, valueName: "A");
    public static readonly IntOption MaxLength = new("--max-length", "Longest output decoded (default: the longest training target + 10).", null, max: 1 << 20);
    public static readonly TextOption AttentionSvg = new("--attention-svg", "Write the attention map of the first input to this SVG file. An existing file is replaced only when it is an SVG image (or with --force); never the --model file or a read-only file.", valueName: "FILE");

    /// <summary>Every option the sub-verb takes (the inputs are arguments).</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } =
        [Model, Beam, Alpha, MaxLength, AttentionSvg, CommonOptions.Force, CommonOptions.Backend, CommonOptions.Threads, BudgetOptions.MaxMemory, CommonOptions.Json];

    public static Command Create(CliIO io)
    {
        var inputs = new Argument<string[]>("text") { Description = "Inputs to translate; none: read standard input, one per line.", Arity = ArgumentArity.ZeroOrMore };
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
        int? maxLengthOption = v.Find(MaxLength);
        string? attentionSvg = v.FindText(AttentionSvg);
        bool json = v.Get(CommonOptions.Json);
        if (!File.Exists(modelPath)) throw new UsageException($"--model: file not found: {Path.GetFullPath(modelPath)}");
        using var plan = attentionSvg is null ? null
            : OutputPlan.Open([new(Model.Name, modelPath)], [new(AttentionSvg.Name, attentionSvg, Replaces: Artefact.Svg)], v.Get(CommonOptions.Force));
        var texts = args.Length > 0 ? args.ToList() : ReadLines(io.In);
        if (texts.Count == 0) throw new UsageException("nothing to translate: give the inputs as arguments or on standard input.");
        // The run decodes every input at once (greedy) or beam hypotheses of one input, over at most the longest input
        // (one token per character and <eos>) and the longest output.
        int longestInput = texts.Max(t => t.Length) + 1;
        CheckBudget(v, modelPath, beam > 1 ? beam : texts.Count, longestInput, maxLengthOption);
        using var backend = BackendOption.Open<float>(v);
        var (seq2seq, vocabulary) = LoadModel(v, modelPath, backend);
        using var _ = seq2seq;
        // Check every input before decoding any, so a bad one fails the run and writes nothing.
        var sources = new List<int[]>(texts.Count);
        for (int i = 0; i < texts.Count; i++)
        {
            if (texts[i].Length == 0) throw new UsageException($"input {i + 1} is empty.");
            try { sources.Add(EncodeSource(seq2seq, vocabulary, texts[i])); }
            catch (ArgumentException e) { throw new UsageException($"input {i + 1} (\"{texts[i]}\"): {e.Message}"); }
        }
        int maxLength = DecodeLength(maxLengthOption, seq2seq.MaxTargetLength, sources.Max(x => x.Length));

        var results = Decode(seq2seq, sources, beam, maxLength, alpha);
        string? svgPath = null;
        if (attentionSvg is not null)
        {
            svgPath = Path.GetFullPath(attentionSvg);
            AttentionPlot.Create(vocabulary, texts[0], sources[0], results[0], beam > 1 ? $"beam {beam}" : "greedy").Save(svgPath);
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
            else io.Out.WriteLine(texts.Count == 1 ? output : $"{texts[i]}\t{output}");
        }
        if (!json && svgPath is not null) io.Error.WriteLine($"attention map: {svgPath}");
        return ExitCodes.Ok;
    }

    /// <summary>Checks the checkpoint's parameters and the decoding's working memory (<paramref name="rows"/> decoded at once,
    /// over <paramref name="longestInput"/> source tokens and the longest output) against the budget, before loading.</summary>
    internal static void CheckBudget(OptionValues v, string modelPath, int rows, int longestInput, int? maxLengthOption) =>
        BudgetOptions.CheckFile(v, Model.Name, modelPath, Family(modelPath), (_, metadata) => new RunShape(rows, longestInput,
            DecodeLength(maxLengthOption, metadata.TryGetValue(Seq2Seq<float>.MaxTargetLengthKey, out var saved)
                && int.TryParse(saved, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : 0, longestInput)));

    /// <summary>The model kind of a seq2seq checkpoint: <c>transformer-seq2seq</c> when it says so, else <c>seq2seq</c>
    /// (whose load then reports what is wrong with the file).</summary>
    internal static string Family(string modelPath)
    {
        try { return ModelCheckpoint.ReadKind(modelPath) == TransformerSeq2SeqConfig.ModelKind ? TransformerSeq2SeqConfig.ModelKind : Seq2SeqConfig.ModelKind; }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException) { return Seq2SeqConfig.ModelKind; }
    }

    /// <summary>Loads the --model checkpoint of either family and its vocabularies; a file that cannot be read, or has
    /// no vocabularies, is a usage error naming the file.</summary>
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

    /// <summary>The source ids of <paramref name="text"/>; <see cref="ArgumentException"/> for a character outside the
    /// vocabulary or, for a transformer, a source longer than its position tables.</summary>
    internal static int[] EncodeSource(ISeq2SeqModel<float> model, Seq2SeqVocabulary vocabulary, string text)
    {
        int[] ids = vocabulary.EncodeSource(text);
        if (model.Config is TransformerSeq2SeqConfig c && ids.Length > c.MaxLength)
            throw new ArgumentException($"{ids.Length} tokens (with <eos>) exceed the model's maxLength {c.MaxLength}.");
        return ids;
    }

    /// <summary>Decodes every source with either family: greedy over the whole batch, or beam search one source at a time.</summary>
    internal static DecodedSequence[] Decode(ISeq2SeqModel<float> model, IReadOnlyList<int[]> sources, int beam, int maxLength, double alpha) => model switch
    {
        Seq2Seq<float> recurrent => beam > 1 ? [.. sources.Select(src => recurrent.Beam(src, beam, maxLength, alpha)[0])] : recurrent.Greedy(sources, maxLength),
        TransformerSeq2Seq<float> transformer => beam > 1 ? [.. sources.Select(src => transformer.Beam(src, beam, maxLength, alpha)[0])] : transformer.Greedy(sources, maxLength),
        _ => throw new ArgumentException($"seq2seq: no decoding for a {model.GetType().Name}."),
    };

    /// <summary>The longest output decoded: --max-length, else 10 past the longest target seen in training (when the
    /// checkpoint records it), else twice the longest input plus 10.</summary>
    internal static int DecodeLength(int? option, int maxTargetLength, int longestSource) =>
        option ?? (maxTargetLength > 0 ? maxTargetLength + 10 : 2 * longestSource + 10);

    private static List<string> ReadLines(TextReader reader)
    {
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) lines.Add(line.TrimEnd('\r'));
        return lines;
    }
}
