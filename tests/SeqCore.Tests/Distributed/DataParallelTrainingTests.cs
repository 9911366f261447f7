using SeqCore.Cpu;
using SeqCore.Distributed;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Models;
using SeqCore.Text;
using SeqCore.Training;

namespace SeqCore.Tests.Distributed;

/// <summary><see cref="DataParallelTrainable{T}"/> on ranks that are threads (<see cref="ThreadGroup"/>): two ranks with
/// half the batch each reach the weights of one process with the whole batch (double, ≤ 1e-12 relative), and
/// mismatches stop every rank naming the step.</summary>
public class DataParallelTrainingTests
{
    private static readonly string Text = string.Concat(Enumerable.Repeat(LanguageModelTests.Text, 8));
    private const int Batch = 4, Steps = 8;

    // Adam divides by √v: where a gradient is near rounding noise, the different order of the sums (two halves, then
    // the all-reduce) is amplified beyond 1e-12 after a few steps (measured: 4e-11 on a transformer's layer norm), so
    // the transformer is checked with SGD, whose step is linear in the gradient.
    private static TrainingSettings Settings(string optimizer = "adam") =>
        new() { Steps = Steps, Optimizer = optimizer, LearningRate = 0.02, Clip = 0.5, EvalEvery = 4, KeepBest = false };

