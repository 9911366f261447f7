using SeqCore.Cli;
using SeqCore.IO;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary>Inputs are never outputs, one writer per output: every writing verb resolves its inputs and outputs (derived
/// ones included) before any work, refuses (exit 2, naming both paths) an output that would replace an input or another
/// output, replaces an existing checkpoint only with a checkpoint (or with --force), never a read-only file, and holds
/// NAME.lock for the whole run.</summary>
public class OutputSafetyTests
{
    private string _dir = null!;
    private string _corpus = null!;

    [SetUp]
    public void MakeFiles()
    {
        _dir = Path.Combine(Path.GetTempPath(), "seqcore-outputs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _corpus = P("corpus.txt");
        File.WriteAllText(_corpus, Corpus);
    }

    [TearDown]
    public void RemoveFiles()
    {
        foreach (var f in Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories)) File.SetAttributes(f, FileAttributes.Normal);
        Directory.Delete(_dir, true);
    }

    private static readonly string Corpus = string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log.\n", 40));

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>A tiny language-model run on <paramref name="corpus"/> writing <paramref name="output"/>.</summary>
    private static string[] Train(string corpus, string output, params string[] more) =>
        ["train", "--corpus", corpus, "--hidden", "8", "--embedding", "4", "--batch", "2", "--bptt", "4", "--threads", "1", "--out", output,
         .. more.Contains("--time") ? more : ["--steps", "2", .. more]];

    private static void AssertRefused((int Code, string Out, string Err) r, params string[] named)
    {
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Usage), r.Err);
        Assert.That(r.Err.Trim().Split('\n'), Has.Length.EqualTo(1), "one line");
        foreach (string n in named) Assert.That(r.Err, Does.Contain(n));
    }

    [Test]
    public void The_corpus_as_out_is_refused_also_through_a_linked_folder()
    {
        AssertRefused(Run(Train(_corpus, _corpus)), _corpus, "--corpus", "would overwrite the input");
        string link = P("link");
        Directory.CreateSymbolicLink(link, _dir);
        string viaLink = Path.Combine(link, "corpus.txt");
        AssertRefused(Run(Train(_corpus, viaLink)), viaLink, _corpus);
        Assert.That(File.ReadAllText(_corpus), Is.EqualTo(Corpus), "the input is untouched");
    }

    [Test]
    public void The_corpus_under_another_hard_linked_name_is_refused()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("device and inode are compared on Linux");
        string other = P("other.safetensors");
        using (var ln = System.Diagnostics.Process.Start("ln", [_corpus, other])) ln.WaitForExit();
        Assume.That(File.Exists(other), "ln made the hard link");
        AssertRefused(Run(Train(_corpus, other)), other, _corpus, "would overwrite the input");
        Assert.That(File.ReadAllText(_corpus), Is.EqualTo(Corpus));
    }

    [Test]
    public void A_corpus_named_like_the_loss_curve_is_refused()
    {
        string corpus = P("x.loss.svg");
        File.WriteAllText(corpus, Corpus);
        AssertRefused(Run(Train(corpus, P("x.safetensors"))), "the loss curve", corpus);
        Assert.That(File.ReadAllText(corpus), Is.EqualTo(Corpus));
        Assert.That(File.Exists(P("x.safetensors")), Is.False, "nothing written");
    }

    [Test]
    public void A_forecast_csv_named_like_the_forecast_numbers_is_refused_before_training()
    {
        string csv = P("a.forecast.csv");
        string text = "t,v\n" + string.Concat(Enumerable.Range(0, 80).Select(i => $"{i},{i % 7 + 1}\n"));
        File.WriteAllText(csv, text);
        AssertRefused(Run("forecast", "--csv", csv, "--column", "v", "--holdout", "8", "--steps", "2", "--out", P("a.safetensors")), csv, "--csv");
        Assert.That(File.ReadAllText(csv), Is.EqualTo(text));
        Assert.That(File.Exists(P("a.safetensors")), Is.False, "refused before training");
    }

    [Test]
    public void A_classifier_tsv_named_like_the_confusion_matrix_is_refused()
    {
        string tsv = P("c.confusion.svg");
        string text = string.Concat(Enumerable.Range(0, 20).Select(i => $"text number {i}\t{(i % 2 == 0 ? "even" : "odd")}\n"));
        File.WriteAllText(tsv, text);
        AssertRefused(Run("classify", "--tsv", tsv, "--steps", "2", "--out", P("c.safetensors")), tsv, "--tsv");
        Assert.That(File.ReadAllText(tsv), Is.EqualTo(text));
    }

    [Test]
    public void Seq2seq_pairs_named_like_the_attention_map_are_refused()
    {
        string pairs = P("s.attention.svg");
        File.WriteAllText(pairs, "abc\tcba\nxyz\tzyx\n");
        AssertRefused(Run("seq2seq", "train", "--data", pairs, "--steps", "2", "--out", P("s.safetensors")), pairs, "--data");
        Assert.That(File.ReadAllText(pairs), Is.EqualTo("abc\tcba\nxyz\tzyx\n"));
    }

    [Test]
    public void Out_naming_the_lock_collides_with_the_lock()
    {
        string output = P("m.lock");
        AssertRefused(Run(Train(_corpus, output)), output, "the lock", "same file");
    }

    [Test]
    public void A_file_that_is_not_a_checkpoint_is_replaced_only_with_force()
    {
        string notes = P("notes.safetensors");
        File.WriteAllText(notes, "my notes");
        AssertRefused(Run(Train(_corpus, notes)), notes, "not a SeqCore checkpoint", "--force");
        Assert.That(File.ReadAllText(notes), Is.EqualTo("my notes"));

        var (code, _, err) = Run(Train(_corpus, notes, "--force"));
        Assert.That(code, Is.Zero, err);
        Assert.That(Checkpoint.ReadMetadata(notes)[Checkpoint.FormatKey], Is.EqualTo(Checkpoint.FormatName));
        (code, _, err) = Run(Train(_corpus, notes));
        Assert.That(code, Is.Zero, "a checkpoint replaces a checkpoint: " + err);
    }

    [Test]
    public void Make_data_replaces_a_pairs_tsv_but_not_another_file()
    {
        string notes = P("notes.txt");
        File.WriteAllText(notes, "my notes\nmore notes\n");
        AssertRefused(Run("seq2seq", "make-data", "--count", "5", "--out", notes), notes, "not a TSV of source<TAB>target pairs");
        Assert.That(File.ReadAllText(notes), Is.EqualTo("my notes\nmore notes\n"));
        string pairs = P("pairs.tsv");
        Assert.That(Run("seq2seq", "make-data", "--count", "5", "--out", pairs).Code, Is.Zero);
        Assert.That(Run("seq2seq", "make-data", "--count", "6", "--out", pairs).Code, Is.Zero, "a TSV of pairs is replaced");
        Assert.That(File.ReadAllLines(pairs), Has.Length.EqualTo(6));
    }

    [Test]
    public void A_read_only_target_is_refused_and_kept()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix permissions");
            return;
        }
        string output = P("m.safetensors");
        Assert.That(Run(Train(_corpus, output)).Code, Is.Zero);
        byte[] before = File.ReadAllBytes(output);
        File.SetUnixFileMode(output, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        AssertRefused(Run(Train(_corpus, output)), output, "read-only");
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(before));
        AssertRefused(Run(Train(_corpus, output, "--force")), output, "read-only");
        // The library's writer refuses it too (whoever runs, root included), leaving no temporary file.
        Assert.Throws<UnauthorizedAccessException>(() => AtomicFile.WriteAllText(output, "x"));
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_dir, "m.safetensors.tmp-*"), Is.Empty);
    }

    [Test]
    public void A_second_run_writing_the_same_out_fails_at_start_naming_the_lock()
    {
        string output = P("m.safetensors"), lockFile = P("m.lock");
        (int Code, string Out, string Err) first = default;
        var thread = new Thread(() => first = Run(Train(_corpus, output, "--time", "4s")));
        thread.Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(lockFile) && thread.IsAlive && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(10);
        Assert.That(File.Exists(lockFile), Is.True, "the first run holds the lock: " + first.Err);

        var second = Run(Train(_corpus, output));
        thread.Join();
        AssertRefused(second, lockFile, "another run");
        Assert.That(first.Code, Is.Zero, first.Err);
        Assert.That(File.Exists(lockFile), Is.False, "the lock goes with the run");
        Assert.That(Run(Train(_corpus, output)).Code, Is.Zero, "free again");
    }

    [Test]
    public void A_refused_run_leaves_no_folder_behind()
    {
        string output = Path.Combine(_dir, "new", "deeper", "m.safetensors");
        AssertRefused(Run(Train(P("missing.txt"), output)), "missing.txt");
        Assert.That(Directory.Exists(P("new")), Is.False);
    }
}
