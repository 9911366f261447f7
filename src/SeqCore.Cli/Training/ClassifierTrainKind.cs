using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Distributed;
using SeqCore.Metrics;
using SeqCore.Plots;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;
using Spectre.Console;

namespace SeqCore.Cli.Training;

/// <summary><c>train --model classifier</c> and <c>classify --tsv|--imdb</c>: labelled text, a char or word tokenizer, an
/// LSTM/GRU/RNN/conv encoder (recurrent ones optionally reading backwards) with pooling, dense ReLU layers and a softmax or
/// binary head; reports held-out accuracy (and ROC AUC for two labels), per-class scores and the confusion matrix next to two
/// baselines, and writes the confusion-matrix SVG beside the checkpoint (<c>NAME.confusion.svg</c>).</summary>
internal sealed class ClassifierTrainKind : ITrainKind
{
    public static readonly TextOption Tsv = new("--tsv", "Train and evaluate on a UTF-8 TSV of 'text<TAB>label' lines (a header line is detected and skipped).", valueName: "FILE");
    public static readonly TextOption Imdb = new("--imdb", "Train on DIR/train and evaluate on DIR/test of the aclImdb layout (pos|neg/*.txt).", valueName: "DIR");
    public static readonly ChoiceOption Tokens = new("--tokens", "Token unit: characters or words (default: char for --tsv, word for --imdb).", ClassifierDataOptions.TokenKinds, null);
    public static readonly IntOption Vocab = new("--vocab", "Word vocabulary cap, <unk> included (word tokens).", 20000);
    public static readonly IntOption MaxLength = new("--max-len", "Cut each text to its first N tokens; 0 = no limit (default: 0 for --tsv, 400 for --imdb).", null, min: 0);
    public static readonly ChoiceOption Encoder = new("--encoder", "Encoder over the embedded tokens: a recurrent cell of the catalogue, or conv (one 1-D convolution + ReLU).", SequenceClassifierConfig.Encoders, "lstm");
    public static readonly FlagOption Bidirectional = new("--bidirectional", "Run the recurrent encoder in both directions.");
    public static readonly ChoiceOption Pooling = new("--pooling", "Pooling over time: mean or max over each text's own steps, or the last state.", ["mean", "max", "last"], "mean");
    public static readonly IntOption Embedding = new("--embedding", "Embedding size E.", 32, max: 1 << 16, valueName: "E");
    public static readonly IntOption Hidden = new("--hidden", "Recurrent hidden size per direction, or convolution channels.", 64, max: 1 << 16, valueName: "H");
    public static readonly IntOption Layers = new("--layers", "Stacked recurrent layers.", 1, max: 1024, valueName: "L");
    public static readonly IntOption Kernel = new("--kernel", "Convolution kernel width, odd.", 5, max: 1024);
    public static readonly FlagOption GoBackwards = new("--go-backwards", "Read each text's tokens last to first (Keras' go_backwards=True); a one-directional recurrent encoder only.");
    public static readonly IntListOption HiddenLayers = new("--hidden-layers", "Dense layers with ReLU between the pooled features and the head, their widths in order (e.g. 64 or 64,32); none by default.", []);
    public static readonly ChoiceOption Head = new("--head", "softmax: one output per label, cross-entropy; binary: exactly two labels, one sigmoid output (the second label in sorted order), binary cross-entropy, accuracy at 0.5.", ["softmax", "binary"], "softmax");
    public static readonly DoubleOption Dropout = new("--dropout", "Dropout on the pooled features and between recurrent layers.", 0.1, 0, 0.99, valueName: "P");
    public static readonly IntOption Epochs = new("--epochs", "Passes over the training data (--steps wins).", 10);
    public static readonly DoubleOption TestFraction = new("--test-fraction", "Share of each label held out for the test (--tsv; seeded, stratified).", 0.2, 0, 0.95, minExclusive: true, valueName: "F");
    public static readonly DoubleOption ValidFraction = new("--valid-fraction", "Share of each label of the training part used for validation and early stopping.", 0.1, 0, 0.95, minExclusive: true, valueName: "F");

    public IModelKind Kind => ClassifierKind.Instance;

    public IReadOnlyList<OptionSpec> Options { get; } =
        [Tsv, Imdb, Tokens, Vocab, MaxLength, Encoder, Bidirectional, GoBackwards, Pooling, Embedding, Hidden, Layers, Kernel, HiddenLayers, Head, Dropout, Epochs, TestFraction, ValidFraction, .. PretrainedEmbeddings.Options];

