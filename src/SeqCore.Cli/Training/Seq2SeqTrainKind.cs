using SeqCore.Plots;
using System.Globalization;
using SeqCore.Cli.Options;
using SeqCore.Distributed;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary><c>train --model seq2seq</c> and <c>seq2seq train</c>: an encoder–decoder with attention on a TSV of
/// character pairs; reports the held-out loss, teacher-forced token accuracy and exact-match accuracy (greedy, and beam
/// search with <c>--beam K</c>), and writes an attention map of the first held-out pair beside the checkpoint. With
/// <c>--architecture transformer</c> the model is the encoder–decoder transformer (<see cref="TransformerSeq2SeqJob"/>).</summary>
internal sealed class Seq2SeqTrainKind : ITrainKind
{
    public static readonly TextOption Data = new("--data", "TSV of source<TAB>target pairs, one per line (characters are the tokens; required).", valueName: "FILE");
    public static readonly ChoiceOption Cell = new("--cell", "Recurrent cell of encoder and decoder.", [.. CellCatalogue.Names], "lstm");
    public static readonly ChoiceOption Attention = new("--attention", "Attention score: additive (Bahdanau), dot or general (Luong).", ["additive", "dot", "general"], "additive");
    public static readonly IntOption Embedding = new("--embedding", "Embedding width.", 32, max: 1 << 16, valueName: "E");
    public static readonly IntOption Hidden = new("--hidden", "Hidden width of each encoder direction (the decoder is twice this when bidirectional).", 64, max: 1 << 16, valueName: "H");
    public static readonly FlagOption Unidirectional = new("--unidirectional", "Encode left to right only (default: bidirectional).");
    public static readonly FlagOption NoInputFeeding = new("--no-input-feeding", "Do not feed the previous attentional vector into the decoder.");
    public static readonly DoubleOption TeacherForcing = new("--teacher-forcing", "Probability that a decoder input is the reference token rather than the model's own previous prediction.", 1.0, 0, 1, valueName: "P");
    public static readonly DoubleOption HeldOut = new("--held-out", "Fraction of the pairs held out for evaluation.", 0.1, 0, 0.9, valueName: "F");
    public static readonly IntOption Beam = new("--beam", "Beam width for the held-out exact match (1 = greedy only; K > 1 reports greedy and beam).", 1, max: 1024, valueName: "K");
    public static readonly DoubleOption Alpha = new("--alpha", "Length normalisation α of beam search (GNMT).", 0.6, 0, 10, valueName: "A");
    public static readonly IntOption MaxLength = new("--max-length", "Longest output decoded (default: the longest target + 10).", null, max: 1 << 20);

    public IModelKind Kind => Seq2SeqKind.Instance;

    public IReadOnlyList<OptionSpec> Options { get; } =
        [Data, Cell, Attention, Embedding, Hidden, Unidirectional, NoInputFeeding, TeacherForcing, HeldOut, Beam, Alpha, MaxLength, .. Seq2SeqTransformerOptions.All];

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
        var decoding = new Decoding(v.Get(Beam), v.Get(Alpha), v.Find(MaxLength));
        int embedding = v.Get(Embedding), hidden = v.Get(Hidden);
        bool bidirectional = !v.Get(Unidirectional), inputFeeding = !v.Get(NoInputFeeding);
        var cell = CellCatalogue.Parse(v.Get(Cell), "--cell").Kind;

