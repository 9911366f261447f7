using SeqCore.Plots;
using System.Globalization;
using SeqCore.Cli.Commands;
using SeqCore.Cli.Options;
using SeqCore.Distributed;
using SeqCore.Layers.Recurrent;
using SeqCore.Metrics;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary><c>train --model seq2seq</c> and <c>seq2seq train</c>: an encoder–decoder with attention on a TSV of pairs or
/// a verse table split by book (<see cref="Seq2SeqData"/>), over characters, words or BPE learned from the training
/// split (<c>--tokens</c>, <c>--vocabulary</c>, <c>--merges</c>), in sentence batches or length-bucketed token batches
/// (<c>--batch-tokens</c>); reports the held-out loss, teacher-forced token accuracy, exact match, BLEU and chrF2
/// (greedy, and beam search with <c>--beam K</c>), and writes an attention map of the first held-out pair beside the
/// checkpoint. With <c>--architecture transformer</c> the model is the encoder–decoder transformer
/// (<see cref="TransformerSeq2SeqJob"/>).</summary>
internal sealed class Seq2SeqTrainKind : ITrainKind
{
    public static readonly TextOption Data = new("--data", "TSV of source<TAB>target pairs, one per line, or with --source-column a verse table split by book (required).", valueName: "FILE");
    public static readonly ChoiceOption Tokens = new("--tokens", "The tokens: characters, words (with the space before them; unseen words are <unk>) or byte-level BPE, learned from the training split.", ["char", "word", "bpe"], "char");
    public static readonly ChoiceOption VocabularyLayout = new("--vocabulary", "One vocabulary for both sides (joint) or one per side (separate).", ["joint", "separate"], "separate");
    public static readonly IntOption Merges = new("--merges", "BPE merges learned per vocabulary (with --tokens bpe).", 8000, min: 0, max: 1 << 20);
    public static readonly IntOption BatchTokens = new("--batch-tokens", "Length-bucketed batches of at most N padded source+target tokens, every pair once an epoch in a seeded order (instead of --batch pairs drawn at random; one process).", null, max: 1 << 24);
    public static readonly ChoiceOption Cell = new("--cell", "Recurrent cell of encoder and decoder.", [.. CellCatalogue.Names], "lstm");
    public static readonly ChoiceOption Attention = new("--attention", "Attention score: additive (Bahdanau), dot or general (Luong); none: the encoder's final state as one fixed context vector (Cho et al. 2014).", ["additive", "dot", "general", "none"], "additive");
    public static readonly IntOption EncoderLayers = new("--encoder-layers", "Stacked encoder layers.", 1, max: 1024, valueName: "L");
    public static readonly IntOption DecoderLayers = new("--decoder-layers", "Stacked decoder layers (decoder layer l starts from encoder layer l + L_enc − L_dec; zeros when there is none).", 1, max: 1024, valueName: "L");
    public static readonly DoubleOption Dropout = new("--dropout", "Dropout on both embeddings and between stacked layers (training only).", 0, 0, 0.99, valueName: "P");
    public static readonly IntOption Embedding = new("--embedding", "Embedding width.", 32, max: 1 << 16, valueName: "E");
    public static readonly IntOption Hidden = new("--hidden", "Hidden width of each encoder direction (the decoder is twice this when bidirectional).", 64, max: 1 << 16, valueName: "H");
    public static readonly FlagOption Unidirectional = new("--unidirectional", "Encode left to right only (default: bidirectional).");
    public static readonly FlagOption NoInputFeeding = new("--no-input-feeding", "Do not feed the previous attentional vector into the decoder.");
    public static readonly DoubleOption TeacherForcing = new("--teacher-forcing", "Probability that a decoder input is the reference token rather than the model's own previous prediction.", 1.0, 0, 1, valueName: "P");
    public static readonly DoubleOption HeldOut = new("--held-out", "Fraction of the pairs held out for evaluation.", 0.1, 0, 0.9, valueName: "F");
    public static readonly IntOption Beam = new("--beam", "Beam width for the held-out exact match (1 = greedy only; K > 1 reports greedy and beam).", 1, max: 1024, valueName: "K");
    public static readonly DoubleOption Alpha = new("--alpha", "Length normalisation α of beam search (GNMT).", 0.6, 0, 10, valueName: "A");
    public static readonly IntOption MaxLength = new("--max-length", "Cap on every decoded output's length (default: the longest target + 10); see --max-length-ratio.", null, max: 1 << 20);

