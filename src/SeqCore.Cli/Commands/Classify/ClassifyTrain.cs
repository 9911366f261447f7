using System.Globalization;
using SeqCore.Cli.Plots;
using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;
using Spectre.Console;

namespace SeqCore.Cli.Commands.Classify;

/// <summary>The training half of <c>seqcore classify</c>: data → model → Trainer → held-out report → files.</summary>
internal static class ClassifyTrain
{
    public const string CheckpointName = "classifier.safetensors", LossName = "loss.svg", ConfusionName = "confusion.svg";

    public static int Run(CliIO io, ClassifyOptions o)
    {
        if (o.Out is not null && File.Exists(o.Out)) return ClassifyCommand.Usage(io, $"--out: {o.Out} is a file; expected a folder.");
        ClassifyData data;
        try { data = ClassifyData.Load(o); }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return ClassifyCommand.Usage(io, e.Message);
        }

        var config = new SequenceClassifierConfig
        {
            VocabularySize = data.Tokenizer.VocabularySize,
            Classes = data.Labels.Length,
            EmbeddingDim = o.Embedding,
            Encoder = o.Encoder,
            HiddenSize = o.Hidden,
            Layers = o.Layers,
            Bidirectional = o.Bidirectional,
            KernelSize = o.Kernel,
            Pooling = o.Pooling,
            Dropout = o.Dropout,
            MaxLength = data.MaxLength,
        };
        using var backend = new CpuBackend<float>(new CpuBackendOptions { Threads = o.Threads });
        using var model = new SequenceClassifier<float>(backend, config, new RandomStream(o.Seed + 2));
        using var training = new ClassifierTrainable<float>(model, data.Train, data.TrainLabels,
            data.Valid.Length > 0 ? data.Valid : null, data.Valid.Length > 0 ? data.ValidLabels : null, o.Batch, o.Seed + 3);
        using var adam = new Adam<float>(backend, model.Parameters, o.LearningRate);
        int steps = o.Steps ?? checked(o.Epochs * training.BatchesPerEpoch);
        var trainerOptions = new TrainerOptions
        {
            Steps = steps,
            EvalEvery = Math.Min(training.BatchesPerEpoch, steps),
            Patience = o.Patience,
            ClipNorm = o.Clip,
            TimeBudget = o.TimeSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
            Schedule = o.Schedule == "cosine" && steps > 1 ? new WarmupCosineSchedule(o.LearningRate, 0, steps) : null,
        };
        long parameterCount = model.Parameters.Sum(p => p.Value.Length);
        if (!o.Json) WriteHeader(io, o, data, config, parameterCount);

        TrainingResult result;
        try
        {
            var view = new TrainingProgressView(io, o.Json, steps);
            result = view.Run("classify", report => new Trainer<float>(backend, adam, trainerOptions)
            {
                Progress = report,
                Improved = (_, _) => training.KeepBest(),
            }.Run(training));
        }
        catch (NonFiniteTrainingException e)
        {
            io.Error.WriteLine($"seqcore: classify: {e.Message} Try a smaller --lr.");
            return ExitCodes.Failed;
        }
        bool restored = training.RestoreBest();

        var probabilities = model.PredictProbabilities(data.Test);
        int[] predicted = [.. probabilities.Select(ArgMax)];
        var report = ClassificationReport.From(data.TestLabels, predicted, data.Labels);
        var baselines = Baselines(data);

        var files = new List<string>();
        if (o.Out is not null)
        {
            Directory.CreateDirectory(o.Out);
            string checkpoint = Path.Combine(o.Out, CheckpointName), loss = Path.Combine(o.Out, LossName), confusion = Path.Combine(o.Out, ConfusionName);
            new TextClassifier<float>(model, data.Tokenizer, data.Labels).Save(checkpoint);
            LossChart(result, training.BatchesPerEpoch).Save(loss);
            ConfusionMatrixSvg.Save(confusion, data.Labels, report.Confusion,
                string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(data.Source)}: held-out accuracy {report.Accuracy:P1} ({report.Count} examples)"));
            files.AddRange([checkpoint, loss, confusion]);
        }

