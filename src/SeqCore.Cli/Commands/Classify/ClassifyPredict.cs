using System.Globalization;
using SeqCore.Cpu;
using SeqCore.Models;

namespace SeqCore.Cli.Commands.Classify;

/// <summary>The prediction half of <c>seqcore classify</c>: a saved classifier on the texts of <c>--predict</c> or of standard input (one per line).</summary>
internal static class ClassifyPredict
{
    public static int Run(CliIO io, ClassifyOptions o)
    {
        using var backend = new CpuBackend<float>(new CpuBackendOptions { Threads = o.Threads });
        TextClassifier<float> classifier;
        try { classifier = TextClassifier<float>.Load(backend, o.Model!); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return ClassifyCommand.Usage(io, e.Message);
        }
        using (classifier)
        {
            var texts = new List<(string Text, string Where)>();
            if (o.Predict.Length > 0)
                texts.AddRange(o.Predict.Select((t, i) => (t, $"--predict #{i + 1}")));
            else
            {
                int line = 0;
                for (string? s = io.In.ReadLine(); s is not null; s = io.In.ReadLine())
                {
                    line++;
                    if (s.Trim().Length > 0) texts.Add((s, $"standard input line {line}"));
                }
                if (texts.Count == 0) return ClassifyCommand.Usage(io, "no text to classify: give --predict TEXT or lines on standard input.");
            }
            var ids = new List<int[]>(texts.Count);
            foreach (var (text, where) in texts)
            {
                if (text.Trim().Length == 0) return ClassifyCommand.Usage(io, $"{where}: the text is empty.");
                try { ids.Add(classifier.Encode(text)); }
                catch (ArgumentException) { return ClassifyCommand.Usage(io, $"{where}: the text has no tokens."); }
            }
            var probabilities = classifier.Model.PredictProbabilities(ids);
            var c = CultureInfo.InvariantCulture;
            for (int i = 0; i < texts.Count; i++)
            {
                int best = ClassifyTrain.ArgMax(probabilities[i]);
                if (o.Json)
                    Output.WriteJsonLine(io.Out, new
                    {
                        texts[i].Text, Label = classifier.Labels[best], Probability = probabilities[i][best],
                        Probabilities = classifier.Labels.Select((l, k) => (l, k)).ToDictionary(p => p.l, p => probabilities[i][p.k]),
                    });
                else io.Out.WriteLine(string.Create(c, $"{classifier.Labels[best]}\t{probabilities[i][best]:F4}\t{texts[i].Text}"));
            }
            io.Out.Flush();
            return ExitCodes.Ok;
        }
    }
}