    public IModelKind Kind => Seq2SeqKind.Instance;

    public IReadOnlyList<OptionSpec> Options { get; } =
        [Data, .. Seq2SeqData.TableOptions, Tokens, VocabularyLayout, Merges, BatchTokens, Cell, Attention, Embedding, Hidden, EncoderLayers, DecoderLayers, Dropout,
         Unidirectional, NoInputFeeding, TeacherForcing, HeldOut, Beam, Alpha, MaxLength, .. Seq2SeqDecodingOptions.All, .. Seq2SeqTransformerOptions.All,
         .. PretrainedEmbeddings.Seq2SeqOptions];

    public TrainingSettings Defaults { get; } = new() { Steps = 3000, LearningRate = 0.003, Clip = 5, EvalEvery = 250 };

    public string DefaultOut => "seq2seq.safetensors";

    public IReadOnlyList<string> Outputs(TrainOutputs outputs) => [outputs.AttentionSvg];

    /// <summary>Pairs per batch when --batch is not given.</summary>
    public const int DefaultBatch = 64;

    public ITrainJob Prepare(OptionValues v, IBackend<float> backend, ulong seed, BatchShard shard)
    {
        string dataPath = v.FindText(Data) ?? throw new UsageException("--data is required: the TSV of source<TAB>target pairs.");
        string attention = v.Get(Attention);
        int batch = v.Find(CommonOptions.Batch) ?? DefaultBatch;
        DataParallelCli.CheckBatch(shard, batch);
        double teacherForcing = v.Get(TeacherForcing);
        var decoding = Seq2SeqDecodingOptions.Read(v, v.Get(Beam), v.Get(Alpha), v.Find(MaxLength));
        int embedding = v.Get(Embedding), hidden = v.Get(Hidden);
        bool bidirectional = !v.Get(Unidirectional), inputFeeding = !v.Get(NoInputFeeding);
        var cell = CellCatalogue.Parse(v.Get(Cell), "--cell").Kind;

        int? batchTokens = v.Find(BatchTokens);
        if (batchTokens is not null && !shard.IsWhole)
            throw new UsageException($"{BatchTokens.Name} trains in one process; give --batch to train data-parallel.");
        var data = LoadData(v, dataPath, seed);
        CheckResumedVocabulary(v, data);
        if (v.Get(Seq2SeqTransformerOptions.Architecture) == "transformer")
        {
            return PretrainedEmbeddings.ApplySeq2Seq(v,
                TransformerSeq2SeqJob.Prepare(v, backend, seed, shard, data, batch, batchTokens, embedding, Seq2SeqDecodingOptions.WithTrainedCap(decoding, data.MaxTargetLength)),
                data.Vocabulary);
        }
        var config = new Seq2SeqConfig
        {
            SourceVocabularySize = data.Vocabulary.SourceSize, TargetVocabularySize = data.Vocabulary.TargetSize, EmbeddingSize = embedding, HiddenSize = hidden,
            Cell = cell, Bidirectional = bidirectional, InputFeeding = inputFeeding,
            EncoderLayers = v.Get(EncoderLayers), DecoderLayers = v.Get(DecoderLayers), Dropout = v.Get(Dropout),
            Attention = attention switch
            {
                "dot" => Seq2SeqAttention.Dot, "general" => Seq2SeqAttention.General, "none" => Seq2SeqAttention.None, _ => Seq2SeqAttention.Additive,
            },
        };
        Seq2SeqTokenBatches? tokenBatches = null;
        if (batchTokens is { } bound)
        {
            try { tokenBatches = new Seq2SeqTokenBatches(data.Train, bound, seed + 2); }
            catch (ArgumentException e) { throw new UsageException($"{BatchTokens.Name}: {e.Message} Raise {BatchTokens.Name}."); }
        }
        // A step (and an evaluation chunk) holds batch pairs, each as long as the longest source and target of the data;
        // a token batch holds its own pairs, as long as its longest.
        BudgetOptions.Check(v, Kind, config, new RunShape(batch, data.Examples.Max(e => e.Source.Length), data.Examples.Max(e => e.Target.Length)));
        var train = data.Train;
        foreach (var shape in tokenBatches?.Batches.Select(b => new RunShape(b.Length, b.Max(i => train[i].Source.Length), b.Max(i => train[i].Target.Length))).Distinct() ?? [])
            BudgetOptions.Check(v, Kind, config, shape);
        var model = (Seq2Seq<float>)Kind.Build(backend, config, new Dictionary<string, string>(), new RandomStream(seed));
        model.Vocabulary = data.Vocabulary;
        model.MaxTargetLength = data.MaxTargetLength;
        var trainable = new Seq2SeqTrainable<float>(model, data.Train, data.HeldOut, batch, teacherForcing, seed + 1, shard) { TokenBatches = tokenBatches };
        return PretrainedEmbeddings.ApplySeq2Seq(v, new Job(model, trainable, data, attention, Seq2SeqDecodingOptions.WithTrainedCap(decoding, data.MaxTargetLength)), data.Vocabulary);
    }

