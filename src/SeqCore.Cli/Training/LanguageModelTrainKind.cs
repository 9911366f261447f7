using SeqCore.Plots;
using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Distributed;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary><c>train --model language-model</c> (the default): a text corpus, a tokenizer, an RNN/LSTM/GRU stack or a
/// causal transformer; reports held-out NLL, bits per character/token and perplexity.</summary>
internal sealed class LanguageModelTrainKind : ITrainKind
{
    public static readonly TextOption Corpus = new("--corpus", "UTF-8 text to learn (required). Its last --valid-fraction is held out.", valueName: "FILE");
    public static readonly ChoiceOption Tokenizer = new("--tokenizer", "char; word; bpe (byte-level BPE trained on the corpus); gpt2 (GPT-2's files, --vocab and --merges).", TextCorpus.TokenizerKinds, "char");
    public static readonly TextOption Vocab = new("--vocab", "gpt2: encoder.json.", Path.Combine("data", "gpt2", "encoder.json"), "FILE");
    public static readonly TextOption Merges = new("--merges", "gpt2: vocab.bpe.", Path.Combine("data", "gpt2", "vocab.bpe"), "FILE");
    public static readonly IntOption BpeMerges = new("--bpe-merges", "bpe: merges to learn.", 1000);
    public static readonly IntOption MaxVocab = new("--max-vocab", "word: keep the most frequent N words, the rest become <unk>.", 10000);
    public static readonly ChoiceOption Arch = new("--arch", "A recurrent cell or transformer (causal, pre-LN, GELU).", LanguageModelConfig.Architectures, "lstm");
    public static readonly IntOption Embedding = new("--embedding", "Embedding width E, the model width of a transformer (default 64; 128 for a transformer).", null, max: 1 << 16, valueName: "E");
    public static readonly IntOption Hidden = new("--hidden", "Recurrent hidden width H.", 256, max: 1 << 16, valueName: "H");
    public static readonly IntOption Layers = new("--layers", "Recurrent layers or transformer blocks (default 1; 2 for a transformer).", null, max: 1024, valueName: "L");
    public static readonly DoubleOption Dropout = new("--dropout", "Dropout probability.", 0, 0, 0.99, valueName: "P");
    public static readonly FlagOption Tie = new("--tie", "Tie the output head to the embedding (recurrent models need --hidden = --embedding).");
    public static readonly IntOption Heads = new("--heads", "Transformer attention heads.", 4, max: 1024);
    public static readonly IntOption FeedForward = new("--ff", "Transformer feed-forward width; 0 = 4·E.", 0, min: 0, max: 1 << 20);
    public static readonly IntOption Context = new("--context", "Transformer context length: the training window and the longest context.", 128, max: 1 << 20, valueName: "T");
    public static readonly ChoiceOption Positions = new("--positions", "Transformer positions.", ["learned", "sinusoidal"], "learned");
    public static readonly IntOption Bptt = new("--bptt", "Recurrent models: tokens per truncated-BPTT window.", 64, max: 1 << 20, valueName: "T");
    public static readonly DoubleOption ValidFraction = new("--valid-fraction", "Share of the corpus (its end) held out for evaluation.", 0.05, 0, 0.9, valueName: "F");
    public static readonly IntOption EvalTokens = new("--eval-tokens", "Held-out tokens scored at each periodic evaluation; the final report scores all of them.", 20000);

    public IModelKind Kind => LanguageModelKind.Instance;

    public IReadOnlyList<OptionSpec> Options { get; } =
        [Corpus, Tokenizer, Vocab, Merges, BpeMerges, MaxVocab, Arch, Embedding, Hidden, Layers, Dropout, Tie, Heads, FeedForward, Context, Positions, Bptt, ValidFraction, EvalTokens, .. PretrainedEmbeddings.Options];

    public TrainingSettings Defaults { get; } = new() { LearningRate = 2e-3, EvalEvery = 100, Clip = 1.0 };

    public string DefaultOut => "model.safetensors";

    public IReadOnlyList<string> Outputs(TrainOutputs outputs) => [];

    /// <summary>Sequences per batch when --batch is not given.</summary>
    public const int DefaultBatch = 32;

    public ITrainJob Prepare(OptionValues v, IBackend<float> backend, ulong seed, BatchShard shard)
    {
        string corpusPath = v.FindText(Corpus) ?? throw new UsageException("--corpus is required: the text to learn.");
        string tokenizerKind = v.Get(Tokenizer);
        string arch = v.Get(Arch);
        bool transformer = arch == "transformer";
        var config = new LanguageModelConfig
        {
            Arch = arch,
            EmbeddingSize = v.Find(Embedding) ?? (transformer ? 128 : 64),
            HiddenSize = v.Get(Hidden),
            Layers = v.Find(Layers) ?? (transformer ? 2 : 1),
            Dropout = v.Get(Dropout),
            TieWeights = v.Get(Tie),
            Heads = v.Get(Heads),
            FeedForwardSize = v.Get(FeedForward),
            ContextLength = v.Get(Context),
            Positions = v.Get(Positions),
            VocabularySize = 1, // set once the tokenizer exists
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message.Replace("Language model config: ", "")); }
        int batch = v.Find(CommonOptions.Batch) ?? DefaultBatch;
        DataParallelCli.CheckBatch(shard, batch);
        int bptt = v.Get(Bptt);
        double validFraction = v.Get(ValidFraction);
        int evalTokens = v.Get(EvalTokens);
        string? vocab = null, merges = null;
        if (tokenizerKind == "gpt2")
        {
            vocab = v.ExistingFile(Vocab);
            merges = v.ExistingFile(Merges);
        }