    /// <summary>The LM's weights after <see cref="Steps"/> steps, trained as rank <paramref name="shard"/>.</summary>
    private static double[][] TrainLanguageModel(string arch, BatchShard shard, ICommunicator? ranks, double dropout = 0, int layers = 1)
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        var tok = CharTokenizer.Train(Text);
        var config = LanguageModelTests.Small(arch, tok.VocabularySize) with { Dropout = dropout, Layers = layers };
        using var model = new LanguageModel<double>(be, config, new RandomStream(5)) { Tokenizer = tok };
        int[] ids = tok.Encode(Text);
        using var data = new LanguageModelTrainable<double>(model, ids[..500], ids[500..], Batch, bptt: 7, seed: 9, shard: shard);
        using var parallel = ranks is null ? null : new DataParallelTrainable<double>(data, be, ranks, checksumEvery: 3, bucketElements: 300);
        using var run = new TrainingRun<double>(model, parallel ?? (ITrainable<double>)data, Settings(arch == "transformer" ? "sgd" : "adam"));
        run.Run();
        return model.Parameters.Select(p => be.ToArray(p.Value)).ToArray();
    }

    /// <summary>The forecaster's weights after <see cref="Steps"/> steps, trained as rank <paramref name="shard"/>.</summary>
    private static double[][] TrainForecaster(BatchShard shard, ICommunicator? ranks)
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        var series = new ForecastSeries(Enumerable.Range(0, 120).Select(i => 10 + Math.Sin(i * 0.3) * 3 + i * 0.05).ToArray());
        var config = ForecastTransform.FitScaling(new ForecasterConfig { Target = "y", Window = 8 }, series, 100);
        using var model = new Forecaster<double>(be, config, new RandomStream(3));
        using var data = new ForecasterTrainable<double>(model, series, 20, Batch, new RandomStream(4), shard);
        using var parallel = ranks is null ? null : new DataParallelTrainable<double>(data, be, ranks, checksumEvery: 3, bucketElements: 50);
        using var run = new TrainingRun<double>(model, parallel ?? (ITrainable<double>)data, Settings());
        run.Run();
        return model.Parameters.Select(p => be.ToArray(p.Value)).ToArray();
    }

    private static void AssertClose(double[][] got, double[][] expected, string who)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = expected[i].Max(Math.Abs), diff = got[i].Zip(expected[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.That(diff, Is.LessThanOrEqualTo(1e-12 * scale), $"{who}: tensor {i} differs by {diff:G3} (scale {scale:G3})");
        }
    }

    private static double[][][] OnTwoRanks(Func<BatchShard, ICommunicator, double[][]> train)
    {
        var group = new ThreadGroup(2);
        var weights = new double[2][][];
        group.Run(ranks => weights[ranks.Rank] = train(new BatchShard(ranks.Rank, ranks.Size), ranks));
        return weights;
    }

    [TestCase("lstm")]
    [TestCase("transformer")]
    public void Two_ranks_with_half_the_batch_reach_the_weights_of_one_process_with_the_whole_batch(string arch)
    {
        var expected = TrainLanguageModel(arch, BatchShard.Whole, null);
        var ranks = OnTwoRanks((shard, comm) => TrainLanguageModel(arch, shard, comm));
        AssertClose(ranks[0], expected, "rank 0");
        AssertClose(ranks[1], ranks[0], "rank 1 against rank 0");
    }

    // Dropout on: every rank draws its streams' part of the whole batch's masks (RowWindow), so the masks are one
    // process's and the weights agree as closely as without dropout. Two layers, so the recurrent layer's own masks count.
    [TestCase("lstm")]
    [TestCase("gru")]
    [TestCase("transformer")]
    public void With_dropout_two_ranks_reach_the_weights_of_one_process(string arch)
    {
        var expected = TrainLanguageModel(arch, BatchShard.Whole, null, dropout: 0.3, layers: 2);
        var ranks = OnTwoRanks((shard, comm) => TrainLanguageModel(arch, shard, comm, dropout: 0.3, layers: 2));
        AssertClose(ranks[0], expected, "rank 0");
        AssertClose(ranks[1], ranks[0], "rank 1 against rank 0");
        var without = TrainLanguageModel(arch, BatchShard.Whole, null, layers: 2);
        Assert.That(without.Zip(expected).Any(w => w.First.Zip(w.Second).Any(v => v.First != v.Second)), "dropout changed nothing");
    }

    /// <summary>A two-layer LSTM classifier with dropout on 13 sequences of varied length in batches of 4: the epoch's last
    /// batch has one sequence, so rank 1 has none of it.</summary>
    private static double[][] TrainClassifier(BatchShard shard, ICommunicator? ranks)
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        var config = new SequenceClassifierConfig { VocabularySize = 13, Classes = 3, EmbeddingSize = 4, Encoder = "lstm", HiddenSize = 5, Layers = 2, Dropout = 0.3 };
        using var model = new SequenceClassifier<double>(be, config, new RandomStream(7));
        var sequences = Enumerable.Range(0, 13).Select(i => Enumerable.Range(0, 2 + i * 5 % 9).Select(t => (i + t * 3) % 13).ToArray()).ToArray();
        var labels = Enumerable.Range(0, 13).Select(i => i % 3).ToArray();
        var data = new ClassifierTrainable<double>(model, sequences, labels, null, null, Batch, seed: 11, shard);
        using var parallel = ranks is null ? null : new DataParallelTrainable<double>(data, be, ranks, checksumEvery: 3, bucketElements: 100);
        ITrainable<double> trainable = parallel ?? (ITrainable<double>)data;
        using var optimizer = Settings("sgd").CreateOptimizer(be, trainable.Parameters);
        new Trainer<double>(be, optimizer, new TrainerOptions { Steps = 12, ClipNorm = 0.5 }).Run(trainable);
        return model.Parameters.Select(p => be.ToArray(p.Value)).ToArray();
    }

    [Test]
    public void The_classifier_with_dropout_and_a_short_last_batch_on_two_ranks_reaches_the_weights_of_one_process()
    {
        var expected = TrainClassifier(BatchShard.Whole, null);
        var ranks = OnTwoRanks(TrainClassifier);
        AssertClose(ranks[0], expected, "rank 0");
        AssertClose(ranks[1], ranks[0], "rank 1 against rank 0");
    }

    /// <summary>A seq2seq model (reverse task) with a teacher-forcing ratio of 0.5: coins per row and step.</summary>
    private static double[][] TrainSeq2Seq(BatchShard shard, ICommunicator? ranks) =>
        TrainSeq2Seq(shard, ranks, new Seq2SeqConfig { SourceVocabularySize = 9, TargetVocabularySize = 9, EmbeddingSize = 4, HiddenSize = 5 });

    private static double[][] TrainSeq2Seq(BatchShard shard, ICommunicator? ranks, Seq2SeqConfig config)
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Seq2Seq<double>(be, config, new RandomStream(3));
        var examples = Enumerable.Range(0, 20).Select(i =>
        {
            var target = Enumerable.Range(0, 1 + i % 6).Select(t => 4 + (i + t) % 5).ToArray();
            return new Seq2SeqExample([.. target.Reverse(), Seq2SeqVocabulary.SourceEos], target);
        }).ToArray();
        var data = new Seq2SeqTrainable<double>(model, examples, [], Batch, teacherForcing: 0.5, seed: 13, shard);
        using var parallel = ranks is null ? null : new DataParallelTrainable<double>(data, be, ranks, checksumEvery: 3, bucketElements: 100);
        using var run = new TrainingRun<double>(model, parallel ?? (ITrainable<double>)data, Settings("sgd") with { EvalEvery = 0 });
        run.Run();
        return model.Parameters.Select(p => be.ToArray(p.Value)).ToArray();
    }

    [Test]
    public void Seq2seq_with_teacher_forcing_below_one_on_two_ranks_reaches_the_weights_of_one_process()
    {
        var expected = TrainSeq2Seq(BatchShard.Whole, null);
        var ranks = OnTwoRanks(TrainSeq2Seq);
        AssertClose(ranks[0], expected, "rank 0");
        AssertClose(ranks[1], ranks[0], "rank 1 against rank 0");
    }

    [Test]
    public void A_stacked_seq2seq_with_dropout_on_two_ranks_reaches_the_weights_of_one_process()
    {
        // Each rank draws its rows of the whole batch's dropout masks (embeddings, between encoder and decoder layers).
        var config = new Seq2SeqConfig
        {
            SourceVocabularySize = 9, TargetVocabularySize = 9, EmbeddingSize = 4, HiddenSize = 5, EncoderLayers = 2, DecoderLayers = 2, Dropout = 0.3,
        };
        var expected = TrainSeq2Seq(BatchShard.Whole, null, config);
        var ranks = OnTwoRanks((shard, comm) => TrainSeq2Seq(shard, comm, config));
        AssertClose(ranks[0], expected, "rank 0");
        AssertClose(ranks[1], ranks[0], "rank 1 against rank 0");
    }

    [Test]
    public void The_forecaster_on_two_ranks_reaches_the_weights_of_one_process()
    {
        var expected = TrainForecaster(BatchShard.Whole, null);
        var ranks = OnTwoRanks(TrainForecaster);
        AssertClose(ranks[0], expected, "rank 0");
        AssertClose(ranks[1], ranks[0], "rank 1 against rank 0");
    }

    [Test]
    public void Weights_that_drift_apart_stop_every_rank_naming_the_step()
    {
        var group = new ThreadGroup(2);
        var errors = new RankMismatchException?[2];
        group.Run(comm =>
        {
            using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
            var tok = CharTokenizer.Train(Text);
            using var model = new LanguageModel<double>(be, LanguageModelTests.Small("gru", tok.VocabularySize), new RandomStream(5));
            int[] ids = tok.Encode(Text);
            using var data = new LanguageModelTrainable<double>(model, ids, [], Batch, 7, 9, shard: new BatchShard(comm.Rank, 2));
            using var parallel = new DataParallelTrainable<double>(data, be, comm, checksumEvery: 2);
            using var run = new TrainingRun<double>(model, parallel, Settings())
            {
                // Rank 1 alone changes a weight after step 3: the checksum before step 5 (after step 4) sees it.
                Progress = p => { if (p.Step == 3 && comm.Rank == 1) be.Fill(0.5, model.Parameters[0].Value); },
            };
            errors[comm.Rank] = Assert.Throws<RankMismatchException>(() => run.Run());
        });
        Assert.That(errors.Select(e => e!.Step), Is.EqualTo(new[] { 4, 4 }));
        Assert.That(errors[0]!.Message, Does.Contain("after step 4").And.Contain("1 of 2 ranks"));
    }

    [Test]
    public void Ranks_started_with_different_settings_are_refused_on_every_rank()
    {
        var group = new ThreadGroup(2);
        var messages = new string[2];
        group.Run(comm => messages[comm.Rank] =
            Assert.Throws<RankMismatchException>(() => RankAgreement.Require(comm, comm.Rank == 0 ? "steps 5" : "steps 6", "settings"))!.Message);
        Assert.That(messages, Has.All.Contain("different settings").And.All.Contain("1 of 2 ranks"));
        group.Run(comm => RankAgreement.Require(comm, "steps 5", "settings")); // the same text passes
    }

    [Test]
    public void A_batch_that_does_not_split_evenly_over_the_ranks_is_refused()
    {
        Assert.That(new BatchShard(1, 2).Of(8), Is.EqualTo((4, 4)));
        var e = Assert.Throws<ArgumentException>(() => new BatchShard(0, 2).Of(3));
        Assert.That(e!.Message, Does.Contain("batch of 3").And.Contain("2 ranks"));
        Assert.Throws<ArgumentException>(() => new BatchShard(0, 4).Of(2));
    }
}
