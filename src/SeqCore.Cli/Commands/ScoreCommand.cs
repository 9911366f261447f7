using System.Text;
using SeqCore.Cli.Options;
using SeqCore.Metrics;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore score --hypotheses F --references G [--references H …] [--json]</c>: corpus BLEU and chrF2 of a file of
/// hypotheses, one segment a line, against one or more reference files of as many lines, as sacreBLEU 2.x computes
/// them by default (docs/metrics.md).
/// </summary>
internal static class ScoreCommand
{
    public static readonly TextOption Hypotheses = new("--hypotheses", "The system's output, one segment a line (UTF-8).", valueName: "FILE");
    public static readonly TextListOption References = new("--references", "A reference file, one segment a line, as many lines as --hypotheses; give it again for more references per segment.", "FILE");

    /// <summary>Every option the verb takes.</summary>
    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [Hypotheses, References, CommonOptions.Json];

    public static System.CommandLine.Command Create(CliIO io) =>
        CliVerb.Create(io, "score", "score", "Corpus BLEU (sacreBLEU's default: 13a tokens, 4-grams, exp smoothing) and chrF2 of a hypotheses file against one or more reference files.", AllOptions, (parse, v) =>
        {
            string hypothesesPath = v.ExistingFile(Hypotheses) ?? throw new UsageException($"{Hypotheses.Name} is required: {Hypotheses.Help}");
            var referencePaths = References.Values(parse, v);
            if (referencePaths.Count == 0) throw new UsageException($"{References.Name} is required: {References.Help}");
            var hypotheses = ReadSegments(Hypotheses.Name, hypothesesPath);
            var references = referencePaths.Select(path => ReadSegments(References.Name, path)).ToList();
            for (int k = 0; k < references.Count; k++)
                if (references[k].Count != hypotheses.Count)
                    throw new UsageException($"{References.Name} {referencePaths[k]} has {references[k].Count} lines but {Hypotheses.Name} {hypothesesPath} has {hypotheses.Count}: each reference file needs one line per hypothesis.");

            var bleu = Bleu.Corpus(hypotheses, references);
            var chrf = ChrF.Corpus(hypotheses, references);
            if (v.Get(CommonOptions.Json))
                Output.WriteJsonLine(io.Out, new
                {
                    Hypotheses = hypothesesPath,
                    References = referencePaths,
                    Segments = hypotheses.Count,
                    Bleu = new
                    {
                        bleu.Score, bleu.Counts, bleu.Totals, bleu.Precisions, Bp = bleu.BrevityPenalty, bleu.Ratio,
                        HypLen = bleu.HypothesisLength, RefLen = bleu.ReferenceLength, bleu.Signature, Format = bleu.Format(),
                    },
                    Chrf = new { chrf.Name, chrf.Score, chrf.Signature, Format = chrf.Format() },
                });
            else
            {
                io.Out.WriteLine(bleu.Format(signature: true));
                io.Out.WriteLine(chrf.Format(signature: true));
            }
            return ExitCodes.Ok;
        });

    /// <summary>The lines of a UTF-8 file as sacreBLEU's command line reads them: split at '\n' (a last line without
    /// one counts), trailing whitespace stripped. Invalid UTF-8 is a usage error naming the file.</summary>
    private static List<string> ReadSegments(string option, string path)
    {
        if (!File.Exists(path)) throw new UsageException($"{option}: file not found: {path}");
        string text;
        try { text = File.ReadAllText(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true)); }
        catch (DecoderFallbackException e) { throw new UsageException($"{option} {path}: not valid UTF-8: {e.Message}"); }
        if (text.Length == 0) return [];
        if (text.EndsWith('\n')) text = text[..^1];
        return [.. text.Split('\n').Select(PythonText.TrimEnd)];
    }
}
