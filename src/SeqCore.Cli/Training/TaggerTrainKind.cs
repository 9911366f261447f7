using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Distributed;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary><c>tag train</c> and <c>train --model tagger</c>: tag files or the built-in diacritic-restoration task, an
/// embedding → (bi)LSTM/GRU or transformer encoder → per-position softmax; reports the held-out token accuracy and, for
/// the diacritics task, letter and word accuracy on the test books next to the two baselines.</summary>
internal sealed class TaggerTrainKind : ITrainKind
{
    public static readonly ChoiceOption Task = new("--task", "A built-in task instead of tag files: diacritics (restore the accents, tildes and diaereses of a verse table's column).", [TaggerData.DiacriticsTask], null);
    public static readonly TextOption Data = new("--data", "A tag file of 'tokens<TAB>tags' lines (docs/tagging.md), or with --task diacritics the verse table (reference<TAB>columns…).", valueName: "FILE");
    public static readonly TextOption Valid = new("--valid", "A tag file for validation and early stopping (tag files only).", valueName: "FILE");
    public static readonly TextOption Column = new("--column", "--task diacritics: the verse table's text column.", "spanish", "NAME");
    public static readonly TextOption TestBooks = new("--test-books", "--task diacritics: the books held out for the test, comma-separated.", "Acts", "BOOKS");
    public static readonly TextOption DevBooks = new("--dev-books", "--task diacritics: the books for validation and early stopping, comma-separated.", "Eph", "BOOKS");
    public static readonly ChoiceOption Tokens = new("--tokens", "What a token of a tag file is: each character, or space-separated words (default: word; the diacritics task reads characters).", TaggerConfig.TokenKinds, null);
    public static readonly ChoiceOption Encoder = new("--encoder", "Encoder over the embedded tokens: a recurrent cell of the catalogue, or transformer (non-causal, pre-LN, sinusoidal positions).", TaggerConfig.Encoders, "lstm");
    public static readonly FlagOption Unidirectional = new("--unidirectional", "Run the recurrent encoder left to right only (default: both directions).");
    public static readonly IntOption Embedding = new("--embedding", "Embedding size E (the model width of the transformer).", 64, max: 1 << 16, valueName: "E");
    public static readonly IntOption Hidden = new("--hidden", "Recurrent hidden size per direction.", 128, max: 1 << 16, valueName: "H");
    public static readonly IntOption Layers = new("--layers", "Stacked recurrent layers or transformer blocks.", 1, max: 1024, valueName: "L");
    public static readonly IntOption Heads = new("--heads", "Transformer attention heads (dividing E).", 4, max: 1024);
    public static readonly IntOption FeedForward = new("--ff", "Transformer feed-forward width; 0 = 4·E.", 0, min: 0, max: 1 << 20);
    public static readonly IntOption MaxPositions = new("--max-positions", "Transformer: the longest sentence, in tokens, its position table covers.", 1024, max: 1 << 20);
    public static readonly DoubleOption Dropout = new("--dropout", "Dropout on the encoder's features (and between recurrent layers, inside transformer blocks).", 0.1, 0, 0.99, valueName: "P");
    public static readonly IntOption Epochs = new("--epochs", "Passes over the training data (--steps wins).", 5);

    public IModelKind Kind => TaggerKind.Instance;

    public IReadOnlyList<OptionSpec> Options { get; } =
        [Task, Data, Valid, Column, TestBooks, DevBooks, Tokens, Encoder, Unidirectional, Embedding, Hidden, Layers, Heads, FeedForward, MaxPositions, Dropout, Epochs, .. PretrainedEmbeddings.Options];

    /// <summary>Adam at 0.002 with a cosine decay and no warm-up, clipping at 1, patience 3 evaluations; the steps
    /// (--epochs passes) and the evaluation cadence come from the data (<see cref="ITrainJob.CompleteDefaults"/>).</summary>
    public TrainingSettings Defaults { get; } = new() { LearningRate = 2e-3, Clip = 1.0, Schedule = "cosine", Warmup = 0, CosineFloor = 0, Patience = 3 };