    /// <summary>
    /// The training and held-out pairs and their vocabularies: a verse table trains on every book but the test and
    /// development books and holds out the development books; a TSV of pairs holds out --held-out of them, shuffled.
    /// Vocabularies are learned from the training pairs only — except the per-side character vocabularies of a TSV,
    /// built from all its pairs as before, so that a held-out pair never meets an unseen character. Any seq2seq kind
    /// that takes this kind's data options loads its data here.
    /// </summary>
    internal static Seq2SeqPairs LoadData(OptionValues v, string dataPath, ulong seed)
    {
        var splits = Seq2SeqData.Read(v, Data.Name, dataPath);
        var tokens = Seq2SeqVocabulary.ParseTokens(v.Get(Tokens))!.Value;
        bool joint = v.Get(VocabularyLayout) == "joint";
        List<Seq2SeqLine> train, heldOut;
        if (splits.ByBook) (train, heldOut) = ([.. splits.Train], [.. splits.Development]);
        else
        {
            try { (train, heldOut) = Seq2SeqPairs.Split(dataPath, [.. splits.Train], v.Get(HeldOut), seed); }
            catch (ArgumentException e) { throw new UsageException($"{e.Message} Add pairs or lower --held-out."); }
        }
        static (string, string) Pair(Seq2SeqLine l) => (l.Source, l.Target);
        var vocabulary = !splits.ByBook && tokens == Seq2SeqTokens.Character && !joint
            ? Seq2SeqVocabulary.Build(splits.Train.Select(Pair))
            : Seq2SeqVocabulary.Build([.. train.Select(Pair)], tokens, joint, v.Get(Merges));
        // Encode the held-out pairs here first, so that one the vocabulary cannot read is named by its line.
        foreach (var line in heldOut)
        {
            try { vocabulary.EncodeSource(line.Source); vocabulary.EncodeTarget(line.Target); }
            catch (ArgumentException e) { throw new UsageException($"{Data.Name}: {line.Where}: {e.Message}"); }
        }
        return Seq2SeqPairs.Create(dataPath, [.. train.Select(Pair)], [.. heldOut.Select(Pair)], vocabulary);
    }

    /// <summary>A resumed run must learn the vocabulary its checkpoint holds: the weights' rows are its ids.</summary>
    internal static void CheckResumedVocabulary(OptionValues v, Seq2SeqPairs data)
    {
        if (v.FindText(CommonOptions.Resume) is not { } resume) return;
        IReadOnlyDictionary<string, string> metadata;
        try { metadata = SeqCore.IO.Checkpoint.ReadMetadata(resume); }
        catch (Exception e) when (e is InvalidDataException or IOException) { throw new UsageException($"--resume: {e.Message}"); }
        if (!metadata.TryGetValue(SeqCore.IO.Checkpoint.TokenizerKey, out var saved)) return;
        if (saved == data.Vocabulary.ToJson()) return;
        string Describe(Seq2SeqVocabulary x) => $"{Seq2SeqVocabulary.TokensName(x.Tokens)}{(x.Joint ? " joint" : "")}, {x.SourceSize:N0} source and {x.TargetSize:N0} target ids";
        string stored;
        try { stored = Describe(Seq2SeqVocabulary.FromJson(saved, resume)); }
        catch (InvalidDataException e) { throw new UsageException($"--resume: {e.Message}"); }
        throw new UsageException($"--resume: the vocabulary learned from {data.Path} ({Describe(data.Vocabulary)}) does not match the one in {resume} ({stored}); resume with the data and vocabulary options of that run.");
    }

    internal sealed class Job(Seq2Seq<float> model, Seq2SeqTrainable<float> trainable, Seq2SeqPairs data, string attention, Seq2SeqDecodeOptions decoding) : ITrainJob
    {
        public ISequenceModel<float> Model => model;
        public ITrainable<float> Trainable => trainable;
        public string Title => "seq2seq";
        public IReadOnlyList<string> Inputs => [data.Path];

