using System.CommandLine;
using System.Globalization;
using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore word2vec train|neighbours|analogy</c>: trains skip-gram word vectors with negative sampling on a text
/// corpus, and queries a trained model for the nearest words (cosine) and for analogies a − b + c.
/// </summary>
internal static class Word2VecCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("word2vec", "Skip-gram word vectors with negative sampling: train on a corpus, then ask for neighbours and analogies.");
        command.Subcommands.Add(Train(io));
        command.Subcommands.Add(Neighbours(io));
        command.Subcommands.Add(Analogy(io));
        CliApp.RequireVerb(command, io, "seqcore word2vec");
        return command;
    }

    private static Command Train(CliIO io)
    {
        var corpus = new Option<FileInfo>("--corpus") { Description = "Text file; each line is a sentence.", HelpName = "FILE", Required = true };
        var dim = ModelOptions.PositiveInt("--dim", "Vector width.", 100);
        var window = ModelOptions.PositiveInt("--window", "Largest context window; each center draws its window from 1…W.", 5);
        var negatives = ModelOptions.PositiveInt("--negatives", "Noise words per (center, context) pair, drawn ∝ count^0.75.", 5);
        var minCount = ModelOptions.PositiveInt("--min-count", "Drop words seen fewer times than this.", 5);
        var epochs = ModelOptions.PositiveInt("--epochs", "Passes over the corpus (ignored when --steps is given).", 1);
        var steps = ModelOptions.NonNegativeInt("--steps", "Training steps (batches); 0: as many as --epochs take.", 0);
        var time = ModelOptions.NonNegativeInt("--time", "Stop after this many seconds (0: no limit).", 0);
        var batch = ModelOptions.PositiveInt("--batch", "Pairs per step.", 512);
        var lr = ModelOptions.PositiveDouble("--lr", "Start learning rate of plain SGD (word2vec's α), decayed linearly to 1e-4 of it.", 0.025);
        var sample = new Option<double>("--sample")
        {
            Description = "Subsampling threshold t of frequent words (keep with probability min(1, √(t/f) + t/f)); 0 keeps every word.",
            HelpName = "T", DefaultValueFactory = _ => 1e-3,
            CustomParser = r =>
            {
                string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && double.IsFinite(v)) return v;
                r.AddError($"--sample: expected a number ≥ 0, got '{text}'.");
                return 0;
            },
        };
        var seed = ModelOptions.Seed();
        var output = new Option<FileInfo>("--out") { Description = "Where to write the model.", HelpName = "FILE", DefaultValueFactory = _ => new FileInfo("runs/word2vec.safetensors") };
        var json = CliOptions.Flag("--json", "Progress and the final result as JSON lines.");
        var command = new Command("train", "Train word vectors on a corpus.")
        {
            corpus, dim, window, negatives, minCount, epochs, steps, time, batch, lr, sample, seed, output, json,
        };
        command.SetAction(p => ExecuteTrain(io, p.GetValue(corpus)!, p.GetValue(dim), p.GetValue(window), p.GetValue(negatives), p.GetValue(minCount),
            p.GetValue(epochs), p.GetValue(steps), p.GetValue(time), p.GetValue(batch), p.GetValue(lr), p.GetValue(sample), p.GetValue(seed),
            p.GetValue(output)!, p.GetValue(json)));
        return command;
    }

    private static int ExecuteTrain(CliIO io, FileInfo corpus, int dim, int window, int negatives, int minCount, int epochs, int steps,
        int time, int batch, double lr, double sample, ulong seed, FileInfo output, bool json)
    {
        if (!corpus.Exists) return Usage(io, "train", $"file not found: {corpus.FullName}");
        string[] lines = File.ReadAllLines(corpus.FullName);
        Word2VecVocabulary vocabulary;
        int[][] sentences;
        try
        {
            vocabulary = Word2VecVocabulary.Build(lines, minCount);
            sentences = vocabulary.Encode(lines);
            if (sentences.Length == 0) throw new ArgumentException("Word2Vec: no line has two or more words of the vocabulary.");
        }
        catch (ArgumentException e) { return Usage(io, "train", $"{corpus.Name}: {e.Message}"); }

        var sampler = new SkipGramSampler(sentences, vocabulary, window, negatives, sample, new RandomStream(seed + 1));
        long pairsPerEpoch = sampler.EstimatedPairsPerEpoch();
        int totalSteps = steps > 0 ? steps : (int)Math.Clamp((pairsPerEpoch * epochs + batch - 1) / batch, 1, int.MaxValue);

        using var backend = new CpuBackend<float>();
        using var model = new Word2Vec<float>(backend, vocabulary, dim, new RandomStream(seed));
        var trainable = new Word2VecTrainable<float>(model, sampler, batch);
        using var sgd = new Sgd<float>(backend, model.Parameters, lr);
        var view = new TrainingProgressView(io, json, totalSteps);
        var result = view.Run("word2vec", report => new Trainer<float>(backend, sgd, new TrainerOptions
        {
            Steps = totalSteps, Schedule = new LinearDecaySchedule(lr, totalSteps, lr * 1e-4),
            TimeBudget = time > 0 ? TimeSpan.FromSeconds(time) : null,
        })
        { Progress = report }.Run(trainable));

        model.Save(output.FullName, new Dictionary<string, string>
        {
            ["window"] = window.ToString(CultureInfo.InvariantCulture), ["negatives"] = negatives.ToString(CultureInfo.InvariantCulture),
            ["min_count"] = minCount.ToString(CultureInfo.InvariantCulture), ["sample"] = sample.ToString("R", CultureInfo.InvariantCulture),
        });
        double firstLoss = result.History.Count > 0 ? result.History[0].Loss : double.NaN;
        double epochsDone = sampler.Epoch + sampler.EpochProgress;
        var summary = new Word2VecTrainSummary(corpus.FullName, vocabulary.Count, vocabulary.Total, sentences.Length, pairsPerEpoch, dim, window, negatives,
            minCount, result.Steps, (long)result.Steps * batch, epochsDone, firstLoss, result.FinalLoss, result.Elapsed.TotalSeconds, result.Reason.ToString(), output.FullName);
        if (json) Output.WriteJsonLine(io.Out, summary);
        else
        {
            var c = CultureInfo.InvariantCulture;
            io.Out.WriteLine(string.Create(c, $"vocabulary: {vocabulary.Count} words seen ≥ {minCount} times ({vocabulary.Total} tokens in {sentences.Length} sentences); about {pairsPerEpoch} pairs per epoch"));
            io.Out.WriteLine(string.Create(c, $"trained {result.Steps} steps × {batch} pairs ({epochsDone:F2} epochs) in {result.Elapsed.TotalSeconds:F1} s ({result.Reason}); loss per pair {firstLoss:F3} → {result.FinalLoss:F3}"));
            io.Out.WriteLine($"model: {output.FullName}");
        }
        return ExitCodes.Ok;
    }

    private static Command Neighbours(CliIO io)
    {
        var model = ModelOption();
        var word = new Option<string>("--word") { Description = "The word to look up.", HelpName = "WORD", Required = true };
        var top = ModelOptions.PositiveInt("--top", "How many neighbours.", 10);
        var json = CliOptions.Flag("--json", "Print the result as one JSON object.");
        var command = new Command("neighbours", "The words nearest to a word by cosine similarity of their vectors.") { model, word, top, json };
        command.Aliases.Add("neighbors");
        command.SetAction(p => Query(io, "neighbours", p.GetValue(model)!, p.GetValue(json), m =>
            (m.Neighbours(p.GetValue(word)!, p.GetValue(top)), new { Word = p.GetValue(word) })));
        return command;
    }

    private static Command Analogy(CliIO io)
    {
        var model = ModelOption();
        var words = new Argument<string[]>("words") { Description = "a b c: find x with a − b + c ≈ x (a is to b as x is to c).", Arity = new ArgumentArity(3, 3) };
        var top = ModelOptions.PositiveInt("--top", "How many answers.", 5);
        var json = CliOptions.Flag("--json", "Print the result as one JSON object.");
        var command = new Command("analogy", "Solve a − b + c by cosine similarity, excluding the three query words (e.g. king man woman → queen).") { model, words, top, json };
        command.SetAction(p =>
        {
            string[] w = p.GetValue(words)!;
            return Query(io, "analogy", p.GetValue(model)!, p.GetValue(json), m => (m.Analogy(w[0], w[1], w[2], p.GetValue(top)), new { A = w[0], B = w[1], C = w[2] }));
        });
        return command;
    }

    private static Option<FileInfo> ModelOption() =>
        new("--model") { Description = "A model written by 'seqcore word2vec train'.", HelpName = "FILE", Required = true };

    private static int Query(CliIO io, string verb, FileInfo file, bool json,
        Func<Word2Vec<float>, (IReadOnlyList<(string Word, double Similarity)> Results, object Query)> run)
    {
        if (!file.Exists) return Usage(io, verb, $"file not found: {file.FullName}");
        using var backend = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        Word2Vec<float> model;
        try { model = Word2Vec<float>.Load(backend, file.FullName); }
        catch (InvalidDataException e) { return Usage(io, verb, e.Message); }
        using (model)
        {
            IReadOnlyList<(string Word, double Similarity)> results;
            object query;
            try { (results, query) = run(model); }
            catch (KeyNotFoundException e) { return Usage(io, verb, e.Message); }
            if (json)
                Output.WriteJsonLine(io.Out, new { Query = query, Results = results.Select(r => new { r.Word, r.Similarity }).ToArray() });
            else
            {
                var table = new Table().AddColumn("#").AddColumn("word").AddColumn("cosine", c => c.RightAligned());
                for (int i = 0; i < results.Count; i++)
                    table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape(results[i].Word), results[i].Similarity.ToString("F3", CultureInfo.InvariantCulture));
                Output.Console(io.Out).Write(table);
            }
            return ExitCodes.Ok;
        }
    }

    private static int Usage(CliIO io, string verb, string message)
    {
        io.Error.WriteLine($"seqcore: word2vec {verb}: {message}");
        return ExitCodes.Usage;
    }
}

/// <summary>The final result of <c>seqcore word2vec train --json</c>.</summary>
internal sealed record Word2VecTrainSummary(string Corpus, int Vocabulary, long Tokens, int Sentences, long PairsPerEpoch, int Dim, int Window,
    int Negatives, int MinCount, int Steps, long Pairs, double Epochs, double FirstLoss, double FinalLoss, double TrainSeconds, string StopReason, string Model)
{
    /// <summary>Marks the line as the final result.</summary>
    public string Event => "result";
}