    public string StepsText => "--epochs × batches per epoch";

    public string EvalEveryText => $"every {EvalCap} steps, or once per epoch when an epoch is shorter";

    public string DefaultOut => "tagger.safetensors";

    public IReadOnlyList<string> Outputs(TrainOutputs outputs) => [];

    /// <summary>Sentences per batch when --batch is not given.</summary>
    public const int DefaultBatch = 32;

    /// <summary>The most steps between two evaluations by default.</summary>
    private const int EvalCap = 250;

    /// <summary>The books of a comma-separated list.</summary>
    public static string[] Books(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Reads the data the options name: the diacritics task, or tag files of token unit <paramref name="unit"/>
    /// (training: --tokens, default word; scoring: the model's); <see cref="UsageException"/> names the option, file and
    /// line at fault.</summary>
    public static TaggerData LoadData(OptionValues v, bool training, string unit)
    {
        string data = v.FindText(Data) ?? throw new UsageException(training
            ? "--data is required: a tag file of 'tokens<TAB>tags' lines, or the verse table of --task diacritics."
            : "--data is required: the tag file (or the verse table of --task diacritics) to score.");
        try
        {
            if (v.FindText(Task) is not null)
            {
                if (v.IsSet(Valid)) throw new UsageException("--valid is for tag files; the diacritics task validates on --dev-books.");
                if (unit != TaggerVocabulary.CharTokens) throw new UsageException("--tokens: the diacritics task tags characters; leave --tokens out.");
                return TaggerData.ForDiacritics(data, v.Get(Column), Books(v.Get(TestBooks)), Books(v.Get(DevBooks)));
            }
            foreach (var taskOnly in new OptionSpec[] { Column, TestBooks, DevBooks })
                if (v.IsSet(taskOnly)) throw new UsageException($"{taskOnly.Name} belongs to --task diacritics.");
            return TaggerData.FromFiles(data, training ? v.FindText(Valid) : null, unit);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException(e.Message);
        }
    }

    public ITrainJob Prepare(OptionValues v, IBackend<float> backend, ulong seed, BatchShard shard)
    {
        if (!shard.IsWhole) throw new UsageException("the tagger trains in one process; data-parallel training (mpirun) is not supported for it yet.");
        int batch = v.Find(CommonOptions.Batch) ?? DefaultBatch;
        string encoder = v.Get(Encoder);
        bool timeOnly = v.IsSet(CommonOptions.Time) && !v.IsSet(CommonOptions.Steps);
        string unit = v.FindText(Tokens) ?? (v.FindText(Task) is null ? TaggerVocabulary.WordTokens : TaggerVocabulary.CharTokens);
        var data = LoadData(v, training: true, unit);
        var config = new TaggerConfig
        {
            VocabularySize = data.Vocabulary.Tokens.Count, Tags = data.Vocabulary.Tags.Count, Tokens = data.Vocabulary.Unit,
            EmbeddingSize = v.Get(Embedding), Encoder = encoder, HiddenSize = v.Get(Hidden), Layers = v.Get(Layers),
            Bidirectional = !v.Get(Unidirectional), Heads = v.Get(Heads), FeedForwardSize = v.Get(FeedForward),
            MaxLength = v.Get(MaxPositions), Dropout = v.Get(Dropout),
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message.Replace("TaggerConfig: ", "")); }
        int longest = data.Train.Concat(data.Valid).Concat(data.Test).Max(s => s.Tokens.Count);
        if (config.IsTransformer && longest > config.MaxLength)
            throw new UsageException($"--max-positions: {data.Source} has a sentence of {longest} tokens, longer than {config.MaxLength}.");
        BudgetOptions.Check(v, Kind, config, new RunShape(Math.Max(batch, TaggerTrainable<float>.EvaluationBatch), TaggerTrainable<float>.BucketOf(longest)));
        var (trainIds, trainTags) = Encode(data, data.Train);
        var (validIds, validTags) = Encode(data, data.Valid);
        var model = new TextTagger<float>(new SequenceTagger<float>(backend, config, new RandomStream(seed + 2)), data.Vocabulary);
        try
        {
            var trainable = new TaggerTrainable<float>(model.Model, trainIds, trainTags,
                validIds.Length > 0 ? validIds : null, validIds.Length > 0 ? validTags : null, batch, seed + 3);
            return PretrainedEmbeddings.Apply(v, new Job(model, trainable, data, batch, seed, v.Get(Epochs), timeOnly), () => data.Vocabulary.Tokens);
        }
        catch (ArgumentException e)
        {
            model.Dispose();
            throw new UsageException($"{data.Source}: {e.Message.Replace("TaggerTrainable: ", "")}");
        }
    }

