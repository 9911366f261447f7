using SeqCore.Plots;
using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Distributed;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary><c>train --model word2vec</c> and <c>word2vec train</c>: skip-gram or CBOW (<c>--architecture</c>) word vectors with negative sampling on a
/// text corpus (one sentence a line); plain SGD at word2vec's α = 0.025 decayed linearly over the planned steps (as many
/// as <c>--epochs</c> passes take); reports the vocabulary and the loss per pair.</summary>
internal sealed class Word2VecTrainKind : ITrainKind
{
    public static readonly ChoiceOption Architecture = new("--architecture", "skipgram: each word predicts the words of its window; cbow: the mean of the window's vectors predicts the word.",
        [Word2VecConfig.SkipGram, Word2VecConfig.Cbow], Word2VecConfig.SkipGram);
    public static readonly TextOption Corpus = new("--corpus", "Text file; each line is a sentence (required).", valueName: "FILE");
    public static readonly IntOption Dim = new("--dim", "Vector width.", 100, max: 1 << 16, valueName: "D");
    public static readonly IntOption Window = new("--window", "Largest context window; each center draws its window from 1…W.", 5, max: 1 << 16, valueName: "W");
    public static readonly IntOption Negatives = new("--negatives", "Noise words per (center, context) pair, drawn ∝ count^0.75.", 5, max: 1 << 16, valueName: "K");
    public static readonly IntOption MinCount = new("--min-count", "Drop words seen fewer times than this.", 5);
    public static readonly IntOption Epochs = new("--epochs", "Passes over the corpus: the steps are as many as they take (--steps wins).", 1);
    public static readonly DoubleOption Sample = new("--sample", "Subsampling threshold t of frequent words (keep with probability min(1, √(t/f) + t/f)); 0 keeps every word.", 1e-3, 0, valueName: "T");

    public IModelKind Kind => Word2VecKind.Instance;

    public IReadOnlyList<OptionSpec> Options { get; } = [Corpus, Architecture, Dim, Window, Negatives, MinCount, Epochs, Sample];

    /// <summary>Word2vec's: plain SGD (no momentum, no clipping, so rows a batch does not touch stay as they are) at
    /// α = 0.025, decayed linearly to 1/10,000 of it; no held-out evaluation. The steps come from the data
    /// (<see cref="ITrainJob.CompleteDefaults"/>).</summary>
    public TrainingSettings Defaults { get; } = new()
    {
        LearningRate = 0.025, Optimizer = "sgd", Momentum = 0, Clip = 0, Schedule = "linear", EvalEvery = 0, KeepBest = false,
    };

    public string StepsText => "--epochs × pairs per epoch / --batch";

    public string DefaultOut => Path.Combine("runs", "word2vec.safetensors");

    public IReadOnlyList<string> Outputs(TrainOutputs outputs) => [];

    /// <summary>Pairs per step when --batch is not given.</summary>
    public const int DefaultBatch = 512;

    public ITrainJob Prepare(OptionValues v, IBackend<float> backend, ulong seed, BatchShard shard)
    {
        string corpusPath = v.FindText(Corpus) ?? throw new UsageException("--corpus is required: the text to learn the words of.");
        string architecture = v.Get(Architecture);
        int dim = v.Get(Dim), window = v.Get(Window), negatives = v.Get(Negatives), minCount = v.Get(MinCount), epochs = v.Get(Epochs);
        double sample = v.Get(Sample);
        int batch = v.Find(CommonOptions.Batch) ?? DefaultBatch;
        DataParallelCli.CheckBatch(shard, batch);
        bool timeOnly = v.IsSet(CommonOptions.Time) && !v.IsSet(CommonOptions.Steps);

        Word2VecCorpus corpus;
        try { corpus = Word2VecCorpus.Load(corpusPath, minCount); }
        catch (InvalidDataException e) { throw new UsageException($"--corpus: {e.Message}"); }
        bool cbow = architecture == Word2VecConfig.Cbow;
        var config = new Word2VecConfig { VocabularySize = corpus.Vocabulary.Count, EmbeddingSize = dim, Architecture = architecture };
        // A step gathers, per example, its output words (positive and negatives) and, for CBOW, the 2W rows of the window.
        BudgetOptions.Check(v, Kind, config, new RunShape(batch, (cbow ? 2 * window : 0) + 1 + negatives));
        IWord2VecSampler sampler = cbow
            ? new CbowSampler(corpus.Sentences, corpus.Vocabulary, window, negatives, sample, new RandomStream(seed + 1))
            : new SkipGramSampler(corpus.Sentences, corpus.Vocabulary, window, negatives, sample, new RandomStream(seed + 1));
        var model = new Word2Vec<float>(backend, corpus.Vocabulary, config, new RandomStream(seed));
        var trainable = new Word2VecTrainable<float>(model, sampler, batch, shard);
        var setup = new Setup(corpus, dim, window, negatives, minCount, epochs, timeOnly, sampler.EstimatedPairsPerEpoch());
        return new Job(model, trainable, setup);
    }

