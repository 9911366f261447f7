using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SeqCore.Cli;
using SeqCore.Cli.Training;
using SeqCore.IO;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary>Training that goes wrong or is interrupted: a runaway loss and a NaN held-out loss stop the run with exit
/// code 1 naming the step the kept checkpoint holds; SIGINT/SIGTERM stop it after the current step with the checkpoint
/// and loss curve written (exit 130/143); <c>--threads</c> above 4 × the cores is refused with exit code 2.</summary>
public class TrainReliabilityTests
{
    private string _dir = null!;
    private string _corpus = null!;

    [SetUp]
    public void MakeFiles()
    {
        _dir = Path.Combine(Path.GetTempPath(), "seqcore-rel-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(_corpus, string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log.\n", 40)));
    }

    [TearDown]
    public void RemoveFiles()
    {
        StopSignals.Simulated.Value = null;
        Directory.Delete(_dir, true);
    }

    private string[] Tiny(string output, int steps, params string[] more) =>
        ["train", "--corpus", _corpus, "--steps", steps.ToString(CultureInfo.InvariantCulture), "--hidden", "16", "--embedding", "8",
         "--batch", "4", "--bptt", "8", "--lr", "0.01", "--eval-every", "20", "--threads", "1", "--out", output, .. more];

    private static int SavedStep(string checkpoint) =>
        JsonNode.Parse(SafeTensors.Read(checkpoint).Metadata[Checkpoint.RunKey])!["step"]!.GetValue<int>();

    [Test]
    public void A_runaway_learning_rate_stops_with_diverged_and_exit_one_keeping_the_last_checkpoint()
    {
        string model = Path.Combine(_dir, "lr.safetensors");
        var (code, _, err) = Run(Tiny(model, 300, "--lr", "1e4"));
        Assert.That(code, Is.EqualTo(ExitCodes.Failed), err);
        Assert.That(err, Does.Contain("diverged at step").And.Contain("started at").And.Contain("try a smaller --lr"));
        Assert.That(err, Does.Contain($"the last good checkpoint is {model} (written at step 40"));
        Assert.That(SavedStep(model), Is.EqualTo(40));
        Assert.That(File.Exists(Path.Combine(_dir, "lr.loss.svg")), "the loss curve so far");
    }

    [Test]
    public void The_divergence_check_can_be_turned_off_and_refuses_a_factor_of_one_or_less()
    {
        string model = Path.Combine(_dir, "off.safetensors");
        var (code, _, err) = Run(Tiny(model, 60, "--lr", "1e4", "--divergence", "0"));
        Assert.That(code, Is.Zero, err);
        (code, _, err) = Run(Tiny(model, 60, "--divergence", "0.5"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("--divergence"));
    }

    [Test]
    public void A_NaN_held_out_loss_stops_the_run_and_names_the_step_the_checkpoint_holds()
    {
        string model = Path.Combine(_dir, "nan.safetensors");
        // The first evaluation is finite but huge; the second is NaN.
        var (code, _, err) = Run(Tiny(model, 50, "--lr", "3e37", "--eval-every", "1"));
        Assert.That(code, Is.EqualTo(ExitCodes.Failed), err);
        Assert.That(err, Does.Contain("Training stopped at step 2: the held-out loss is NaN"));
        Assert.That(err, Does.Contain($"the last good checkpoint is {model} (written at step 1)"));
        Assert.That(err, Does.Not.Contain("no evaluation had finished"));
        Assert.That(SavedStep(model), Is.EqualTo(1));
    }

    [Test]
    public void A_failure_before_any_finite_evaluation_says_that_no_checkpoint_was_written()
    {
        string model = Path.Combine(_dir, "early.safetensors");
        var (code, _, err) = Run(Tiny(model, 50, "--optimizer", "sgd", "--lr", "1e38", "--clip", "0", "--eval-every", "40"));
        Assert.That(code, Is.EqualTo(ExitCodes.Failed), err);
        Assert.That(err, Does.Match("no checkpoint was written \\(no finite evaluation before step [0-9]+\\)"));
        Assert.That(File.Exists(model), Is.False);
    }

    [TestCase(PosixSignal.SIGINT, 130)]
    [TestCase(PosixSignal.SIGTERM, 143)]
    public void A_signal_stops_after_the_current_step_with_the_checkpoint_and_loss_curve_written(PosixSignal signal, int exitCode)
    {
        string model = Path.Combine(_dir, "sig.safetensors");
        StopSignals.Simulated.Value = p => p.Step == 7 ? signal : null;
        var (code, _, err) = Run(Tiny(model, 30, "--eval-every", "5"));
        StopSignals.Simulated.Value = null;
        Assert.That(code, Is.EqualTo(exitCode), err);
        Assert.That(err, Does.Contain($"stopped by {signal} after step 7").And.Contain($"--resume {model}"));
        Assert.That(err, Does.Contain("written at step 7, with the weights of step 5"));
        Assert.That(SavedStep(model), Is.EqualTo(7));
        Assert.That(File.Exists(Path.Combine(_dir, "sig.loss.svg")));
        Assert.That(Directory.GetFiles(_dir, "*.tmp-*"), Is.Empty);
        var (resumed, _, resumeErr) = Run("train", "--resume", model, "--steps", "10");
        Assert.That(resumed, Is.Zero, resumeErr);
        Assert.That(SavedStep(model), Is.EqualTo(10));
    }

    [Test]
    public void Threads_above_four_times_the_cores_are_refused_with_exit_two_in_every_verb()
    {
        string tooMany = (4 * Environment.ProcessorCount + 1).ToString(CultureInfo.InvariantCulture);
        string model = Path.Combine(_dir, "t.safetensors");
        foreach (string threads in new[] { "100000", tooMany })
        {
            var (code, _, err) = Run(Tiny(model, 5, "--threads", threads));
            Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
            Assert.That(err, Does.Contain("--threads"));
        }
        string[][] verbs =
        [
            Tiny(model, 5, "--threads", tooMany),
            ["generate", "--model", model, "--prompt", "the", "--threads", tooMany],
            ["eval", "--model", model, "--corpus", _corpus, "--threads", tooMany],
            ["bench", "gemm", "--m", "8", "--n", "8", "--k", "8", "--threads", tooMany],
        ];
        Assert.That(Run(Tiny(model, 5)).Code, Is.Zero, "a model for generate and eval");
        foreach (var args in verbs)
        {
            var (code, _, err) = Run(args);
            Assert.That(code, Is.EqualTo(ExitCodes.Usage), string.Join(' ', args) + ": " + err);
            Assert.That(err, Does.Contain($"--threads: at most {4 * Environment.ProcessorCount} (4 × {Environment.ProcessorCount} cores), got {tooMany}."));
        }
    }
}