    private static (int[][] Ids, int[][] Tags) Encode(TaggerData data, IReadOnlyList<TaggedSentence> sentences)
    {
        try { return TaggerData.Encode(data.Vocabulary, sentences); }
        catch (InvalidDataException e) { throw new UsageException(e.Message); }
    }

    private sealed class Job(TextTagger<float> model, TaggerTrainable<float> trainable, TaggerData data, int batch, ulong seed, int epochs, bool timeOnly) : ITrainJob
    {
        public ISequenceModel<float> Model => model;
        public ITrainable<float> Trainable => trainable;
        public string Title => data.Task is null ? "tag" : $"tag ({data.Task})";
        public IReadOnlyList<string> Inputs => data.ValidSource is { } valid ? [data.Source, valid] : [data.Source];

        /// <summary>--epochs passes; an evaluation every epoch or every 250 steps, whichever comes first (only when there
        /// is validation data); with --time alone, a constant rate.</summary>
        public TrainingSettings CompleteDefaults(TrainingSettings defaults)
        {
            int steps = checked(epochs * trainable.BatchesPerEpoch);
            int evalEvery = data.Valid.Count == 0 ? 0 : Math.Min(Math.Min(trainable.BatchesPerEpoch, EvalCap), steps);
            return defaults with { Steps = steps, EvalEvery = evalEvery, Schedule = timeOnly ? "constant" : defaults.Schedule };
        }

        public void WriteStart(CliIO io, bool json, IBackend<float> backend)
        {
            if (json) return;
            var c = CultureInfo.InvariantCulture;
            var config = model.Config;
            string encoder = config.IsTransformer
                ? $"transformer, {config.Layers} block{(config.Layers > 1 ? "s" : "")} of width {config.EmbeddingSize}, {config.Heads} heads"
                : $"{(config.Bidirectional ? "bidirectional " : "")}{config.Encoder.ToUpperInvariant()}, {config.Layers} layer{(config.Layers > 1 ? "s" : "")} of {config.HiddenSize}";
            io.Out.WriteLine(string.Create(c, $"data: {data.Source}{(data.Task is null ? "" : $" (task {data.Task})")}: train {data.Train.Count:N0} sentences, validation {data.Valid.Count:N0}, test {data.Test.Count:N0} ({data.Description})"));
            io.Out.WriteLine(string.Create(c, $"tokens: {config.Tokens}, vocabulary {config.VocabularySize:N0}; tags: {string.Join(" ", data.Vocabulary.Tags)}"));
            io.Out.WriteLine(string.Create(c, $"model: embedding {config.EmbeddingSize} → {encoder} → dropout {config.Dropout} → {config.Tags} tags; {model.ParameterCount():N0} parameters; batch {batch}, seed {seed}, {BackendOption.Describe(backend)}"));
            io.Out.Flush();
        }