    /// <summary>Adam at 0.002 with a cosine decay and no warm-up, clipping at 1, patience 3 evaluations; the steps
    /// (--epochs passes) and one evaluation per epoch come from the data (<see cref="ITrainJob.CompleteDefaults"/>).</summary>
    public TrainingSettings Defaults { get; } = new() { LearningRate = 2e-3, Clip = 1.0, Schedule = "cosine", Warmup = 0, CosineFloor = 0, Patience = 3 };

    public string StepsText => "--epochs × batches per epoch";

    public string EvalEveryText => "once per epoch";

    public string DefaultOut => "classifier.safetensors";

    public IReadOnlyList<string> Outputs(TrainOutputs outputs) => [outputs.ConfusionSvg];

    /// <summary>Texts per batch when --batch is not given.</summary>
    public const int DefaultBatch = 64;

    public ITrainJob Prepare(OptionValues v, IBackend<float> backend, ulong seed, BatchShard shard)
    {
        string? tsv = v.FindText(Tsv), imdb = v.FindText(Imdb);
        if ((tsv is null) == (imdb is null)) throw new UsageException("give one of --tsv FILE or --imdb DIR: the labelled text to learn.");
        string encoder = v.Get(Encoder);
        bool bidirectional = v.Get(Bidirectional);
        int layers = v.Get(Layers), kernel = v.Get(Kernel);
        if (encoder == SequenceClassifierConfig.ConvEncoder && (bidirectional || layers != 1))
            throw new UsageException("--bidirectional and --layers are recurrent options; the conv encoder has one layer.");
        if (kernel % 2 == 0) throw new UsageException($"--kernel: expected an odd width, got {kernel}.");
        bool goBackwards = v.Get(GoBackwards);
        if (goBackwards && (encoder == SequenceClassifierConfig.ConvEncoder || bidirectional))
            throw new UsageException("--go-backwards reverses a one-directional recurrent encoder's reading; it does not go with --encoder conv or --bidirectional.");
        var head = Enum.Parse<ClassifierHead>(v.Get(Head), ignoreCase: true);
        int[] hiddenLayers = [.. HiddenLayers.Values(v)];
        int batch = v.Find(CommonOptions.Batch) ?? DefaultBatch;
        DataParallelCli.CheckBatch(shard, batch);
        int epochs = v.Get(Epochs);
        var dataOptions = new ClassifierDataOptions
        {
            Tsv = tsv, Imdb = imdb, Tokens = v.FindText(Tokens), Vocab = v.Get(Vocab), MaxLength = v.Find(MaxLength),
            TestFraction = v.Get(TestFraction), ValidFraction = v.Get(ValidFraction), Seed = seed,
        };
        var pooling = Enum.Parse<ClassifierPooling>(v.Get(Pooling), ignoreCase: true);
        int embedding = v.Get(Embedding), hidden = v.Get(Hidden);
        double dropout = v.Get(Dropout);
        bool timeOnly = v.IsSet(CommonOptions.Time) && !v.IsSet(CommonOptions.Steps);
        bool keepLast = v.Get(CommonOptions.KeepLast);

        ClassifierData data;
        try { data = ClassifierData.Load(dataOptions); }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException(e.Message);
        }
        if (head == ClassifierHead.Binary && data.Labels.Length != 2)
            throw new UsageException($"{data.Source}: --head binary needs exactly two labels; found {data.Labels.Length}: {string.Join(", ", data.Labels)}.");
        var config = new SequenceClassifierConfig
        {
            VocabularySize = data.Tokenizer.VocabularySize, Classes = data.Labels.Length, EmbeddingSize = embedding, Encoder = encoder,
            HiddenSize = hidden, Layers = layers, Bidirectional = bidirectional, KernelSize = kernel, Pooling = pooling, Dropout = dropout,
            MaxLength = data.MaxLength, GoBackwards = goBackwards, HiddenLayers = hiddenLayers, Head = head,
        };
        BudgetOptions.Check(v, Kind, config, RunShapeOf(data, batch));
        var model = new TextClassifier<float>(new SequenceClassifier<float>(backend, config, new RandomStream(seed + 2)), data.Tokenizer, data.Labels);
        try
        {
            var trainable = new ClassifierTrainable<float>(model.Model, data.Train, data.TrainLabels,
                data.Valid.Length > 0 ? data.Valid : null, data.Valid.Length > 0 ? data.ValidLabels : null, batch, seed + 3, shard);
            return PretrainedEmbeddings.Apply(v, new Job(model, trainable, data, batch, seed, epochs, timeOnly, keepLast, imdb ?? tsv!), data.Tokenizer);
        }
        catch (ArgumentException e)
        {
            model.Dispose();
            throw new UsageException($"{imdb ?? tsv}: {e.Message.Replace("ClassifierTrainable: ", "")}");
        }
    }

    /// <summary>The largest pass of the run: a training batch, or an evaluation or prediction batch
    /// (<see cref="ClassifierTrainable{T}.EvaluationBatch"/>), of at most all the texts, each as long as the longest text
    /// (after the --max-len cut).</summary>
    private static RunShape RunShapeOf(ClassifierData data, int batch)
    {
        int texts = data.Train.Length + data.Valid.Length + data.Test.Length;
        int longest = data.Train.Concat(data.Valid).Concat(data.Test).Max(t => t.Length);
        if (data.MaxLength > 0) longest = Math.Min(longest, data.MaxLength);
        return new RunShape(Math.Min(Math.Max(batch, ClassifierTrainable<float>.EvaluationBatch), texts), longest);
    }

    private sealed class Job(TextClassifier<float> model, ClassifierTrainable<float> trainable, ClassifierData data, int batch, ulong seed,
        int epochs, bool timeOnly, bool keepLast, string input) : ITrainJob
    {
        public ISequenceModel<float> Model => model;
        public ITrainable<float> Trainable => trainable;
        public string Title => "classify";
        public IReadOnlyList<string> Inputs => [input];

        /// <summary>--epochs passes, one evaluation per epoch; with --time alone, a constant rate (no planned steps).</summary>
        public TrainingSettings CompleteDefaults(TrainingSettings defaults)
        {
            int steps = checked(epochs * trainable.BatchesPerEpoch);
            return defaults with { Steps = steps, EvalEvery = Math.Min(trainable.BatchesPerEpoch, steps), Schedule = timeOnly ? "constant" : defaults.Schedule };
        }

        public void WriteStart(CliIO io, bool json, IBackend<float> backend)
        {
            if (json) return;
            var c = CultureInfo.InvariantCulture;
            var config = model.Config;
            string encoder = config.Encoder switch
            {
                SequenceClassifierConfig.ConvEncoder => $"conv (kernel {config.KernelSize}) + ReLU, {config.HiddenSize} channels",
                _ => $"{(config.Bidirectional ? "bidirectional " : "")}{config.Encoder.ToUpperInvariant()}{(config.GoBackwards ? " reading backwards" : "")}, {config.Layers} layer{(config.Layers > 1 ? "s" : "")} of {config.HiddenSize}",
            };
            string dense = string.Concat(config.HiddenLayers.Select(h => $" → dense {h} + ReLU"));
            string head = config.Head == ClassifierHead.Binary
                ? $"1 sigmoid output (P({data.Labels[1]}), binary cross-entropy)"
                : $"{config.Classes} classes";
            io.Out.WriteLine(string.Create(c, $"data: {data.Source}{(data.HeaderSkipped ? " (header line skipped)" : "")}: {data.Labels.Length} labels; train {data.Train.Length:N0}, validation {data.Valid.Length:N0}, test {data.Test.Length:N0} ({data.SplitDescription})"));
            io.Out.WriteLine(string.Create(c, $"tokens: {data.TokenKind}, vocabulary {data.Tokenizer.VocabularySize:N0}{(data.MaxLength > 0 ? $", texts cut to {data.MaxLength} tokens" : "")}"));
            io.Out.WriteLine(string.Create(c, $"model: embedding {config.EmbeddingSize} → {encoder} → {config.Pooling.ToString().ToLowerInvariant()} pooling → dropout {config.Dropout}{dense} → {head}; {model.ParameterCount():N0} parameters; batch {batch}, seed {seed}, {BackendOption.Describe(backend)}"));
            io.Out.Flush();
        }

        public void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs)
        {
            var probabilities = model.Model.PredictProbabilities(data.Test);
            int[] predicted = [.. probabilities.Select(ArgMax)];
            var report = ClassificationReport.From(data.TestLabels, predicted, data.Labels);
            var baselines = data.Baselines();
            double? auc = BinaryAuc(probabilities, data.TestLabels);
            string confusion = outputs.ConfusionSvg;
            ConfusionMatrixSvg.Save(confusion, data.Labels, report.Confusion,
                string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(data.Source)}: held-out accuracy {report.Accuracy:P1} ({report.Count} examples)"));
            string[] files = [outputs.Checkpoint, outputs.LossCurve, confusion];
            bool restored = !keepLast && result.BestEvalLoss is not null;
            double epochsDone = (double)result.Steps / trainable.BatchesPerEpoch;
            var config = model.Config;
            if (json)
            {
                Output.WriteJsonLine(io.Out, new
                {
                    Event = "result", data.Source, data.Labels, TrainCount = data.Train.Length, ValidCount = data.Valid.Length, TestCount = data.Test.Length,
                    Tokens = data.TokenKind, Vocabulary = data.Tokenizer.VocabularySize,
                    Config = new { config.Encoder, config.Bidirectional, config.GoBackwards, config.HiddenLayers, Head = config.Head.ToString().ToLowerInvariant(), Pooling = config.Pooling.ToString().ToLowerInvariant(), config.EmbeddingSize, config.HiddenSize, config.Layers, config.KernelSize, config.Dropout, config.MaxLength, Batch = batch, Seed = seed },
                    Parameters = model.ParameterCount(), result.Steps, Epochs = epochsDone, StopReason = result.Reason.ToString(), result.BestEvalLoss, result.BestStep, RestoredBest = restored,
                    ValidationAccuracy = trainable.LastValidationAccuracy, ElapsedS = result.Elapsed.TotalSeconds,
                    report.Accuracy, report.MacroF1, Auc = auc, BaselineMajority = baselines.Majority, BaselineNaiveBayes = baselines.NaiveBayes, NaiveBayesOrder = baselines.Order,
                    BaselineNaiveBayesAuc = baselines.NaiveBayesAuc,
                    Classes = report.Classes.Select(k => new { k.Label, k.Precision, k.Recall, k.F1, k.Support }),
                    report.Confusion, Files = files,
                });
                return;
            }
            var c = CultureInfo.InvariantCulture;
            string best = result.BestEvalLoss is { } b ? string.Create(c, $"; best validation loss {b:F4} at step {result.BestStep}{(restored ? " (weights restored)" : "")}") : "";
            io.Out.WriteLine(string.Create(c, $"training: {result.Steps} steps ({epochsDone:F1} epochs) in {result.Elapsed.TotalSeconds:F1} s, stopped: {TrainFlow.Describe(result.Reason)}{best}"));
            string aucText = auc is { } a ? string.Create(c, $", ROC AUC {a:F4} (P({data.Labels[1]}) as the score)") : "";
            string nbAuc = baselines.NaiveBayesAuc is { } na ? string.Create(c, $" (ROC AUC {na:F4})") : "";
            io.Out.WriteLine(string.Create(c, $"held-out test: accuracy {report.Accuracy:F4} ({report.Confusion.Select((r, i) => r[i]).Sum()}/{report.Count}), macro F1 {report.MacroF1:F4}{aucText}"));
            io.Out.WriteLine(string.Create(c, $"baselines on the same test set: majority class {baselines.Majority:F4}; token {baselines.Order}-gram naive Bayes {baselines.NaiveBayes:F4}{nbAuc}"));
            io.Out.Flush();

            var console = Output.Console(io.Out);
            var scores = new Table().Title("Per class (held-out test)").AddColumn("Label").AddColumn("Precision", x => x.RightAligned())
                .AddColumn("Recall", x => x.RightAligned()).AddColumn("F1", x => x.RightAligned()).AddColumn("Support", x => x.RightAligned());
            foreach (var s in report.Classes)
                scores.AddRow(Markup.Escape(s.Label), s.Precision.ToString("F3", c), s.Recall.ToString("F3", c), s.F1.ToString("F3", c), s.Support.ToString(c));
            console.Write(scores);
            var matrix = new Table().Title("Confusion matrix (rows: true, columns: predicted)").AddColumn("");
            foreach (string label in data.Labels) matrix.AddColumn(Markup.Escape(Short(label)), x => x.RightAligned());
            for (int i = 0; i < data.Labels.Length; i++)
                matrix.AddRow([Markup.Escape(data.Labels[i]), .. report.Confusion[i].Select((n, j) => i == j ? $"[bold]{n}[/]" : n.ToString(c))]);
            console.Write(matrix);
            foreach (string f in files) io.Out.WriteLine($"wrote {f}");
            io.Out.Flush();
        }

        public void Dispose() => model.Dispose();
    }

    /// <summary>With two labels, the ROC AUC of the second label's probability on the test set (null with more labels, or
    /// when the test set holds one label only).</summary>
    private static double? BinaryAuc(double[][] probabilities, int[] truth) =>
        probabilities.Length > 0 && probabilities[0].Length == 2 && truth.Distinct().Count() == 2
            ? RocAuc.Compute([.. probabilities.Select(p => p[1])], truth)
            : null;

    /// <summary>The index of the largest probability.</summary>
    internal static int ArgMax(double[] p)
    {
        int best = 0;
        for (int i = 1; i < p.Length; i++) if (p[i] > p[best]) best = i;
        return best;
    }

    private static string Short(string label) => label.Length <= 7 ? label : label[..6] + "…";
}
