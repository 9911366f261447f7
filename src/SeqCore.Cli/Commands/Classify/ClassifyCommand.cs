using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using SeqCore.Models;

namespace SeqCore.Cli.Commands.Classify;

/// <summary>Every setting of <c>seqcore classify</c>, after parsing.</summary>
internal sealed record ClassifyOptions
{
    public string? Tsv { get; init; }
    public string? Imdb { get; init; }
    public string? Model { get; init; }
    public string[] Predict { get; init; } = [];
    public string? Tokens { get; init; }
    public int Vocab { get; init; } = 20000;
    public int? MaxLength { get; init; }
    public string Encoder { get; init; } = "lstm";
    public bool Bidirectional { get; init; }
    public ClassifierPooling Pooling { get; init; } = ClassifierPooling.Mean;
    public int Embedding { get; init; } = 32;
    public int Hidden { get; init; } = 64;
    public int Layers { get; init; } = 1;
    public int Kernel { get; init; } = 5;
    public double Dropout { get; init; } = 0.1;
    public int Epochs { get; init; } = 10;
    public int? Steps { get; init; }
    public double? TimeSeconds { get; init; }
    public int Batch { get; init; } = 64;
    public double LearningRate { get; init; } = 2e-3;
    public double Clip { get; init; } = 1.0;
    public string Schedule { get; init; } = "cosine";
    public int Patience { get; init; } = 3;
    public double TestFraction { get; init; } = 0.2;
    public double ValidFraction { get; init; } = 0.1;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }
    public string? Out { get; init; }
    public bool Json { get; init; }
}

