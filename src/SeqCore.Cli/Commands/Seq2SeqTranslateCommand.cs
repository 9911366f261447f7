using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Seq2SeqCli;
using SeqCore.Cpu;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore seq2seq translate</c>: decodes each input (arguments, or standard input one per line) with a trained
/// checkpoint, greedily or by beam search, and prints the outputs; optionally an attention map of the first input.
/// </summary>
internal static class Seq2SeqTranslateCommand
{
    public static Command Create(CliIO io)
    {
        var model = new Option<string>("--model") { Description = "A checkpoint written by 'seqcore seq2seq train'.", HelpName = "FILE", Required = true };
        var beam = ModelOptions.PositiveInt("--beam", "Beam width (1 = greedy decoding)", 1);
        var alpha = ModelOptions.Real("--alpha", "Length normalisation α of beam search (GNMT)", 0.6, 0, 10);
        var maxLength = ModelOptions.OptionalPositiveInt("--max-length", "Longest output decoded (default: the longest training target + 10).");
        var attentionSvg = new Option<string?>("--attention-svg") { Description = "Write the attention map of the first input to this SVG file.", HelpName = "FILE" };
        var threads = ModelOptions.OptionalPositiveInt("--threads", "CPU threads (default: all cores).");
        var json = CliOptions.Flag("--json", "One JSON object per input.");
        var inputs = new Argument<string[]>("text") { Description = "Inputs to translate; none: read standard input, one per line.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("translate", "Translate inputs with a trained seq2seq checkpoint (greedy or beam search).")
        {
            model, beam, alpha, maxLength, attentionSvg, threads, json, inputs,
        };
        command.SetAction(parse => Execute(io, parse.GetValue(model)!, parse.GetValue(beam), parse.GetValue(alpha), parse.GetValue(maxLength),
            parse.GetValue(attentionSvg), parse.GetValue(threads), parse.GetValue(json), parse.GetValue(inputs) ?? []));
        return command;
    }

    private static int Execute(CliIO io, string modelPath, int beam, double alpha, int? maxLengthOption, string? attentionSvg, int? threads, bool json, string[] args)
    {
        if (!File.Exists(modelPath)) return Seq2SeqCommand.Fail(io, "translate", $"file not found: {Path.GetFullPath(modelPath)}");
        var texts = args.Length > 0 ? args.ToList() : ReadLines(io.In);
        if (texts.Count == 0) return Seq2SeqCommand.Fail(io, "translate", "nothing to translate: give the inputs as arguments or on standard input.");
        using var backend = new CpuBackend<float>(new CpuBackendOptions { Threads = threads ?? 0 });
        Seq2Seq<float> seq2seq;
        Seq2SeqVocabulary vocabulary;
        IReadOnlyDictionary<string, string> meta;
        try { (seq2seq, vocabulary, meta) = Seq2SeqCheckpoint.Load(modelPath, backend); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return Seq2SeqCommand.Fail(io, "translate", e.Message);
        }
        using var _ = seq2seq;
        // Check every input before decoding any, so a bad one fails the run and writes nothing.
        var sources = new List<int[]>(texts.Count);
        for (int i = 0; i < texts.Count; i++)
        {
            if (texts[i].Length == 0) return Seq2SeqCommand.Fail(io, "translate", $"input {i + 1} is empty.");
            try { sources.Add(vocabulary.EncodeSource(texts[i])); }
            catch (ArgumentException e) { return Seq2SeqCommand.Fail(io, "translate", $"input {i + 1} (\"{texts[i]}\"): {e.Message}"); }
        }
        int maxLength = maxLengthOption is { } given ? given
            : meta.TryGetValue("seqcore.seq2seq.max_target_length", out var m) && int.TryParse(m, CultureInfo.InvariantCulture, out int longest) ? longest + 10
            : 2 * sources.Max(x => x.Length) + 10;

        var results = beam > 1
            ? sources.Select(src => seq2seq.Beam(src, beam, maxLength, alpha)[0]).ToArray()
            : seq2seq.Greedy(sources, maxLength);
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

    private static List<string> ReadLines(TextReader reader)
    {
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) lines.Add(line.TrimEnd('\r'));
        return lines;
    }
}