        Seq2SeqPairs data;
        try { data = Seq2SeqPairs.Load(dataPath, v.Get(HeldOut), seed); }
        catch (InvalidDataException e) { throw new UsageException($"--data: {e.Message}"); }
        catch (ArgumentException e) { throw new UsageException($"{e.Message} Add pairs or lower --held-out."); }
        if (v.Get(Seq2SeqTransformerOptions.Architecture) == "transformer")
            return TransformerSeq2SeqJob.Prepare(v, backend, seed, shard, data, batch, embedding, decoding.Beam, decoding.Alpha, decoding.MaxLength);
        var config = new Seq2SeqConfig
        {
            SourceVocabularySize = data.Vocabulary.SourceSize, TargetVocabularySize = data.Vocabulary.TargetSize, EmbeddingSize = embedding, HiddenSize = hidden,
            Cell = cell, Bidirectional = bidirectional, InputFeeding = inputFeeding,
            Attention = attention switch { "dot" => Seq2SeqAttention.Dot, "general" => Seq2SeqAttention.General, _ => Seq2SeqAttention.Additive },
        };
        // A step holds batch pairs, each as long as the longest source and target of the data.
        BudgetOptions.Check(v, Kind, config, new RunShape(batch, data.Examples.Max(e => e.Source.Length), data.Examples.Max(e => e.Target.Length)));
        var model = (Seq2Seq<float>)Kind.Build(backend, config, new Dictionary<string, string>(), new RandomStream(seed));
        model.Vocabulary = data.Vocabulary;
        model.MaxTargetLength = data.MaxTargetLength;
        var trainable = new Seq2SeqTrainable<float>(model, data.Train, data.HeldOut, batch, teacherForcing, seed + 1, shard);
        return new Job(model, trainable, data, attention, decoding);
    }

    /// <summary>How the result decodes the held-out pairs.</summary>
    private sealed record Decoding(int Beam, double Alpha, int? MaxLength);

    private sealed class Job(Seq2Seq<float> model, Seq2SeqTrainable<float> trainable, Seq2SeqPairs data, string attention, Decoding decoding) : ITrainJob
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
                    SourceCharacters = vocabulary.SourceSize - 2, TargetCharacters = vocabulary.TargetSize - 3, Cell = CellCatalogue.NameOf(c.Cell),
                    c.Bidirectional, Attention = attention, c.InputFeeding, Parameters = model.ParameterCount(), Batch = trainable.BatchSize,
                    Backend = backend.Name, Threads = BackendOption.Threads(backend),
                });
                return;
            }
            io.Out.WriteLine($"seq2seq: {data.Pairs.Count} pairs from {Path.GetFullPath(data.Path)} ({data.Train.Count} train, {data.HeldOutCount} held out); " +
                $"{vocabulary.SourceSize - 2} source and {vocabulary.TargetSize - 3} target characters");
            io.Out.WriteLine($"model: {CellCatalogue.NameOf(c.Cell)} {(c.Bidirectional ? "bidirectional " : "")}encoder {c.HiddenSize}, decoder {c.DecoderSize}, " +
                $"{attention} attention{(c.InputFeeding ? ", input feeding" : "")}; {model.ParameterCount():N0} parameters; batch {trainable.BatchSize}, {BackendOption.Describe(backend)}");
            io.Out.Flush();
        }

        public void WriteResult(CliIO io, bool json, TrainingResult result, TrainOutputs outputs)
        {
            int held = data.HeldOutCount, beam = decoding.Beam;
            int maxLength = decoding.MaxLength ?? data.MaxTargetLength + 10;
            // Score the weights the checkpoint holds (the best evaluation's unless --keep-last).
            double? heldLoss = held > 0 ? trainable.Evaluate()?.Loss : null;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Seq2SeqAccuracy? greedy = held > 0 ? trainable.Decode(1, decoding.Alpha, maxLength) : null;
            double greedySeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            Seq2SeqAccuracy? beamAccuracy = held > 0 && beam > 1 ? trainable.Decode(beam, decoding.Alpha, maxLength) : null;
            double beamSeconds = clock.Elapsed.TotalSeconds;

            // The attention map of the first held-out pair (or the first training pair), decoded as asked.
            var vocabulary = data.Vocabulary;
            var shown = data.Pairs[0];
            var shownIds = data.Examples[0].Source;
            var decoded = beam > 1 ? model.Beam(shownIds, beam, maxLength, decoding.Alpha)[0] : model.Greedy([shownIds], maxLength)[0];
            string attentionPath = outputs.AttentionSvg;
            AttentionPlot.Create(vocabulary, shown.Source, shownIds, decoded, beam > 1 ? $"beam {beam}" : "greedy").Save(attentionPath);

            if (json)
            {
                Output.WriteJsonLine(io.Out, new
                {
                    Event = "result", result.Steps, Stopped = result.Reason.ToString(), ElapsedS = result.Elapsed.TotalSeconds, TrainLoss = result.FinalLoss,
                    HeldOutLoss = heldLoss, HeldOut = held, TokenAccuracy = held > 0 ? trainable.LastTokenAccuracy : (double?)null, result.BestStep,
                    ExactMatchGreedy = greedy?.ExactMatch, ExactMatchBeam = beamAccuracy?.ExactMatch, Beam = beam, decoding.Alpha,
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
                io.Out.WriteLine(string.Create(ci, $"exact match, greedy:  {greedy.ExactMatch:P2} ({greedy.ExactMatches}/{greedy.Examples}) in {greedySeconds:F1} s"));
                if (beamAccuracy is not null)
                    io.Out.WriteLine(string.Create(ci, $"exact match, beam {beam} (α = {decoding.Alpha}): {beamAccuracy.ExactMatch:P2} ({beamAccuracy.ExactMatches}/{beamAccuracy.Examples}) in {beamSeconds:F1} s"));
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
            io.Out.WriteLine($"attention map: {attentionPath}");
        }

        public void Dispose() => model.Dispose();
    }
}