        public void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs)
        {
            var c = CultureInfo.InvariantCulture;
            TaggingScore? test = null;
            DiacriticsReport? diacritics = null;
            if (data.Test.Count > 0)
            {
                var (ids, tags) = TaggerData.Encode(data.Vocabulary, data.Test);
                test = TaggingScore.Of(tags, model.Model.PredictTags(ids));
            }
            if (data.Verses is { } verses)
                diacritics = DiacriticsReport.Of(model, [.. verses.Test.Select(t => t.Text)], verses.Train.Select(t => t.Text));
            double epochsDone = (double)result.Steps / trainable.BatchesPerEpoch;
            string[] files = [outputs.Checkpoint, outputs.LossCurve];
            if (json)
            {
                Output.WriteJsonLine(io.Out, new
                {
                    Event = "result", data.Source, data.Task, TrainCount = data.Train.Count, ValidCount = data.Valid.Count, TestCount = data.Test.Count,
                    Config = model.Config, Batch = batch, Seed = seed, Parameters = model.ParameterCount(), result.Steps, Epochs = epochsDone,
                    StopReason = result.Reason.ToString(), result.BestEvalLoss, result.BestStep, ValidationTokenAccuracy = trainable.LastValidationAccuracy,
                    ElapsedS = result.Elapsed.TotalSeconds, TestTokenAccuracy = test?.TokenAccuracy, TestSentenceAccuracy = test?.SentenceAccuracy,
                    Diacritics = diacritics is null ? null : DiacriticsJson(diacritics), Files = files,
                });
                return;
            }
            string best = result.BestEvalLoss is { } b ? string.Create(c, $"; best validation loss {b:F4} at step {result.BestStep}") : "";
            io.Out.WriteLine(string.Create(c, $"training: {result.Steps} steps ({epochsDone:F2} epochs) in {result.Elapsed.TotalSeconds:F1} s, stopped: {TrainFlow.Describe(result.Reason)}{best}"));
            if (trainable.LastValidationAccuracy is { } va) io.Out.WriteLine(string.Create(c, $"validation token accuracy {va:F4}"));
            if (test is not null) io.Out.WriteLine(string.Create(c, $"test: token accuracy {test.TokenAccuracy:F4} ({test.CorrectTokens:N0}/{test.Tokens:N0}), sentences all right {test.SentenceAccuracy:F4}"));
            if (diacritics is not null) WriteDiacritics(io, diacritics);
            foreach (string f in files) io.Out.WriteLine($"wrote {f}");
            io.Out.Flush();
        }

        public void Dispose() => model.Dispose();
    }

    /// <summary>The diacritics result as JSON: each system's letter and word accuracy.</summary>
    public static object DiacriticsJson(DiacriticsReport r) => new
    {
        r.Verses, Letters = r.Model.Letters, Words = r.Model.Words,
        Model = new { r.Model.LetterAccuracy, r.Model.WordAccuracy },
        MostFrequentForm = new { r.MostFrequentForm.LetterAccuracy, r.MostFrequentForm.WordAccuracy },
        NoChange = new { r.NoChange.LetterAccuracy, r.NoChange.WordAccuracy },
    };

    /// <summary>The diacritics result as a small table.</summary>
    public static void WriteDiacritics(CliIO io, DiacriticsReport r)
    {
        var c = CultureInfo.InvariantCulture;
        io.Out.WriteLine(string.Create(c, $"diacritics on {r.Verses:N0} test verses ({r.Model.Letters:N0} letters that can carry a mark, {r.Model.Words:N0} words):"));
        io.Out.WriteLine("  system                 letter acc.  word acc.");
        foreach (var (name, s) in new[] { ("tagger", r.Model), ("most frequent form", r.MostFrequentForm), ("no change", r.NoChange) })
            io.Out.WriteLine(string.Create(c, $"  {name,-22} {s.LetterAccuracy,11:F4}  {s.WordAccuracy,9:F4}"));
    }
}