        public void WriteStart(CliIO io, bool json, IBackend<float> backend)
        {
            var vocabulary = data.Vocabulary;
            var c = model.Config;
            if (json)
            {
                Output.WriteJsonLine(io.Out, new
                {
                    Event = "start", Pairs = data.Pairs.Count, Train = data.Train.Count, HeldOut = data.HeldOutCount,
                    Tokens = Seq2SeqVocabulary.TokensName(vocabulary.Tokens), vocabulary.Joint, SourceVocabulary = vocabulary.SourceSize, TargetVocabulary = vocabulary.TargetSize,
                    SourceCharacters = Characters(vocabulary.SourceCharacters), TargetCharacters = Characters(vocabulary.TargetCharacters), Cell = CellCatalogue.NameOf(c.Cell),
                    c.Bidirectional, c.EncoderLayers, c.DecoderLayers, c.Dropout, Attention = attention, c.InputFeeding, Parameters = model.ParameterCount(), Batch = trainable.BatchSize,
                    BatchTokens = trainable.TokenBatches?.MaxTokens, TokenBatches = trainable.TokenBatches?.Batches.Count, Backend = backend.Name, Threads = BackendOption.Threads(backend),
                });
                return;
            }
            io.Out.WriteLine($"seq2seq: {data.Pairs.Count} pairs from {Path.GetFullPath(data.Path)} ({data.Train.Count} train, {data.HeldOutCount} held out); " +
                DescribeVocabulary(vocabulary));
            io.Out.WriteLine($"model: {CellCatalogue.NameOf(c.Cell)} {(c.Bidirectional ? "bidirectional " : "")}encoder {Stack(c.EncoderLayers)}{c.HiddenSize}, decoder {Stack(c.DecoderLayers)}{c.DecoderSize}, " +
                $"{(c.Attention == Seq2SeqAttention.None ? "no attention (fixed context)" : $"{attention} attention")}{(c.InputFeeding ? ", input feeding" : "")}{(c.Dropout > 0 ? $", dropout {c.Dropout}" : "")}; {model.ParameterCount():N0} parameters; {DescribeBatches()}, {BackendOption.Describe(backend)}");
            io.Out.Flush();
        }

        private static string Stack(int layers) => layers > 1 ? $"{layers}×" : "";

        private static int? Characters(IReadOnlyList<string> characters) => characters.Count > 0 ? characters.Count : null;

        internal static string DescribeVocabulary(Seq2SeqVocabulary v) => v.Tokens == Seq2SeqTokens.Character && !v.Joint
            ? $"{v.SourceCharacters.Count} source and {v.TargetCharacters.Count} target characters"
            : v.Joint ? $"one {Seq2SeqVocabulary.TokensName(v.Tokens)} vocabulary of {v.SourceSize:N0} ids for both sides"
            : $"{Seq2SeqVocabulary.TokensName(v.Tokens)} vocabularies of {v.SourceSize:N0} source and {v.TargetSize:N0} target ids";

        private string DescribeBatches() => trainable.TokenBatches is { } t
            ? $"{t.Batches.Count:N0} batches of at most {t.MaxTokens:N0} tokens an epoch"
            : $"batch {trainable.BatchSize}";

        /// <summary>Corpus BLEU and chrF2 of decoded held-out ids against the held-out targets.</summary>
        private (BleuScore Bleu, ChrFScore ChrF) Score(Seq2SeqAccuracy decoded)
        {
            var hypotheses = decoded.Predictions.Select(p => data.Vocabulary.DecodeTarget(p)).ToList();
            var references = data.Pairs.Take(data.HeldOutCount).Select(p => p.Target).ToList();
            return (Bleu.Corpus(hypotheses, references), ChrF.Corpus(hypotheses, references));
        }