        double epochs = (double)result.Steps / training.BatchesPerEpoch;
        if (o.Json)
            Output.WriteJsonLine(io.Out, new
            {
                Event = "result", data.Source, Labels = data.Labels, TrainCount = data.Train.Length, ValidCount = data.Valid.Length, TestCount = data.Test.Length,
                Tokens = data.TokenKind, Vocabulary = data.Tokenizer.VocabularySize, Config = new { Encoder = config.Encoder.ToString().ToLowerInvariant(), config.Bidirectional, Pooling = config.Pooling.ToString().ToLowerInvariant(), config.EmbeddingDim, config.HiddenSize, config.Layers, config.KernelSize, config.Dropout, config.MaxLength, o.Batch, o.LearningRate, o.Schedule, o.Seed },
                Parameters = parameterCount, result.Steps, Epochs = epochs, StopReason = result.Reason.ToString(), result.BestEvalLoss, result.BestStep, RestoredBest = restored,
                ValidationAccuracy = training.LastValidationAccuracy, ElapsedS = result.Elapsed.TotalSeconds,
                report.Accuracy, report.MacroF1, BaselineMajority = baselines.Majority, BaselineNaiveBayes = baselines.NaiveBayes, NaiveBayesOrder = baselines.Order,
                Classes = report.Classes.Select(c => new { c.Label, c.Precision, c.Recall, c.F1, c.Support }),
                report.Confusion, Files = files,
            });
        else WriteReport(io, data, result, epochs, restored, report, baselines, files);
        return ExitCodes.Ok;
    }

    internal static int ArgMax(double[] p)
    {
        int best = 0;
        for (int i = 1; i < p.Length; i++) if (p[i] > p[best]) best = i;
        return best;
    }

    /// <summary>Majority class of the training part, and token n-gram naive Bayes (trigrams of characters, bigrams of words), on the test part.</summary>
    private static (double Majority, double NaiveBayes, int Order) Baselines(ClassifyData data)
    {
        int majority = data.TrainLabels.GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        double majorityAccuracy = data.TestLabels.Count(l => l == majority) / (double)data.TestLabels.Length;
        int order = data.TokenKind == "char" ? 3 : 2;
        var nb = TokenNgramNaiveBayes.Train(data.Train, data.TrainLabels, data.Labels.Length, order);
        int correct = 0;
        for (int i = 0; i < data.Test.Length; i++) if (nb.Predict(data.Test[i]) == data.TestLabels[i]) correct++;
        return (majorityAccuracy, correct / (double)data.Test.Length, order);
    }

    private static SvgChart LossChart(TrainingResult result, int batchesPerEpoch)
    {
        var chart = new SvgChart { Title = "seqcore classify: cross-entropy", XLabel = $"step ({batchesPerEpoch} per epoch)", YLabel = "loss (nats)" };
        chart.Add(new SvgSeries("training (smoothed)", [.. result.History.Select(p => ((double)p.Step, p.SmoothedLoss))]));
        var eval = result.History.Where(p => p.EvalLoss is not null).Select(p => ((double)p.Step, p.EvalLoss!.Value)).ToList();
        if (eval.Count > 0) chart.Add(new SvgSeries("validation", eval));
        if (result.BestStep > 0 && result.BestStep < result.Steps) chart.Marker(result.BestStep, "best (kept)");
        return chart;
    }

    private static void WriteHeader(CliIO io, ClassifyOptions o, ClassifyData data, SequenceClassifierConfig config, long parameters)
    {
        var c = CultureInfo.InvariantCulture;
        string encoder = config.Encoder switch
        {
            SequenceClassifierConfig.ConvEncoder => $"conv (kernel {config.KernelSize}) + ReLU, {config.HiddenSize} channels",
            _ => $"{(config.Bidirectional ? "bidirectional " : "")}{config.Encoder.ToString().ToUpperInvariant()}, {config.Layers} layer{(config.Layers > 1 ? "s" : "")} of {config.HiddenSize}",
        };
        io.Out.WriteLine(string.Create(c, $"data: {data.Source}{(data.HeaderSkipped ? " (header line skipped)" : "")}: {data.Labels.Length} labels; train {data.Train.Length:N0}, validation {data.Valid.Length:N0}, test {data.Test.Length:N0} ({data.SplitDescription})"));
        io.Out.WriteLine(string.Create(c, $"tokens: {data.TokenKind}, vocabulary {data.Tokenizer.VocabularySize:N0}{(data.MaxLength > 0 ? $", texts cut to {data.MaxLength} tokens" : "")}"));
        io.Out.WriteLine(string.Create(c, $"model: embedding {config.EmbeddingDim} → {encoder} → {config.Pooling.ToString().ToLowerInvariant()} pooling → dropout {config.Dropout} → {config.Classes} classes; {parameters:N0} parameters; batch {o.Batch}, Adam lr {o.LearningRate} ({o.Schedule}), seed {o.Seed}"));
        io.Out.Flush();
    }

    private static void WriteReport(CliIO io, ClassifyData data, TrainingResult result, double epochs, bool restored, ClassificationReport report,
        (double Majority, double NaiveBayes, int Order) baselines, List<string> files)
    {
        var c = CultureInfo.InvariantCulture;
        var console = Output.Console(io.Out);
        string best = result.BestEvalLoss is { } b ? string.Create(c, $"; best validation loss {b:F4} at step {result.BestStep}{(restored ? " (weights restored)" : "")}") : "";
        io.Out.WriteLine(string.Create(c, $"training: {result.Steps} steps ({epochs:F1} epochs) in {result.Elapsed.TotalSeconds:F1} s, stopped: {Reason(result.Reason)}{best}"));
        io.Out.WriteLine(string.Create(c, $"held-out test: accuracy {report.Accuracy:F4} ({report.Confusion.Select((r, i) => r[i]).Sum()}/{report.Count}), macro F1 {report.MacroF1:F4}"));
        io.Out.WriteLine(string.Create(c, $"baselines on the same test set: majority class {baselines.Majority:F4}; token {baselines.Order}-gram naive Bayes {baselines.NaiveBayes:F4}"));
        io.Out.Flush();

        var scores = new Table().Title("Per class (held-out test)").AddColumn("Label").AddColumn("Precision", x => x.RightAligned())
            .AddColumn("Recall", x => x.RightAligned()).AddColumn("F1", x => x.RightAligned()).AddColumn("Support", x => x.RightAligned());
        foreach (var s in report.Classes)
            scores.AddRow(Markup.Escape(s.Label), s.Precision.ToString("F3", c), s.Recall.ToString("F3", c), s.F1.ToString("F3", c), s.Support.ToString(c));
        console.Write(scores);

        var confusion = new Table().Title("Confusion matrix (rows: true, columns: predicted)").AddColumn("");
        foreach (string label in data.Labels) confusion.AddColumn(Markup.Escape(Short(label)), x => x.RightAligned());
        for (int i = 0; i < data.Labels.Length; i++)
            confusion.AddRow([Markup.Escape(data.Labels[i]), .. report.Confusion[i].Select((n, j) => i == j ? $"[bold]{n}[/]" : n.ToString(c))]);
        console.Write(confusion);
        foreach (string f in files) io.Out.WriteLine($"wrote {f}");
        io.Out.Flush();
    }

    private static string Short(string label) => label.Length <= 7 ? label : label[..6] + "…";

    private static string Reason(StopReason r) => r switch
    {
        StopReason.StepsDone => "all steps done",
        StopReason.EarlyStopping => "early stopping (validation loss stopped improving)",
        StopReason.TimeBudget => "time budget reached",
        _ => r.ToString(),
    };
}
