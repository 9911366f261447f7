using System.CommandLine;
using System.Globalization;
using SeqCore.Cli.Plots;
using SeqCore.Cli.Seq2SeqCli;
using SeqCore.Cpu;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Cli.Commands;

/// <summary>
/// <c>seqcore seq2seq train</c>: trains a <see cref="Seq2Seq{T}"/> (float, CPU) on a TSV of character pairs with a
/// held-out split, reports teacher-forced token accuracy and exact-match accuracy (greedy, and beam search with
/// <c>--beam K</c>), and writes the checkpoint, a loss-curve SVG and an attention-map SVG.
/// </summary>
internal static class Seq2SeqTrainCommand
{
    private sealed record Settings(string Data, string Cell, string Attention, int Embedding, int Hidden, bool Unidirectional, bool NoInputFeeding,
        int Steps, double? TimeSeconds, int Batch, double LearningRate, double Clip, double TeacherForcing, double HeldOut, int EvalEvery,
        int Beam, double Alpha, int? MaxLength, ulong Seed, int? Threads, string Out, string? LossSvg, string? AttentionSvg, bool Json);

    public static Command Create(CliIO io)
    {
        var data = new Option<string>("--data") { Description = "TSV of source<TAB>target pairs, one per line (characters are the tokens).", HelpName = "FILE", Required = true };
        var cell = CliOptions.Choices("--cell", "Recurrent cell of encoder and decoder.", [.. CellCatalogue.Names], ["lstm"]);
        var attention = CliOptions.Choices("--attention", "Attention score: additive (Bahdanau), dot or general (Luong).", ["additive", "dot", "general"], ["additive"]);
        var embedding = ModelOptions.PositiveInt("--embedding", "Embedding width", 32);
        var hidden = ModelOptions.PositiveInt("--hidden", "Hidden width of each encoder direction (the decoder is twice this when bidirectional)", 64);
        var unidirectional = CliOptions.Flag("--unidirectional", "Encode left to right only (default: bidirectional).");
        var noFeeding = CliOptions.Flag("--no-input-feeding", "Do not feed the previous attentional vector into the decoder.");
        var steps = ModelOptions.PositiveInt("--steps", "Training steps (batches) at most", 3000);
        var time = new Option<double?>("--time")
        {
            Description = "Stop after this many seconds of training (default: no limit).", HelpName = "SECONDS",
            CustomParser = r =>
            {
                string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v)) return v;
                r.AddError($"--time: expected a positive number of seconds, got '{text}'.");
                return null;
            },
        };
        var batch = ModelOptions.PositiveInt("--batch", "Pairs per batch", 64);
        var lr = ModelOptions.Real("--lr", "Adam learning rate", 0.003, 0, 10, minExclusive: true);
        var clip = ModelOptions.Real("--clip", "Clip the global gradient norm to this value", 5, 0, double.PositiveInfinity, minExclusive: true);
        var teacher = ModelOptions.Real("--teacher-forcing", "Probability that a decoder input is the reference token rather than the model's own previous prediction", 1.0, 0, 1);
        var heldOut = ModelOptions.Real("--held-out", "Fraction of the pairs held out for evaluation", 0.1, 0, 0.9);
        var evalEvery = ModelOptions.PositiveInt("--eval-every", "Evaluate the held-out loss every this many steps", 250);
        var beam = ModelOptions.PositiveInt("--beam", "Beam width for the held-out exact match (1 = greedy only; K > 1 reports greedy and beam)", 1);
        var alpha = ModelOptions.Real("--alpha", "Length normalisation α of beam search (GNMT)", 0.6, 0, 10);
        var maxLength = ModelOptions.OptionalPositiveInt("--max-length", "Longest output decoded (default: the longest target + 10).");
        var seed = ModelOptions.Seed(1, "Seed of every random choice (initialisation, batches, teacher forcing, data); same seed, same result.");
        var threads = ModelOptions.OptionalPositiveInt("--threads", "CPU threads (default: all cores).");
        var output = new Option<string>("--out") { Description = "Checkpoint to write (default seq2seq.safetensors); the SVGs go beside it.", HelpName = "FILE", DefaultValueFactory = _ => "seq2seq.safetensors" };
        var lossSvg = new Option<string?>("--loss-svg") { Description = "Loss-curve SVG (default: <out>.loss.svg).", HelpName = "FILE" };
        var attentionSvg = new Option<string?>("--attention-svg") { Description = "Attention-map SVG of the first held-out pair (default: <out>.attention.svg).", HelpName = "FILE" };
        var json = CliOptions.Flag("--json", "Progress and the final result as JSON lines on stdout.");
        var command = new Command("train", "Train an encoder–decoder with attention on source<TAB>target pairs; print held-out exact-match accuracy; write the checkpoint, a loss curve and an attention map.")
        {
            data, cell, attention, embedding, hidden, unidirectional, noFeeding, steps, time, batch, lr, clip, teacher, heldOut, evalEvery,
            beam, alpha, maxLength, seed, threads, output, lossSvg, attentionSvg, json,
        };
        command.SetAction(parse => Execute(io, new Settings(parse.GetValue(data)!, parse.GetValue(cell)!.Last(), parse.GetValue(attention)!.Last(),
            parse.GetValue(embedding), parse.GetValue(hidden), parse.GetValue(unidirectional), parse.GetValue(noFeeding), parse.GetValue(steps),
            parse.GetValue(time), parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(clip), parse.GetValue(teacher), parse.GetValue(heldOut),
            parse.GetValue(evalEvery), parse.GetValue(beam), parse.GetValue(alpha), parse.GetValue(maxLength), parse.GetValue(seed), parse.GetValue(threads),
            parse.GetValue(output)!, parse.GetValue(lossSvg), parse.GetValue(attentionSvg), parse.GetValue(json))));
        return command;
    }

    private static int Execute(CliIO io, Settings s)
    {
        List<(string Source, string Target)> pairs;
        try { pairs = PairsFile.Read(s.Data); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return Seq2SeqCommand.Fail(io, "train", e.Message);
        }
        Shuffle(pairs, new RandomStream(s.Seed ^ 0xda7a_5eedUL));
        int held = s.HeldOut > 0 ? Math.Max(1, (int)Math.Round(pairs.Count * s.HeldOut)) : 0;
        if (held >= pairs.Count)
            return Seq2SeqCommand.Fail(io, "train", $"{s.Data}: {pairs.Count} pair{(pairs.Count == 1 ? "" : "s")} leave nothing to train on after holding out {held}; add pairs or lower --held-out.");
        var vocabulary = Seq2SeqVocabulary.Build(pairs);
        var examples = pairs.Select(p => new Seq2SeqExample(vocabulary.EncodeSource(p.Source), vocabulary.EncodeTarget(p.Target))).ToList();
        var train = examples[held..];
        var heldOut = examples[..held];
        int maxLength = s.MaxLength ?? examples.Max(e => e.Target.Length) + 10;
        string checkpoint = Path.GetFullPath(s.Out);
        string stem = checkpoint.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? checkpoint[..^".safetensors".Length] : checkpoint;
        string lossPath = Path.GetFullPath(s.LossSvg ?? stem + ".loss.svg");
        string attentionPath = Path.GetFullPath(s.AttentionSvg ?? stem + ".attention.svg");

        var config = new Seq2SeqConfig
        {
            SourceVocabSize = vocabulary.SourceSize, TargetVocabSize = vocabulary.TargetSize, EmbeddingSize = s.Embedding, HiddenSize = s.Hidden,
            Cell = CellCatalogue.Parse(s.Cell, "--cell").Kind, Bidirectional = !s.Unidirectional, InputFeeding = !s.NoInputFeeding,
            Attention = s.Attention switch { "dot" => Seq2SeqAttention.Dot, "general" => Seq2SeqAttention.General, _ => Seq2SeqAttention.Additive },
        };
        try
        {
            foreach (var path in new[] { checkpoint, lossPath, attentionPath }) Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Seq2SeqCommand.Fail(io, "train", $"cannot create the output folder: {e.Message}");
        }
        using var backend = new CpuBackend<float>(new CpuBackendOptions { Threads = s.Threads ?? 0 });
        using var model = new Seq2Seq<float>(backend, config, new RandomStream(s.Seed));
        var task = new Seq2SeqTrainable<float>(model, train, heldOut, s.Batch, s.TeacherForcing, s.Seed + 1);
        using var adam = new Adam<float>(backend, model.Parameters, s.LearningRate);
        var options = new TrainerOptions
        {
            Steps = s.Steps, TimeBudget = s.TimeSeconds is { } t ? TimeSpan.FromSeconds(t) : null,
            EvalEvery = held > 0 ? s.EvalEvery : 0, ClipNorm = s.Clip,
        };
        if (!s.Json)
        {
            io.Out.WriteLine($"seq2seq: {pairs.Count} pairs from {Path.GetFullPath(s.Data)} ({train.Count} train, {held} held out); " +
                $"{vocabulary.SourceSize - 2} source and {vocabulary.TargetSize - 3} target characters");
            io.Out.WriteLine($"model: {config.Cell.ToString().ToLowerInvariant()} {(config.Bidirectional ? "bidirectional " : "")}encoder {config.HiddenSize}, decoder {config.DecoderSize}, " +
                $"{s.Attention} attention{(config.InputFeeding ? ", input feeding" : "")}; {model.Parameters.Sum(p => p.Value.Length):N0} parameters");
            io.Out.Flush();
        }
        var view = new TrainingProgressView(io, s.Json, s.Steps);
        TrainingResult result;
        try
        {
            result = view.Run("seq2seq", report => new Trainer<float>(backend, adam, options) { Progress = report }.Run(task));
        }
        catch (NonFiniteTrainingException e)
        {
            io.Error.WriteLine($"seqcore: seq2seq train: {e.Message} Nothing was written; try a lower --lr or --clip.");
            return ExitCodes.Failed;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Seq2SeqAccuracy? greedy = held > 0 ? task.Decode(1, s.Alpha, maxLength) : null;
        double greedySeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        Seq2SeqAccuracy? beamAccuracy = held > 0 && s.Beam > 1 ? task.Decode(s.Beam, s.Alpha, maxLength) : null;
        double beamSeconds = clock.Elapsed.TotalSeconds;

        // The attention map of the first held-out pair (or the first training pair), decoded as asked.
        var shown = pairs[0];
        var shownIds = examples[0].Source;
        var decoded = s.Beam > 1 ? model.Beam(shownIds, s.Beam, maxLength, s.Alpha)[0] : model.Greedy([shownIds], maxLength)[0];
        string decoding = s.Beam > 1 ? $"beam {s.Beam}" : "greedy";

        var meta = new Dictionary<string, string>
        {
            ["seqcore.seq2seq.max_target_length"] = examples.Max(e => e.Target.Length).ToString(CultureInfo.InvariantCulture),
            ["seqcore.seq2seq.training"] = System.Text.Json.JsonSerializer.Serialize(new
            {
                data = Path.GetFileName(s.Data), steps = result.Steps, seed = s.Seed, held_out = held,
                exact_match_greedy = greedy?.ExactMatch, exact_match_beam = beamAccuracy?.ExactMatch, beam = s.Beam,
            }),
        };
        Seq2SeqCheckpoint.Save(checkpoint, model, vocabulary, meta);
        LossChart(result, s.Data).Save(lossPath);
        AttentionPlot.Create(vocabulary, shown.Source, shownIds, decoded, decoding).Save(attentionPath);

        double? heldLoss = result.History.LastOrDefault(h => h.EvalLoss is not null).EvalLoss;
        if (s.Json)
        {
            Output.WriteJsonLine(io.Out, new
            {
                Event = "result", result.Steps, Stopped = result.Reason.ToString(), ElapsedS = result.Elapsed.TotalSeconds, TrainLoss = result.FinalLoss,
                HeldOutLoss = heldLoss, HeldOut = held, TokenAccuracy = held > 0 ? task.LastTokenAccuracy : (double?)null,
                ExactMatchGreedy = greedy?.ExactMatch, ExactMatchBeam = beamAccuracy?.ExactMatch, Beam = s.Beam, s.Alpha,
                GreedySeconds = greedySeconds, BeamSeconds = beamAccuracy is null ? (double?)null : beamSeconds,
                Checkpoint = checkpoint, LossSvg = lossPath, AttentionSvg = attentionPath,
            });
            return ExitCodes.Ok;
        }
        var c = CultureInfo.InvariantCulture;
        io.Out.WriteLine(string.Create(c, $"trained {result.Steps} steps in {result.Elapsed.TotalSeconds:F1} s ({result.Reason}); train loss {result.FinalLoss:F4}"));
        if (greedy is not null)
        {
            io.Out.WriteLine(string.Create(c, $"held out ({held} pairs): loss {heldLoss:F4}, token accuracy {task.LastTokenAccuracy:P2} (teacher-forced)"));
            io.Out.WriteLine(string.Create(c, $"exact match, greedy:  {greedy.ExactMatch:P2} ({greedy.ExactMatches}/{greedy.Examples}) in {greedySeconds:F1} s"));
            if (beamAccuracy is not null)
                io.Out.WriteLine(string.Create(c, $"exact match, beam {s.Beam} (α = {s.Alpha}): {beamAccuracy.ExactMatch:P2} ({beamAccuracy.ExactMatches}/{beamAccuracy.Examples}) in {beamSeconds:F1} s"));
            var shownAccuracy = beamAccuracy ?? greedy;
            for (int i = 0; i < Math.Min(5, held); i++)
            {
                string predicted = vocabulary.DecodeTarget(shownAccuracy.Predictions[i]);
                bool ok = shownAccuracy.Predictions[i].AsSpan().SequenceEqual(heldOut[i].Target);
                io.Out.WriteLine($"  {pairs[i].Source}  →  {predicted}  {(ok ? "✓" : $"✗ (expected {pairs[i].Target})")}");
            }
        }
        io.Out.WriteLine($"checkpoint:    {checkpoint}");
        io.Out.WriteLine($"loss curve:    {lossPath}");
        io.Out.WriteLine($"attention map: {attentionPath}");
        return ExitCodes.Ok;
    }

    private static void Shuffle<TItem>(List<TItem> items, RandomStream random)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static SvgChart LossChart(TrainingResult result, string data)
    {
        var chart = new SvgChart { Title = $"seq2seq on {Path.GetFileName(data)}: cross-entropy per target token", XLabel = "step", YLabel = "loss (nats)", LogY = true };
        // Per-batch losses: on a log axis the trainer's moving average lags far behind a loss falling by decades.
        chart.Add(new SvgSeries("training batch", [.. result.History.Select(h => ((double)h.Step, h.Loss))], "#1f77b4"));
        var eval = result.History.Where(h => h.EvalLoss is not null).Select(h => ((double)h.Step, h.EvalLoss!.Value)).ToList();
        if (eval.Count > 0) chart.Add(new SvgSeries("held out", eval, "#d62728"));
        return chart;
    }
}