/// <summary>
/// <c>seqcore classify</c>: trains a <see cref="SequenceClassifier{T}"/> on labelled text (a TSV of <c>text&lt;TAB&gt;label</c>
/// or the aclImdb folder layout), reports held-out accuracy, per-class precision/recall/F1 and the confusion matrix next
/// to two baselines, and writes the checkpoint and SVG plots with <c>--out</c>; or, with <c>--model</c>, classifies text.
/// </summary>
internal static class ClassifyCommand
{
    public static Command Create(CliIO io)
    {
        var tsv = new Option<FileInfo?>("--tsv") { Description = "Train and evaluate on a UTF-8 TSV of 'text<TAB>label' lines (a header line is detected and skipped).", HelpName = "FILE" };
        var imdb = new Option<DirectoryInfo?>("--imdb") { Description = "Train on DIR/train and evaluate on DIR/test of the aclImdb layout (pos|neg/*.txt).", HelpName = "DIR" };
        var model = new Option<FileInfo?>("--model") { Description = "Classify with a saved classifier instead of training: the texts of --predict, else each line of standard input.", HelpName = "FILE" };
        var predict = new Option<string[]>("--predict") { Description = "Text to classify with --model (repeatable).", HelpName = "TEXT", AllowMultipleArgumentsPerToken = false };
        var tokens = CliOptions.Choices("--tokens", "Token unit: characters or words (default: char for --tsv, word for --imdb).", ["char", "word"], []);
        var vocab = CliOptions.PositiveInt("--vocab", "Word vocabulary cap, <unk> included (word tokens; default 20000).");
        var maxLen = NonNegativeInt("--max-len", "Cut each text to its first N tokens; 0 = no limit (default: 0 for --tsv, 400 for --imdb).");
        var encoder = CliOptions.Choices("--encoder", "Encoder over the embedded tokens.", [.. SequenceClassifierConfig.Encoders], ["lstm"]);
        var bidirectional = CliOptions.Flag("--bidirectional", "Run the recurrent encoder in both directions.");
        var pooling = CliOptions.Choices("--pooling", "Pooling over time: mean or max over each text's own steps, or the last state.", ["mean", "max", "last"], ["mean"]);
        var embedding = CliOptions.PositiveInt("--embedding", "Embedding size (default 32).");
        var hidden = CliOptions.PositiveInt("--hidden", "Recurrent hidden size per direction, or convolution channels (default 64).");
        var layers = CliOptions.PositiveInt("--layers", "Stacked recurrent layers (default 1).");
        var kernel = CliOptions.PositiveInt("--kernel", "Convolution kernel width, odd (default 5).");
        var dropout = Fraction("--dropout", "Dropout on the pooled features and between recurrent layers, in [0, 1) (default 0.1).", allowZero: true);
        var epochs = CliOptions.PositiveInt("--epochs", "Passes over the training data (default 10).");
        var steps = CliOptions.PositiveInt("--steps", "Training steps (batches); overrides --epochs.");
        var time = PositiveDouble("--time", "Stop training after this many seconds (checked after each step).", "SECONDS");
        var batch = CliOptions.PositiveInt("--batch", "Texts per batch (default 64).");
        var lr = PositiveDouble("--lr", "Adam learning rate (default 0.002).", "X");
        var schedule = CliOptions.Choices("--schedule", "Learning rate over the run: constant, or cosine decay from --lr to 0 over the planned steps.", ["cosine", "constant"], ["cosine"]);
        var clip = PositiveDouble("--clip", "Clip the global gradient norm to this (default 1).", "X");
        var patience = NonNegativeInt("--patience", "Stop after this many epochs without a better validation loss; 0 = never (default 3).");
        var testFraction = Fraction("--test-fraction", "Share of each label held out for the test (--tsv; seeded, stratified; default 0.2).", allowZero: false);
        var validFraction = Fraction("--valid-fraction", "Share of each label of the training part used for validation and early stopping (default 0.1).", allowZero: false);
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the split, the initial weights, the shuffles and dropout (default 1).", HelpName = "N" };
        var threads = CliOptions.CountList("--threads", "Threads for the CPU backend; 0 or 'all' = every core.", [0], "all");
        threads.HelpName = "N|all";
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for classifier.safetensors, loss.svg and confusion.svg.", HelpName = "DIR" };
        var json = CliOptions.Flag("--json", "Progress and the final result as JSON lines (the result is the last line).");
        var command = new Command("classify", "Train a text classifier (embedding → LSTM/GRU/conv → pooling → dense) and report held-out accuracy and a confusion matrix, or classify text with a saved one.")
        {
            tsv, imdb, model, predict, tokens, vocab, maxLen, encoder, bidirectional, pooling, embedding, hidden, layers, kernel, dropout,
            epochs, steps, time, batch, lr, schedule, clip, patience, testFraction, validFraction, seed, threads, output, json,
        };
        command.SetAction(parse =>
        {
            var d = new ClassifyOptions();
            var o = new ClassifyOptions
            {
                Tsv = parse.GetValue(tsv)?.FullName,
                Imdb = parse.GetValue(imdb)?.FullName,
                Model = parse.GetValue(model)?.FullName,
                Predict = parse.GetValue(predict) ?? [],
                Tokens = parse.GetValue(tokens) is [var t, ..] ? t : null,
                Vocab = parse.GetValue(vocab) ?? d.Vocab,
                MaxLength = parse.GetValue(maxLen),
                Encoder = parse.GetValue(encoder)![0],
                Bidirectional = parse.GetValue(bidirectional),
                Pooling = Enum.Parse<ClassifierPooling>(parse.GetValue(pooling)![0], ignoreCase: true),
                Embedding = parse.GetValue(embedding) ?? d.Embedding,
                Hidden = parse.GetValue(hidden) ?? d.Hidden,
                Layers = parse.GetValue(layers) ?? d.Layers,
                Kernel = parse.GetValue(kernel) ?? d.Kernel,
                Dropout = parse.GetValue(dropout) ?? d.Dropout,
                Epochs = parse.GetValue(epochs) ?? d.Epochs,
                Steps = parse.GetValue(steps),
                TimeSeconds = parse.GetValue(time),
                Batch = parse.GetValue(batch) ?? d.Batch,
                LearningRate = parse.GetValue(lr) ?? d.LearningRate,
                Clip = parse.GetValue(clip) ?? d.Clip,
                Schedule = parse.GetValue(schedule)![0],
                Patience = parse.GetValue(patience) ?? d.Patience,
                TestFraction = parse.GetValue(testFraction) ?? d.TestFraction,
                ValidFraction = parse.GetValue(validFraction) ?? d.ValidFraction,
                Seed = parse.GetValue(seed) ?? d.Seed,
                Threads = parse.GetValue(threads) is [int th] ? th : -1,
                Out = parse.GetValue(output)?.FullName,
                Json = parse.GetValue(json),
            };
            Option[] trainingOnly = [tokens, vocab, maxLen, encoder, bidirectional, pooling, embedding, hidden, layers, kernel, dropout,
                epochs, steps, time, batch, lr, schedule, clip, patience, testFraction, validFraction, output];
            string? given = trainingOnly.FirstOrDefault(x => parse.GetResult(x) is OptionResult { Implicit: false })?.Name;
            return Execute(io, o, given);
        });
        return command;
    }

