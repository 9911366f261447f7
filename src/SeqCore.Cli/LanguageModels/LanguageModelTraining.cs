using System.Globalization;
using SeqCore.Cli.Commands;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Text;
using SeqCore.Training;

namespace SeqCore.Cli.LanguageModels;

/// <summary>
/// <c>seqcore train --model language-model</c>: reads and tokenizes the corpus, builds the model, trains it with the
/// shared <see cref="Trainer{T}"/> (truncated BPTT through <see cref="LanguageModelTrainable{T}"/>), keeps the best
/// held-out checkpoint, writes the loss curve, and reports the held-out NLL, bits per character/token and perplexity.
/// </summary>
internal static class LanguageModelTraining
{
    public static int Run(CliIO io, CommandSettings s, CommonTrainOptions c, LanguageModelTrainOptions o)
    {
        // ---- settings (all checked before anything is read or written) ----
        string corpusPath = s.String(o.Corpus) ?? throw new UsageException("--corpus is required: the text to learn.");
        string tokenizerKind = s.Choice(o.Tokenizer, "char", ["char", "word", "bpe", "gpt2"]);
        string arch = s.Choice(o.Arch, "lstm", LanguageModelConfig.Architectures.ToArray());
        bool transformer = arch == "transformer";
        var modelConfig = new LanguageModelConfig
        {
            Arch = arch,
            EmbeddingSize = s.Int(o.Embedding, transformer ? 128 : 64),
            HiddenSize = s.Int(o.Hidden, 256),
            Layers = s.Int(o.Layers, transformer ? 2 : 1),
            Dropout = s.Double(o.Dropout, 0, 0, 0.99),
            TieWeights = s.Flag(o.Tie),
            Heads = s.Int(o.Heads, 4),
            FeedForwardSize = s.Int(o.FeedForward, 0, min: 0),
            ContextLength = s.Int(o.Context, 128),
            Positions = s.Choice(o.Positions, "learned", ["learned", "sinusoidal"]),
            VocabSize = 1, // set once the tokenizer exists
        };
        try { modelConfig.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message.Replace("Language model config: ", "")); }
        var time = s.Duration(c.Time);
        int steps = s.Int(c.Steps, time is null ? 1000 : int.MaxValue);
        int batch = s.Int(c.Batch, 32);
        int bptt = s.Int(o.Bptt, 64);
        double lr = s.Double(c.LearningRate, 2e-3, 0, double.MaxValue, minExclusive: true);
        string optimizerName = s.Choice(c.Optimizer, "adam", ["adam", "adamw", "sgd"]);
        double weightDecay = s.Double(c.WeightDecay, optimizerName == "adamw" ? 0.01 : 0, 0, 10);
        double momentum = s.Double(c.Momentum, 0.9, 0, 0.999999);
        double clip = s.Double(c.Clip, 1.0, 0, double.MaxValue);
        string scheduleName = s.Choice(c.Schedule, "constant", ["constant", "step", "cosine"]);
        if (scheduleName != "constant" && steps == int.MaxValue) throw new UsageException($"--schedule {scheduleName} needs --steps (the schedule is laid out over them).");
        int warmup = s.Int(c.Warmup, Math.Max(1, steps == int.MaxValue ? 1 : steps / 20), min: 0);
        int evalEvery = s.Int(c.EvalEvery, 100, min: 0);
        int patience = s.Int(c.Patience, 0, min: 0);
        int threads = s.Int(c.Threads, 0, min: 0);
        ulong seed = (ulong)s.Int(c.Seed, 1, min: 0);
        string outPath = s.String(c.Out, "model.safetensors")!;
        double validFraction = s.Double(o.ValidFraction, 0.05, 0, 0.9);
        int evalTokens = s.Int(o.EvalTokens, 20000);
        bool json = s.Flag(c.Json);
        string? vocabPath = null, mergesPath = null;
        if (tokenizerKind == "gpt2")
        {
            vocabPath = s.ExistingFile(o.Vocab) ?? DefaultFile(Path.Combine("data", "gpt2", "encoder.json"), "--vocab");
            mergesPath = s.ExistingFile(o.Merges) ?? DefaultFile(Path.Combine("data", "gpt2", "vocab.bpe"), "--merges");
        }
        int bpeMerges = s.Int(o.BpeMerges, 1000);
        int maxVocab = s.Int(o.MaxVocab, 10000);

