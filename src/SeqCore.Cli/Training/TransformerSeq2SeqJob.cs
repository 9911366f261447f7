using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Distributed;
using SeqCore.Models;
using SeqCore.Plots;
using SeqCore.Random;
using SeqCore.Training;
using T = SeqCore.Cli.Options.Seq2SeqTransformerOptions;

namespace SeqCore.Cli.Training;

/// <summary><c>seq2seq train --architecture transformer</c>: the encoder–decoder transformer on the same TSV of pairs as
/// the recurrent family, reporting the same held-out numbers and attention map (the last decoder block's
/// cross-attention, averaged over heads).</summary>
internal sealed class TransformerSeq2SeqJob(TransformerSeq2Seq<float> model, TransformerSeq2SeqTrainable<float> trainable, Seq2SeqPairs data,
    Seq2SeqDecodeOptions decoding) : ITrainJob
{
    /// <summary>Builds the model and trainable from the options (<paramref name="data"/> already read).</summary>
    public static TransformerSeq2SeqJob Prepare(OptionValues v, IBackend<float> backend, ulong seed, BatchShard shard, Seq2SeqPairs data, int batch,
        int? batchTokens, int embedding, Seq2SeqDecodeOptions decoding)
    {
        if (!shard.IsWhole) throw new UsageException($"{T.Architecture.Name} transformer trains on one rank; run it without several ranks.");
        int longest = data.Examples.Max(e => Math.Max(e.Source.Length, e.Target.Length + 1));
        var config = new TransformerSeq2SeqConfig
        {
            SourceVocabularySize = data.Vocabulary.SourceSize, TargetVocabularySize = data.Vocabulary.TargetSize, EmbeddingSize = embedding,
            Heads = v.Get(T.Heads), FeedForwardSize = v.Get(T.FeedForward),
            EncoderLayers = v.Get(Seq2SeqTrainKind.EncoderLayers), DecoderLayers = v.Get(Seq2SeqTrainKind.DecoderLayers),
            Dropout = v.Get(Seq2SeqTrainKind.Dropout), LabelSmoothing = v.Get(T.LabelSmoothing), Positions = v.Get(T.Positions), NormFirst = !v.Get(T.PostLn),
            ShareEmbeddings = v.Get(T.ShareEmbeddings), MaxLength = v.Find(T.MaxPositions) ?? 2 * longest + 10,
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (longest > config.MaxLength)
            throw new UsageException($"{T.MaxPositions.Name}: {config.MaxLength} is shorter than the longest pair of {data.Path} ({longest} tokens).");
        var kind = TransformerSeq2SeqKind.Instance;
        BudgetOptions.Check(v, kind, config, new RunShape(batch, data.Examples.Max(e => e.Source.Length), data.Examples.Max(e => e.Target.Length) + 1));
        Seq2SeqTokenBatches? tokenBatches = null;
        if (batchTokens is { } bound)
        {
            try { tokenBatches = new Seq2SeqTokenBatches(data.Train, bound, seed + 2); }
            catch (ArgumentException e) { throw new UsageException($"{Seq2SeqTrainKind.BatchTokens.Name}: {e.Message} Raise {Seq2SeqTrainKind.BatchTokens.Name}."); }
            var train = data.Train;
            foreach (var shape in tokenBatches.Batches.Select(b => new RunShape(b.Length, b.Max(i => train[i].Source.Length), b.Max(i => train[i].Target.Length) + 1)).Distinct())
                BudgetOptions.Check(v, kind, config, shape);
        }
        var model = (TransformerSeq2Seq<float>)kind.Build(backend, config, new Dictionary<string, string>(), new RandomStream(seed));
        model.Vocabulary = data.Vocabulary;
        model.MaxTargetLength = data.MaxTargetLength;
        var trainable = new TransformerSeq2SeqTrainable<float>(model, data.Train, data.HeldOut, batch, seed + 1) { TokenBatches = tokenBatches };
        return new TransformerSeq2SeqJob(model, trainable, data, decoding);
    }

    public ISequenceModel<float> Model => model;
    public ITrainable<float> Trainable => trainable;
    public string Title => "transformer seq2seq";
    public IReadOnlyList<string> Inputs => [data.Path];

    public void WriteStart(CliIO io, bool json, IBackend<float> backend)
    {
        var c = model.Config;
        if (json)
        {
            Output.WriteJsonLine(io.Out, new
            {
                Event = "start", Pairs = data.Pairs.Count, Train = data.Train.Count, HeldOut = data.HeldOutCount, Architecture = "transformer",
                c.EmbeddingSize, c.Heads, c.EncoderLayers, c.DecoderLayers, c.Dropout, c.LabelSmoothing, c.Positions, c.NormFirst,
                Parameters = model.ParameterCount(), Batch = trainable.BatchSize, BatchTokens = trainable.TokenBatches?.MaxTokens,
                TokenBatches = trainable.TokenBatches?.Batches.Count, Backend = backend.Name, Threads = BackendOption.Threads(backend),
            });
            return;
        }
        io.Out.WriteLine($"seq2seq: {data.Pairs.Count} pairs from {Path.GetFullPath(data.Path)} ({data.Train.Count} train, {data.HeldOutCount} held out); " +
            Seq2SeqTrainKind.Job.DescribeVocabulary(data.Vocabulary));
        io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model: transformer {c.EncoderLayers}+{c.DecoderLayers} layers, E {c.EmbeddingSize}, {c.Heads} heads, " +
            $"{(c.NormFirst ? "pre" : "post")}-LN, {c.Positions} positions, dropout {c.Dropout}, label smoothing {c.LabelSmoothing}; {model.ParameterCount():N0} parameters; " +
            $"{(trainable.TokenBatches is { } t ? $"{t.Batches.Count:N0} batches of at most {t.MaxTokens:N0} tokens an epoch" : $"batch {trainable.BatchSize}")}, {BackendOption.Describe(backend)}"));
        io.Out.Flush();
    }

    public void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs)
    {
        int held = data.HeldOutCount, beam = decoding.BeamWidth;
        double alpha = decoding.Alpha;
        double? heldLoss = held > 0 ? trainable.Evaluate()?.Loss : null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Seq2SeqAccuracy? greedy = held > 0 ? Seq2SeqTrainable<float>.Decode(model, data.HeldOut, decoding with { BeamWidth = 1 }) : null;
        double greedySeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        Seq2SeqAccuracy? beamAccuracy = held > 0 && beam > 1 ? Seq2SeqTrainable<float>.Decode(model, data.HeldOut, decoding) : null;
        double beamSeconds = clock.Elapsed.TotalSeconds;
        var shownIds = data.Examples[0].Source;
        var decoded = Seq2SeqDecoder.Decode(model, [shownIds], decoding)[0];
        AttentionPlot.Create(data.Vocabulary, data.Pairs[0].Source, shownIds, decoded, beam > 1 ? $"beam {beam}" : "greedy").Save(outputs.AttentionSvg);
        if (json)
        {
            Output.WriteJsonLine(io.Out, new
            {
                Event = "result", result.Steps, Stopped = result.Reason.ToString(), ElapsedS = result.Elapsed.TotalSeconds, TrainLoss = result.FinalLoss,
                HeldOutLoss = heldLoss, HeldOut = held, TokenAccuracy = held > 0 ? trainable.LastTokenAccuracy : (double?)null, result.BestStep,
                ExactMatchGreedy = greedy?.ExactMatch, ExactMatchBeam = beamAccuracy?.ExactMatch, Beam = beam, Alpha = alpha,
                GreedySeconds = greedySeconds, BeamSeconds = beamAccuracy is null ? (double?)null : beamSeconds,
                outputs.Checkpoint, outputs.LossCurve, outputs.AttentionSvg,
            });
            return;
        }
        var ci = CultureInfo.InvariantCulture;
        io.Out.WriteLine(TrainFlow.StopLine(result, "tokens"));
        if (greedy is not null)
        {
            io.Out.WriteLine(string.Create(ci, $"held out ({held} pairs): loss {heldLoss:F4}, token accuracy {trainable.LastTokenAccuracy:P2} (teacher-forced)"));
            io.Out.WriteLine(string.Create(ci, $"exact match, greedy:  {greedy.ExactMatch:P2} ({greedy.ExactMatches}/{greedy.Examples}) in {greedySeconds:F1} s"));
            if (beamAccuracy is not null)
                io.Out.WriteLine(string.Create(ci, $"exact match, beam {beam} (α = {alpha}): {beamAccuracy.ExactMatch:P2} ({beamAccuracy.ExactMatches}/{beamAccuracy.Examples}) in {beamSeconds:F1} s"));
        }
        io.Out.WriteLine($"checkpoint:    {outputs.Checkpoint}");
        io.Out.WriteLine($"loss curve:    {outputs.LossCurve}");
        io.Out.WriteLine($"attention map: {outputs.AttentionSvg}");
    }

    public void Dispose() => model.Dispose();
}