    private static int Execute(CliIO io, ClassifyOptions o, string? trainingOptionGiven)
    {
        int sources = (o.Tsv is null ? 0 : 1) + (o.Imdb is null ? 0 : 1) + (o.Model is null ? 0 : 1);
        if (sources != 1) return Usage(io, "give one of --tsv FILE or --imdb DIR (to train) or --model FILE (to classify).");
        if (o.Threads < 0) return Usage(io, "--threads: give one value (a count, or 'all').");
        if (o.Model is not null)
        {
            if (trainingOptionGiven is not null)
                return Usage(io, $"{trainingOptionGiven} is a training option; with --model the saved classifier is used as it is.");
            return ClassifyPredict.Run(io, o);
        }
        if (o.Predict.Length > 0) return Usage(io, "--predict needs --model FILE (a classifier saved with --out).");
        if (o.Encoder == SequenceClassifierConfig.ConvEncoder && (o.Bidirectional || o.Layers != 1))
            return Usage(io, "--bidirectional and --layers are recurrent options; the conv encoder has one layer.");
        if (o.Kernel % 2 == 0) return Usage(io, $"--kernel: expected an odd width, got {o.Kernel}.");
        return ClassifyTrain.Run(io, o);
    }

    internal static int Usage(CliIO io, string message)
    {
        io.Error.WriteLine($"seqcore: classify: {message}");
        return ExitCodes.Usage;
    }

    private static string OptionName(ArgumentResult r) => r.Parent is OptionResult o ? o.IdentifierToken?.Value ?? o.Option.Name : r.Argument.Name;

    private static string Token(ArgumentResult r) => r.Tokens.Count == 1 ? r.Tokens[0].Value : "";

    private static Option<int?> NonNegativeInt(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = r =>
        {
            if (int.TryParse(Token(r), NumberStyles.None, CultureInfo.InvariantCulture, out int v)) return v;
            r.AddError($"{OptionName(r)}: expected an integer ≥ 0, got '{Token(r)}'.");
            return null;
        },
    };

    private static Option<double?> PositiveDouble(string name, string description, string helpName) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = r =>
        {
            if (double.TryParse(Token(r), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v)) return v;
            r.AddError($"{OptionName(r)}: expected a positive number, got '{Token(r)}'.");
            return null;
        },
    };

    private static Option<double?> Fraction(string name, string description, bool allowZero) => new(name)
    {
        Description = description,
        HelpName = "F",
        CustomParser = r =>
        {
            if (double.TryParse(Token(r), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v < 1 && (v > 0 || (allowZero && v == 0))) return v;
            r.AddError($"{OptionName(r)}: expected a number in {(allowZero ? "[0" : "(0")}, 1), got '{Token(r)}'.");
            return null;
        },
    };
}
