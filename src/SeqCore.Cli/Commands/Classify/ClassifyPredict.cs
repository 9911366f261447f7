using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Cli.Training;
using SeqCore.Models;

namespace SeqCore.Cli.Commands.Classify;

/// <summary>The prediction half of <c>seqcore classify</c>: a saved classifier on the texts of <c>--predict</c> or of standard input (one per line).</summary>
internal static class ClassifyPredict
{
    public static int Run(CliIO io, OptionValues values, string modelPath, IReadOnlyList<string> given)
    {
        bool json = values.Get(CommonOptions.Json);
        var texts = new List<(string Text, string Where)>();
        if (given.Count > 0)
            texts.AddRange(given.Select((t, i) => (t, $"--predict #{i + 1}")));
        using var backend = BackendOption.Open<float>(values);
        TextClassifier<float> classifier;
        try { classifier = TextClassifier<float>.Load(modelPath, backend, BudgetOptions.Bytes(values)); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException) { throw new UsageException($"--model: {e.Message}"); }
        using (classifier)
        {
            if (given.Count == 0)
            {
                int line = 0;
                for (string? s = io.In.ReadLine(); s is not null; s = io.In.ReadLine())
                {
                    line++;
                    if (s.Trim().Length > 0) texts.Add((s, $"standard input line {line}"));
                }
                if (texts.Count == 0) throw new UsageException("no text to classify: give --predict TEXT or lines on standard input.");
            }
            var ids = new List<int[]>(texts.Count);
            foreach (var (text, where) in texts)
            {
                if (text.Trim().Length == 0) throw new UsageException($"{where}: the text is empty.");
                try { ids.Add(classifier.Encode(text)); }
                catch (ArgumentException) { throw new UsageException($"{where}: the text has no tokens."); }
            }
            var probabilities = classifier.Model.PredictProbabilities(ids);
            var c = CultureInfo.InvariantCulture;
            for (int i = 0; i < texts.Count; i++)
            {
                int best = ClassifierTrainKind.ArgMax(probabilities[i]);
                if (json)
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