        try { Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--out: cannot create the folder of {outPath}: {e.Message}"); }

        // ---- data ----
        string text = Corpus.ReadText("--corpus", corpusPath);
        ITokenizer tokenizer = tokenizerKind switch
        {
            "char" => CharTokenizer.Train(text),
            "word" => WordTokenizer.Train(Corpus.Split(text, validFraction).Train, maxVocab),
            "bpe" => ByteLevelBpeTokenizer.Train(Corpus.Split(text, validFraction).Train, bpeMerges),
            _ => LoadGpt2(vocabPath!, mergesPath!),
        };
        var corpus = Corpus.Create(corpusPath, text, validFraction, tokenizer);
        modelConfig = modelConfig with { VocabSize = tokenizer.VocabularySize };

        using var backend = new CpuBackend<float>(new CpuBackendOptions { Threads = threads });
        using var model = new LanguageModel<float>(backend, modelConfig, new RandomStream(seed));
        LanguageModelTrainable<float> data;
        try
        {
            data = new LanguageModelTrainable<float>(model, corpus.Train, corpus.HeldOut, batch, bptt, seed + 1, evalTokens);
        }
        catch (ArgumentException e) { throw new UsageException($"--corpus {corpusPath}: {e.Message.Replace("LanguageModelTrainable: ", "")}"); }
        using var _ = data;
        using Optimizer<float> optimizer = optimizerName switch
        {
            "sgd" => new Sgd<float>(backend, model.Parameters, lr, momentum, weightDecay: weightDecay),
            "adamw" => new AdamW<float>(backend, model.Parameters, lr, weightDecay: weightDecay),
            _ => new Adam<float>(backend, model.Parameters, lr, weightDecay: weightDecay),
        };
        ILearningRateSchedule schedule = scheduleName switch
        {
            "step" => new StepSchedule(lr, Math.Max(1, steps / 4), 0.5),
            "cosine" => new WarmupCosineSchedule(lr, Math.Min(warmup, steps - 1), steps, lr / 10),
            _ => new ConstantSchedule(lr),
        };

        string svgPath = LossCurve.PathBeside(outPath);
        var header = string.Create(CultureInfo.InvariantCulture,
            $"seqcore train: {arch} language model, {model.ParameterCount:N0} parameters, {tokenizerKind} tokenizer ({tokenizer.VocabularySize:N0} tokens); " +
            $"{corpus.Train.Length:N0} training and {corpus.HeldOut.Length:N0} held-out tokens from {corpusPath}; window {data.Window}, batch {batch}, {backend.Threads} threads");
        if (json) Output.WriteJsonLine(io.Out, new
        {
            Event = "start", Arch = arch, Parameters = model.ParameterCount, Tokenizer = tokenizerKind, Vocabulary = tokenizer.VocabularySize,
            TrainTokens = corpus.Train.Length, HeldOutTokens = corpus.HeldOut.Length, data.Window, Batch = batch, backend.Threads,
        });
        else io.Out.WriteLine(header);

        // ---- train ----
        var history = new List<TrainingProgress>();
        bool saved = false;
        var view = new TrainingProgressView(io, json, steps, steps == int.MaxValue ? Math.Max(1, evalEvery > 0 ? evalEvery : 100) : 0);
        var options = new TrainerOptions
        {
            Steps = steps, TimeBudget = time, EvalEvery = corpus.HeldOut.Length >= 2 ? (evalEvery > 0 ? evalEvery : int.MaxValue) : 0,
            Patience = patience, ClipNorm = clip > 0 ? clip : null, Schedule = schedule,
        };
        TrainingResult result;
        try
        {
            result = view.Run($"{arch} LM", report => new Trainer<float>(backend, optimizer, options)
            {
                Progress = p => { history.Add(p); report(view.Live ? WithTimeBudget(p, time) : p); },
                Improved = (_, _) => { LanguageModelCheckpoint.Save(outPath, model, tokenizer); saved = true; },
            }.Run(data));
        }
        catch (NonFiniteTrainingException e)
        {
            if (history.Count > 0) LossCurve.Save(svgPath, history, $"{arch} language model (stopped at step {e.Step})");
            io.Error.WriteLine($"seqcore: train: {e.Message}");
            io.Error.WriteLine(saved ? $"seqcore: train: the last good checkpoint (best held-out loss so far) is {outPath}." : "seqcore: train: no checkpoint was written (no evaluation had finished).");
            return ExitCodes.Failed;
        }
        if (!saved) LanguageModelCheckpoint.Save(outPath, model, tokenizer);
        else Checkpoint.Load(outPath, model.Parameters, backend); // report on the weights the checkpoint holds
        LossCurve.Save(svgPath, history, $"{arch} language model on {Path.GetFileName(corpusPath)}");

        // ---- report ----
        LanguageModelMetrics? metrics = null;
        if (corpus.HeldOut.Length >= 2)
        {
            var (nll, tokens) = LanguageModelEvaluator.Evaluate(model, corpus.HeldOut, batch, data.Window);
            metrics = new LanguageModelMetrics(nll, tokens, CharactersCovered(corpus.HeldOutText, corpus.HeldOut.Length, tokens));
        }
        var last = history[^1];
        if (json)
            Output.WriteJsonLine(io.Out, new
            {
                Event = "result", result.Steps, StopReason = result.Reason.ToString(), TrainLoss = result.FinalLoss,
                EvalNll = metrics?.Nll, BitsPerToken = metrics?.BitsPerToken, BitsPerChar = metrics?.BitsPerCharacter, metrics?.Perplexity,
                EvalTokens = metrics?.Tokens, BestStep = result.BestStep, Parameters = model.ParameterCount, TokensPerSecond = last.ItemsPerSecond,
                ElapsedS = result.Elapsed.TotalSeconds, Checkpoint = outPath, LossCurve = svgPath,
            });
        else
        {
            var ci = CultureInfo.InvariantCulture;
            io.Out.WriteLine(string.Create(ci, $"stopped: {Describe(result.Reason)} after {result.Steps:N0} steps in {result.Elapsed.TotalSeconds:F1} s ({last.ItemsPerSecond:N0} tokens/s); training loss {result.FinalLoss:F4} nats/token"));
            if (metrics is not null)
                io.Out.WriteLine(string.Create(ci, $"held-out ({metrics.Tokens:N0} tokens{(result.BestStep > 0 ? $", checkpoint of step {result.BestStep}" : "")}): " +
                    $"NLL {metrics.Nll:F4} nats/token, {metrics.BitsPerToken:F3} bits/token, {metrics.BitsPerCharacter:F3} bits/char, perplexity {metrics.Perplexity:F2}"));
            io.Out.WriteLine($"checkpoint: {outPath}");
            io.Out.WriteLine($"loss curve: {svgPath}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>For the live bar of a run bounded by time, not steps: the steps the budget will allow at the current
    /// pace, so the bar fills with the time.</summary>
    private static TrainingProgress WithTimeBudget(TrainingProgress p, TimeSpan? budget)
    {
        if (budget is not { } b || p.TotalSteps != int.MaxValue || p.Elapsed <= TimeSpan.Zero) return p;
        double expected = p.Step * b.TotalSeconds / p.Elapsed.TotalSeconds;
        return p with { TotalSteps = (int)Math.Clamp(Math.Round(expected), p.Step + 1, int.MaxValue - 1) };
    }

    /// <summary>Characters of text the scored tokens stand for: the held-out text's characters per token times the tokens.</summary>
    internal static long CharactersCovered(string text, int totalTokens, long scored) =>
        totalTokens == 0 ? 0 : (long)Math.Round(text.EnumerateRunes().Count() * (double)scored / totalTokens);

    private static string Describe(StopReason reason) => reason switch
    {
        StopReason.TimeBudget => "time budget",
        StopReason.EarlyStopping => "no held-out improvement (patience)",
        StopReason.Cancelled => "cancelled",
        _ => "all steps done",
    };

    private static string DefaultFile(string path, string option) =>
        File.Exists(path) ? path : throw new UsageException($"{option} is required with --tokenizer gpt2 (no {path} here).");

    private static ITokenizer LoadGpt2(string vocab, string merges)
    {
        try { return ByteLevelBpeTokenizer.LoadGpt2(vocab, merges); }
        catch (InvalidDataException e) { throw new UsageException(e.Message); }
    }
}
