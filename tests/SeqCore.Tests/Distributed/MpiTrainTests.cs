using System.Diagnostics;
using SeqCore.IO;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Distributed;

/// <summary>
/// <c>mpirun -np 2 seqcore train …</c> against one process (the CLI trains in float): the README demo's language model
/// and a forecaster end with the same checkpoint within the float tolerance of docs/distributed.md, only rank 0
/// prints and writes, and the fault cases stop every rank with one message. Skipped where mpirun is not installed.
/// </summary>
[NonParallelizable]
public class MpiTrainTests
{
    /// <summary>Float: the ranks sum each gradient in two halves and then across ranks, one process in one pass; after
    /// the steps below the weights agree to about 1e-6 of their scale (docs/distributed.md).</summary>
    private const double FloatTolerance = 1e-5;

    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "Data");
    private string _dir = null!;
    private string _corpus = null!;

    [SetUp]
    public void MakeDir()
    {
        MpiRunner.RequireMpirun();
        Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "seqcore-mpi-" + Guid.NewGuid().ToString("N")));
        _corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(_corpus, DemoText());
    }

    /// <summary>The first 60,000 characters of the README demo's corpus (data/kjv.txt above the test binaries), or a
    /// repeated sentence where the repository is not there.</summary>
    private static string DemoText()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string kjv = Path.Combine(dir.FullName, "data", "kjv.txt");
            if (File.Exists(kjv)) return File.ReadAllText(kjv)[..60_000];
        }
        return string.Concat(Enumerable.Repeat(SeqCore.Tests.Models.LanguageModelTests.Text, 800));
    }

    [TearDown]
    public void RemoveDir()
    {
        if (_dir is not null && Directory.Exists(_dir)) Directory.Delete(_dir, true); // none when the test was skipped
    }

    private string[] DemoLm(string @out, params string[] extra) =>
        ["train", "--corpus", _corpus, "--tokenizer", "char", "--arch", "lstm", "--embedding", "16", "--hidden", "32", "--bptt", "16",
         "--batch", "8", "--steps", "12", "--eval-every", "6", "--threads", "1", "--out", Path.Combine(_dir, @out), .. extra];

    private string[] Forecaster(string @out, params string[] extra) =>
        ["train", "--model", "forecaster", "--csv", Path.Combine(Data, "airpassengers.csv"), "--column", "passengers", "--log",
         "--steps", "30", "--batch", "8", "--threads", "1", "--out", Path.Combine(_dir, @out), .. extra];

    private static void AssertSameWeights(string twoRanks, string oneProcess)
    {
        var (got, _) = SafeTensors.Read(twoRanks);
        var (expected, _) = SafeTensors.Read(oneProcess);
        var names = expected.Keys.Where(k => !k.StartsWith(Checkpoint.RunTensorPrefix, StringComparison.Ordinal)).ToList();
        Assert.That(names, Is.Not.Empty);
        foreach (string name in names)
        {
            double[] a = got[name].Data, b = expected[name].Data;
            double scale = Math.Max(b.Max(Math.Abs), 1e-30), diff = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
            TestContext.Out.WriteLine($"{name}: max difference {diff:G3} of scale {scale:G3}");
            Assert.That(diff, Is.LessThanOrEqualTo(FloatTolerance * scale), name);
        }
    }

    [Test]
    public void The_readme_language_model_trained_on_two_ranks_ends_with_the_weights_of_one_process()
    {
        var two = MpiRunner.Run(2, DemoLm("two.safetensors"));
        Assert.That(two.Code, Is.EqualTo(0), two.Err + two.Out);
        Assert.That(two.Out.Split('\n').Count(l => l.StartsWith("checkpoint:", StringComparison.Ordinal)), Is.EqualTo(1), "only rank 0 prints:\n" + two.Out);
        var one = CliRunner.Run(DemoLm("one.safetensors"));
        Assert.That(one.Code, Is.EqualTo(0), one.Err);
        AssertSameWeights(Path.Combine(_dir, "two.safetensors"), Path.Combine(_dir, "one.safetensors"));
    }

    [Test]
    public void A_forecaster_trained_on_two_ranks_ends_with_the_weights_of_one_process()
    {
        var two = MpiRunner.Run(2, Forecaster("two.safetensors"));
        Assert.That(two.Code, Is.EqualTo(0), two.Err + two.Out);
        Assert.That(two.Out.Split('\n').Count(l => l.StartsWith("gradients: all-reduced through host buckets over ", StringComparison.Ordinal)), Is.EqualTo(1),
            "rank 0 says once which path the gradients take (the CPU backend: host buckets):\n" + two.Out);
        Assert.That(Directory.GetFiles(_dir, "two.*").Select(Path.GetFileName), Is.EquivalentTo(new[] { "two.safetensors", "two.loss.svg", "two.forecast.svg", "two.forecast.csv" }));
        var one = CliRunner.Run(Forecaster("one.safetensors"));
        Assert.That(one.Code, Is.EqualTo(0), one.Err);
        AssertSameWeights(Path.Combine(_dir, "two.safetensors"), Path.Combine(_dir, "one.safetensors"));
    }

    /// <summary>The other kinds, each on a tiny data set of its own (the files of their CLI tests).</summary>
    private string[] OtherKind(string kind, string @out)
    {
        string data = Path.Combine(_dir, kind + ".data");
        string[] options;
        switch (kind)
        {
            case "seq2seq":
                File.WriteAllLines(data, Enumerable.Range(0, 30).Select(i => $"{(char)('a' + i % 7)}{(char)('a' + i % 5)}{(char)('a' + i % 3)}\t{(char)('a' + i % 3)}{(char)('a' + i % 5)}{(char)('a' + i % 7)}"));
                options = ["--data", data, "--embedding", "8", "--hidden", "8", "--eval-every", "3"];
                break;
            case "classifier":
                // 44 sequences: the epoch's last batch has 4 of 8, so the short-batch rule is exercised.
                File.WriteAllLines(data, Enumerable.Range(0, 44).Select(i => i % 2 == 0 ? $"{new string('a', 1 + i % 5)}b{(char)('a' + i % 3)}\tab" : $"{new string('x', 1 + i % 5)}y{(char)('x' + i % 3)}\txy"));
                options = ["--tsv", data, "--embedding", "4", "--hidden", "8", "--dropout", "0"];
                break;
            default:
                var random = new System.Random(7);
                string[][] topics = [["sun", "moon", "star", "sky"], ["bread", "wine", "oil", "meat"]];
                File.WriteAllLines(data, Enumerable.Range(0, 20).Select(i => string.Join(' ', Enumerable.Range(0, 5).Select(_ => topics[i % 2][random.Next(4)]))));
                options = ["--corpus", data, "--dim", "8", "--window", "2", "--negatives", "3", "--min-count", "1", "--schedule", "constant", "--lr", "0.05"];
                break;
        }
        return ["train", "--model", kind, .. options, "--steps", "8", "--batch", "8", "--threads", "1", "--seed", "3", "--out", Path.Combine(_dir, @out)];
    }

    [TestCase("seq2seq")]
    [TestCase("classifier")]
    [TestCase("word2vec")]
    public void Every_other_kind_trained_on_two_ranks_ends_with_the_weights_of_one_process(string kind)
    {
        var two = MpiRunner.Run(2, OtherKind(kind, "two.safetensors"));
        Assert.That(two.Code, Is.EqualTo(0), two.Err + two.Out);
        var one = CliRunner.Run(OtherKind(kind, "one.safetensors"));
        Assert.That(one.Code, Is.EqualTo(0), one.Err);
        AssertSameWeights(Path.Combine(_dir, "two.safetensors"), Path.Combine(_dir, "one.safetensors"));
    }

    [Test]
    public void A_batch_that_does_not_split_over_the_ranks_is_one_message_from_rank_0_and_nothing_written()
    {
        var r = MpiRunner.Run(2, DemoLm("odd.safetensors", "--batch", "7"));
        Assert.That(r.Code, Is.Not.EqualTo(0));
        Assert.That(CountOf(r.Err, "--batch: the batch of 7 does not split evenly over 2 ranks"), Is.EqualTo(1), r.Err);
        Assert.That(Directory.GetFiles(_dir, "odd.*"), Is.Empty);
    }

    [Test]
    public void Ranks_started_with_different_settings_are_refused_at_the_start()
    {
        string[] a = DemoLm("mixed.safetensors"), b = DemoLm("mixed.safetensors", "--lr", "0.5");
        var r = MpiRunner.Wait(MpiRunner.Start(["-np", "1", "dotnet", MpiRunner.Cli, .. a, ":", "-np", "1", "dotnet", MpiRunner.Cli, .. b]), TimeSpan.FromMinutes(2));
        Assert.That(r.Code, Is.Not.EqualTo(0));
        Assert.That(CountOf(r.Err, "the ranks were started with different settings"), Is.EqualTo(1), r.Err);
        Assert.That(File.Exists(Path.Combine(_dir, "mixed.safetensors")), Is.False);
    }

    [Test]
    public void With_dropout_two_ranks_end_with_the_weights_of_one_process()
    {
        string[] dropout = ["--dropout", "0.3", "--layers", "2"];
        var two = MpiRunner.Run(2, DemoLm("two.safetensors", dropout));
        Assert.That(two.Code, Is.EqualTo(0), two.Err + two.Out);
        var one = CliRunner.Run(DemoLm("one.safetensors", dropout));
        Assert.That(one.Code, Is.EqualTo(0), one.Err);
        AssertSameWeights(Path.Combine(_dir, "two.safetensors"), Path.Combine(_dir, "one.safetensors"));
    }

    [Test]
    public void A_two_rank_run_resumed_at_step_6_ends_with_the_weights_of_the_uninterrupted_two_rank_run()
    {
        // Dropout on and an LSTM: the resumed ranks need the BPTT state of their own streams and the stream positions.
        string[] dropout = ["--dropout", "0.3"];
        var whole = MpiRunner.Run(2, DemoLm("whole.safetensors", dropout));
        Assert.That(whole.Code, Is.EqualTo(0), whole.Err + whole.Out);
        var first = MpiRunner.Run(2, DemoLm("part.safetensors", [.. dropout, "--steps", "6"]));
        Assert.That(first.Code, Is.EqualTo(0), first.Err + first.Out);
        var resumed = MpiRunner.Run(2, "train", "--resume", Path.Combine(_dir, "part.safetensors"), "--steps", "12", "--threads", "1");
        Assert.That(resumed.Code, Is.EqualTo(0), resumed.Err + resumed.Out);
        var (got, _) = SafeTensors.Read(Path.Combine(_dir, "part.safetensors"));
        var (expected, _) = SafeTensors.Read(Path.Combine(_dir, "whole.safetensors"));
        foreach (var (name, tensor) in expected.Where(t => t.Key != Checkpoint.RunTensorPrefix + "history"))
            Assert.That(got[name].Data, Is.EqualTo(tensor.Data), name);
    }

    [Test]
    public void A_time_budget_over_two_ranks_stops_both_after_the_same_step()
    {
        var timed = MpiRunner.Run(2, DemoLm("timed.safetensors", "--steps", "100000", "--time", "4s"));
        Assert.That(timed.Code, Is.EqualTo(0), timed.Err + timed.Out);
        Assert.That(timed.Out, Does.Contain("time budget"), timed.Out);
        Assert.That(File.Exists(Path.Combine(_dir, "timed.safetensors")), Is.True);
    }

    [Test]
    public void A_nan_on_the_ranks_stops_all_of_them_naming_the_step_and_the_tensor()
    {
        var r = MpiRunner.Run(2, Forecaster("nan.safetensors", "--lr", "1e30", "--optimizer", "sgd", "--clip", "0", "--divergence", "0"));
        Assert.That(r.Code, Is.EqualTo(1), r.Err + r.Out);
        Assert.That(CountOf(r.Err, "Training stopped at step"), Is.EqualTo(1), r.Err);
        Assert.That(r.Err, Does.Match("the (loss|gradient of '[^']+')"));
    }

    [Test]
    public void A_rank_that_is_killed_stops_the_others_and_leaves_a_complete_checkpoint()
    {
        string path = Path.Combine(_dir, "killed.safetensors");
        var mpirun = MpiRunner.Start(["-np", "2", "dotnet", MpiRunner.Cli, .. DemoLm("killed.safetensors", "--steps", "100000", "--eval-every", "5")]);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path) && clock.Elapsed < TimeSpan.FromSeconds(60) && !mpirun.HasExited) Thread.Sleep(100);
        Assert.That(File.Exists(path), Is.True, "no checkpoint within 60 s");
        int rank1 = RankProcess(mpirun.Id, 1);
        Process.GetProcessById(rank1).Kill(); // SIGKILL
        clock.Restart();
        var r = MpiRunner.Wait(mpirun, TimeSpan.FromSeconds(60));
        TestContext.Out.WriteLine($"mpirun ended {clock.Elapsed.TotalSeconds:F1} s after the kill, exit code {r.Code}");
        Assert.That(r.Code, Is.Not.EqualTo(0));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
        Assert.That(SafeTensors.Read(path).Tensors, Is.Not.Empty, "the checkpoint on disk is complete");
    }

    /// <summary>The process of <paramref name="rank"/> among the descendants of <paramref name="mpirun"/> (Linux /proc).</summary>
    private static int RankProcess(int mpirun, int rank)
    {
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                if (!IsDescendant(pid, mpirun)) continue;
                string env = File.ReadAllText(Path.Combine(dir, "environ"));
                if (env.Split('\0').Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        Assert.Fail($"no process of rank {rank} under mpirun {mpirun}");
        return 0;
    }

    private static bool IsDescendant(int pid, int ancestor)
    {
        for (int i = 0; i < 8 && pid > 1; i++)
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            pid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            if (pid == ancestor) return true;
        }
        return false;
    }

    private static int CountOf(string text, string part) => text.Split(part).Length - 1;
}