    /// <summary>What the report prints besides the run's result.</summary>
    private sealed record Setup(Word2VecCorpus Corpus, int Dim, int Window, int Negatives, int MinCount, int Epochs, bool TimeOnly, long PairsPerEpoch);

    private sealed class Job(Word2Vec<float> model, Word2VecTrainable<float> trainable, Setup setup) : ITrainJob
    {
        public ISequenceModel<float> Model => model;
        public ITrainable<float> Trainable => trainable;
        public string Title => "word2vec";
        public IReadOnlyList<string> Inputs => [setup.Corpus.Path];

        /// <summary>--epochs passes of the estimated pairs, the linear decay laid out over them; with --time alone, a
        /// constant rate (no planned steps).</summary>
        public TrainingSettings CompleteDefaults(TrainingSettings defaults)
        {
            long batch = trainable.BatchSize;
            int steps = (int)Math.Clamp((setup.PairsPerEpoch * setup.Epochs + batch - 1) / batch, 1, int.MaxValue);
            return defaults with { Steps = steps, Schedule = setup.TimeOnly ? "constant" : defaults.Schedule };
        }

        public void WriteStart(CliIO io, bool json, IBackend<float> backend)
        {
            var vocabulary = setup.Corpus.Vocabulary;
            if (json)
            {
                Output.WriteJsonLine(io.Out, new
                {
                    Event = "start", Vocabulary = vocabulary.Count, Tokens = vocabulary.Total, Sentences = setup.Corpus.Sentences.Length, setup.PairsPerEpoch,
                    setup.Dim, setup.Window, setup.Negatives, Parameters = model.ParameterCount(), Batch = trainable.BatchSize,
                    Backend = backend.Name, Threads = BackendOption.Threads(backend),
                });
                return;
            }
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"vocabulary: {vocabulary.Count} words seen ≥ {setup.MinCount} times ({vocabulary.Total} tokens in {setup.Corpus.Sentences.Length} sentences); about {setup.PairsPerEpoch} {trainable.ItemUnit} per epoch"));
            io.Out.WriteLine($"model: {model.Config.Architecture}, {setup.Dim}-wide vectors, window {setup.Window}, {setup.Negatives} negatives; {model.ParameterCount():N0} parameters; batch {trainable.BatchSize}, {BackendOption.Describe(backend)}");
            io.Out.Flush();
        }

        public void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs)
        {
            var vocabulary = setup.Corpus.Vocabulary;
            double firstLoss = result.History.Count > 0 ? result.History[0].Loss : double.NaN;
            var sampler = trainable.Sampler;
            double epochsDone = sampler.Epoch + sampler.EpochProgress;
            if (json)
            {
                Output.WriteJsonLine(io.Out, new Word2VecTrainSummary(Path.GetFullPath(setup.Corpus.Path), vocabulary.Count, vocabulary.Total,
                    setup.Corpus.Sentences.Length, setup.PairsPerEpoch, setup.Dim, setup.Window, setup.Negatives, setup.MinCount, result.Steps,
                    (long)result.Steps * trainable.BatchSize, epochsDone, firstLoss, result.FinalLoss, result.Elapsed.TotalSeconds, result.Reason.ToString(),
                    Path.GetFullPath(outputs.Checkpoint), Path.GetFullPath(outputs.LossCurve)));
                return;
            }
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained {result.Steps} steps × {trainable.BatchSize} {trainable.ItemUnit} ({epochsDone:F2} epochs) in {result.Elapsed.TotalSeconds:F1} s ({TrainFlow.Describe(result.Reason)}); loss per example {firstLoss:F3} → {result.FinalLoss:F3}"));
            io.Out.WriteLine($"checkpoint: {outputs.Checkpoint}");
            io.Out.WriteLine($"loss curve: {outputs.LossCurve}");
        }

        public void Dispose() => model.Dispose();
    }
}

/// <summary>The final result of <c>seqcore word2vec train --json</c>.</summary>
internal sealed record Word2VecTrainSummary(string Corpus, int Vocabulary, long Tokens, int Sentences, long PairsPerEpoch, int Dim, int Window,
    int Negatives, int MinCount, int Steps, long Pairs, double Epochs, double FirstLoss, double FinalLoss, double TrainSeconds, string StopReason,
    string Checkpoint, string LossSvg)
{
    /// <summary>Marks the line as the final result.</summary>
    public string Event => "result";
}
