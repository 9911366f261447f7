using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Text;
using SeqCore.Tests.Models;
using SeqCore.Training;

namespace SeqCore.Tests.Training;

/// <summary><see cref="TrainingRun{T}"/>: resuming gives the weights of a run that never stopped (in double, exactly),
/// the best weights are kept in memory, and the checkpoint carries what a resume needs.</summary>
public class TrainingRunTests
{
    private string _dir = null!;

    [SetUp] public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "seqcore-run-" + Guid.NewGuid().ToString("N")));
    [TearDown] public void RemoveDir() => Directory.Delete(_dir, true);

    private static readonly string Text = string.Concat(Enumerable.Repeat(LanguageModelTests.Text, 8));

    /// <summary>A small model and its data in double; dropout on, so the random stream's position matters.</summary>
    private static (LanguageModel<double> Model, LanguageModelTrainable<double> Data) Build(IBackend<double> be, string arch)
    {
        var tok = CharTokenizer.Train(Text);
        var config = LanguageModelTests.Small(arch, tok.VocabularySize) with { Dropout = 0.2 };
        var model = new LanguageModel<double>(be, config, new RandomStream(5)) { Tokenizer = tok };
        int[] ids = tok.Encode(Text);
        var data = new LanguageModelTrainable<double>(model, ids[..500], ids[500..], batch: 3, bptt: 7, seed: 9);
        return (model, data);
    }

    private static double[][] Weights(IBackend<double> be, LanguageModel<double> m) => m.Parameters.Select(p => be.ToArray(p.Value)).ToArray();

    [TestCase("lstm", "adam")]
    [TestCase("gru", "sgd")]
    [TestCase("transformer", "adamw")]
    public void A_run_resumed_at_step_k_ends_with_the_weights_of_a_run_that_never_stopped(string arch, string optimizer)
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        var settings = new TrainingSettings { Steps = 24, Optimizer = optimizer, LearningRate = 0.01, EvalEvery = 5, Schedule = "cosine", KeepBest = false };

        var (m1, d1) = Build(be, arch);
        double[][] expected;
        using (m1) using (d1) using (var run = new TrainingRun<double>(m1, d1, settings))
        {
            run.Run();
            expected = Weights(be, m1);
        }

        string path = Path.Combine(_dir, "k.safetensors");
        var (m2, d2) = Build(be, arch);
        using (m2) using (d2)
        {
            // Stopped at step 11 of 24 (the schedule is laid out over 24 steps), as a run killed there would be.
            using var stop = new CancellationTokenSource();
            using var run = new TrainingRun<double>(m2, d2, settings) { CheckpointPath = path, Progress = p => { if (p.Step == 11) stop.Cancel(); } };
            Assert.That(run.Run(stop.Token).Reason, Is.EqualTo(StopReason.Cancelled));
        }
        Assert.That(SafeTensors.Read(path).Metadata, Does.ContainKey(Checkpoint.RunKey));

        var (m3, d3) = Build(be, arch);
        using (m3) using (d3)
        {
            // Start from other weights to prove the resume loads the saved ones.
            using var run = new TrainingRun<double>(m3, d3, settings) { CheckpointPath = path };
            run.Resume(path);
            Assert.That(run.State.Step, Is.EqualTo(11));
            var result = run.Run();
            Assert.That(result.Steps, Is.EqualTo(24));
            Assert.That(run.History.Select(p => p.Step), Is.EqualTo(Enumerable.Range(1, 24)), "the history carries on");
            var got = Weights(be, m3);
            for (int i = 0; i < expected.Length; i++) Assert.That(got[i], Is.EqualTo(expected[i]), m3.Parameters[i].Name);
        }
    }

    [Test]
    public void The_best_weights_are_kept_in_memory_and_written_as_the_checkpoint()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        var (m, d) = Build(be, "lstm");
        string path = Path.Combine(_dir, "best.safetensors");
        using (m) using (d)
        {
            // A learning rate that overshoots after a while: the last evaluation is not the best one.
            using var run = new TrainingRun<double>(m, d, new TrainingSettings { Steps = 40, LearningRate = 0.3, EvalEvery = 4, Clip = 0 }) { CheckpointPath = path };
            var result = run.Run();
            Assert.That(result.BestStep, Is.GreaterThan(0));
            double best = d.Evaluate()!.Value.Loss;
            Assert.That(best, Is.EqualTo(result.BestEvalLoss!.Value).Within(1e-12), "the model ends with the best evaluation's weights");
            using var loaded = LanguageModel<double>.Load(path, be);
            for (int i = 0; i < m.Parameters.Count; i++)
                Assert.That(be.ToArray(loaded.Parameters[i].Value), Is.EqualTo(be.ToArray(m.Parameters[i].Value)), m.Parameters[i].Name);
        }
    }

    [Test]
    public void Settings_out_of_range_are_refused_naming_the_setting()
    {
        Assert.That(() => new TrainingSettings { Optimizer = "rmsprop" }.Validate(), Throws.ArgumentException.With.Message.Contains("optimizer"));
        Assert.That(() => new TrainingSettings { Schedule = "cosine" }.Validate(), Throws.ArgumentException.With.Message.Contains("needs steps"));
        Assert.That(() => new TrainingSettings { LearningRate = double.NaN }.Validate(), Throws.ArgumentException.With.Message.Contains("lr"));
    }
}