        TextCorpus corpus;
        try { corpus = TextCorpus.Load(corpusPath, validFraction, tokenizerKind, v.Get(MaxVocab), v.Get(BpeMerges), vocab, merges); }
        catch (InvalidDataException e) { throw new UsageException($"--corpus: {e.Message}"); }
        config = config with { VocabularySize = corpus.Tokenizer.VocabularySize };
        BudgetOptions.Check(v, Kind, config, new RunShape(batch, config.IsTransformer ? config.ContextLength : bptt));
        var model = (LanguageModel<float>)Kind.Build(backend, config, new Dictionary<string, string>(), new RandomStream(seed));
        model.Tokenizer = corpus.Tokenizer;
        try
        {
            var trainable = new LanguageModelTrainable<float>(model, corpus.Train, corpus.HeldOut, batch, bptt, seed + 1, evalTokens, shard: shard);
            return PretrainedEmbeddings.Apply(v, new Job(model, trainable, corpus, batch, tokenizerKind, [corpusPath, vocab ?? "", merges ?? ""]), corpus.Tokenizer);
        }
        catch (ArgumentException e)
        {
            model.Dispose();
            throw new UsageException($"--corpus {corpusPath}: {e.Message.Replace("LanguageModelTrainable: ", "")}");
        }
    }

    private sealed class Job(LanguageModel<float> model, LanguageModelTrainable<float> trainable, TextCorpus corpus, int batch, string tokenizerKind, string[] inputs) : ITrainJob
    {
        public ISequenceModel<float> Model => model;
        public ITrainable<float> Trainable => trainable;
        public string Title => $"{model.Config.Arch} language model";
        public IReadOnlyList<string> Inputs => inputs;

        public void WriteStart(CliIO io, bool json, IBackend<float> backend)
        {
            if (json)
                Output.WriteJsonLine(io.Out, new
                {
                    Event = "start", model.Config.Arch, Parameters = model.ParameterCount, Tokenizer = tokenizerKind, Vocabulary = corpus.Tokenizer.VocabularySize,
                    TrainTokens = corpus.Train.Length, HeldOutTokens = corpus.HeldOut.Length, trainable.Window, Batch = batch, Backend = backend.Name, Threads = BackendOption.Threads(backend),
                });
            else
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"seqcore train: {model.Config.Arch} language model, {model.ParameterCount:N0} parameters, {tokenizerKind} tokenizer ({corpus.Tokenizer.VocabularySize:N0} tokens); " +
                    $"{corpus.Train.Length:N0} training and {corpus.HeldOut.Length:N0} held-out tokens from {corpus.Path}; window {trainable.Window}, batch {batch}, {BackendOption.Describe(backend)}"));
        }

        public void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs)
        {
            var metrics = corpus.HeldOut.Length >= 2 ? LanguageModelEvaluator.Score(model, corpus.HeldOutText, corpus.HeldOut, batch, trainable.Window) : null;
            double tokensPerSecond = result.History.Count > 0 ? result.History[^1].ItemsPerSecond : 0;
            if (json)
            {
                Output.WriteJsonLine(io.Out, new
                {
                    Event = "result", result.Steps, StopReason = result.Reason.ToString(), TrainLoss = result.FinalLoss,
                    EvalNll = metrics?.Nll, BitsPerToken = metrics?.BitsPerToken, BitsPerChar = metrics?.BitsPerCharacter, metrics?.Perplexity,
                    EvalTokens = metrics?.Tokens, result.BestStep, Parameters = model.ParameterCount, TokensPerSecond = tokensPerSecond,
                    ElapsedS = result.Elapsed.TotalSeconds, outputs.Checkpoint, outputs.LossCurve,
                });
                return;
            }
            var ci = CultureInfo.InvariantCulture;
            io.Out.WriteLine(TrainFlow.StopLine(result, "tokens") + " nats/token");
            if (metrics is not null)
                io.Out.WriteLine(string.Create(ci, $"held-out ({metrics.Tokens:N0} tokens{(result.BestStep > 0 ? $", checkpoint of step {result.BestStep}" : "")}): " +
                    $"NLL {metrics.Nll:F4} nats/token, {metrics.BitsPerToken:F3} bits/token, {metrics.BitsPerCharacter:F3} bits/char, perplexity {metrics.Perplexity:F2}"));
            io.Out.WriteLine($"checkpoint: {outputs.Checkpoint}");
            io.Out.WriteLine($"loss curve: {outputs.LossCurve}");
        }

        public void Dispose()
        {
            trainable.Dispose();
            model.Dispose();
        }
    }
}