        public void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs)
        {
            int held = data.HeldOutCount, beam = decoding.BeamWidth;
            // Score the weights the checkpoint holds (the best evaluation's unless --keep-last).
            double? heldLoss = held > 0 ? trainable.Evaluate()?.Loss : null;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Seq2SeqAccuracy? greedy = held > 0 ? trainable.Decode(decoding with { BeamWidth = 1 }) : null;
            double greedySeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            Seq2SeqAccuracy? beamAccuracy = held > 0 && beam > 1 ? trainable.Decode(decoding) : null;
            double beamSeconds = clock.Elapsed.TotalSeconds;
            var greedyScores = greedy is null ? ((BleuScore, ChrFScore)?)null : Score(greedy);
            var beamScores = beamAccuracy is null ? ((BleuScore, ChrFScore)?)null : Score(beamAccuracy);

            // The attention map of the first held-out pair (or the first training pair), decoded as asked; none
            // without attention.
            var vocabulary = data.Vocabulary;
            var shown = data.Pairs[0];
            var shownIds = data.Examples[0].Source;
            string? attentionPath = null;
            if (model.Config.Attention != Seq2SeqAttention.None)
            {
                var decoded = Seq2SeqDecoder.Decode(model, [shownIds], decoding)[0];
                attentionPath = outputs.AttentionSvg;
                AttentionPlot.Create(vocabulary, shown.Source, shownIds, decoded, beam > 1 ? $"beam {beam}" : "greedy").Save(attentionPath);
            }

            if (json)
            {
                Output.WriteJsonLine(io.Out, new
                {
                    Event = "result", result.Steps, Stopped = result.Reason.ToString(), ElapsedS = result.Elapsed.TotalSeconds, TrainLoss = result.FinalLoss,
                    HeldOutLoss = heldLoss, HeldOut = held, TokenAccuracy = held > 0 ? trainable.LastTokenAccuracy : (double?)null, result.BestStep,
                    ExactMatchGreedy = greedy?.ExactMatch, ExactMatchBeam = beamAccuracy?.ExactMatch, Beam = beam, decoding.Alpha,
                    BleuGreedy = greedyScores?.Item1.Score, ChrfGreedy = greedyScores?.Item2.Score, BleuBeam = beamScores?.Item1.Score, ChrfBeam = beamScores?.Item2.Score,
                    GreedySeconds = greedySeconds, BeamSeconds = beamAccuracy is null ? (double?)null : beamSeconds,
                    outputs.Checkpoint, outputs.LossCurve, AttentionSvg = attentionPath,
                });
                return;
            }
            var ci = CultureInfo.InvariantCulture;
            io.Out.WriteLine(TrainFlow.StopLine(result, "tokens"));
            if (greedy is not null)
            {
                io.Out.WriteLine(string.Create(ci, $"held out ({held} pairs{(result.BestStep > 0 ? $", checkpoint of step {result.BestStep}" : "")}): loss {heldLoss:F4}, token accuracy {trainable.LastTokenAccuracy:P2} (teacher-forced)"));
                io.Out.WriteLine(string.Create(ci, $"exact match, greedy:  {greedy.ExactMatch:P2} ({greedy.ExactMatches}/{greedy.Examples}) in {greedySeconds:F1} s ({held / greedySeconds:F0} sentences/s)"));
                if (greedyScores is var (gb, gc)) io.Out.WriteLine(string.Create(ci, $"greedy:  {gb.Format()}; {gc.Format()}"));
                if (beamAccuracy is not null)
                    io.Out.WriteLine(string.Create(ci, $"exact match, beam {beam} (α = {decoding.Alpha}): {beamAccuracy.ExactMatch:P2} ({beamAccuracy.ExactMatches}/{beamAccuracy.Examples}) in {beamSeconds:F1} s ({held / beamSeconds:F0} sentences/s)"));
                if (beamScores is var (bb, bc)) io.Out.WriteLine(string.Create(ci, $"beam {beam}: {bb.Format()}; {bc.Format()}"));
                var shownAccuracy = beamAccuracy ?? greedy;
                var heldOut = data.HeldOut;
                for (int i = 0; i < Math.Min(5, held); i++)
                {
                    string predicted = vocabulary.DecodeTarget(shownAccuracy.Predictions[i]);
                    bool ok = shownAccuracy.Predictions[i].AsSpan().SequenceEqual(heldOut[i].Target);
                    io.Out.WriteLine($"  {data.Pairs[i].Source}  →  {predicted}  {(ok ? "✓" : $"✗ (expected {data.Pairs[i].Target})")}");
                }
            }
            io.Out.WriteLine($"checkpoint:    {outputs.Checkpoint}");
            io.Out.WriteLine($"loss curve:    {outputs.LossCurve}");
            io.Out.WriteLine($"attention map: {attentionPath ?? "none (the model has no attention)"}");
        }

        public void Dispose() => model.Dispose();
    }
}
