using System.Text.Json;
using SeqCore.Cli;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Tests.Cuda;

namespace SeqCore.Tests.Cli;

/// <summary>
/// <c>seqcore tag train|eval|predict</c> end to end on the CPU: a word tagger on tag files (eval's accuracy is what
/// predict's output gives), the built-in diacritics task on a small verse table (with resume and the baselines), and bad
/// input — tags and tokens differing in count, a tag the model does not know — exiting 2 with the file and line named.
/// </summary>
public class TagCommandTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-tag-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>Sentences of determiners, nouns and verbs: "el gato come", "la niña canta el pan" ….</summary>
    private static string[] PosLines(int count, int seed)
    {
        var r = new System.Random(seed);
        string[] det = ["el", "la", "un"], noun = ["gato", "niña", "pan", "perro"], verb = ["come", "canta", "ve"];
        var lines = new string[count];
        for (int i = 0; i < count; i++)
        {
            var words = new List<(string, string)> { (det[r.Next(3)], "DET"), (noun[r.Next(4)], "NOUN"), (verb[r.Next(3)], "VERB") };
            if (r.Next(2) == 0) { words.Add((det[r.Next(3)], "DET")); words.Add((noun[r.Next(4)], "NOUN")); }
            lines[i] = $"{string.Join(' ', words.Select(w => w.Item1))}\t{string.Join(' ', words.Select(w => w.Item2))}";
        }
        return lines;
    }

    /// <summary><c>--embeddings FILE --freeze-embeddings</c>: the rows of the file's words hold its vectors after training,
    /// the count of found and missing tokens is printed, and a file of another width exits 2 naming both widths.</summary>
    [Test]
    public void A_word_tagger_starts_from_word_vectors_frozen()
    {
        File.WriteAllLines(P("train.tags"), PosLines(60, 1));
        // word2vec text: "gato" and "come" known (4 wide), every other word missing.
        File.WriteAllText(P("vectors.txt"), "2 4\ngato 0.5 -0.25 1 2\ncome -1 0.125 0.75 -0.5\n");
        var (code, stdout, stderr) = Run("", "tag", "train", "--data", P("train.tags"), "--embedding", "4", "--hidden", "8", "--steps", "5",
            "--batch", "8", "--lr", "0.05", "--embeddings", P("vectors.txt"), "--freeze-embeddings", "--out", P("emb.safetensors"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Match(@"embeddings: .*vectors\.txt \(Word2VecText\): 2 of \d+ tokens found, \d+ initialised as the model does; frozen"));
        var checkpoint = SafeTensors.Read(P("emb.safetensors"));
        double[] table = checkpoint.Tensors["embedding.weight"].Data;
        var rows = Enumerable.Range(0, table.Length / 4).Select(r => table.Skip(r * 4).Take(4).ToArray()).ToArray();
        Assert.That(rows.Any(r => r.SequenceEqual(new[] { 0.5, -0.25, 1, 2 })), "gato's row is the file's, unchanged by frozen training");
        Assert.That(rows.Any(r => r.SequenceEqual(new[] { -1, 0.125, 0.75, -0.5 })), "come's row is the file's");

        (code, _, stderr) = Run("", "tag", "train", "--data", P("train.tags"), "--embedding", "8", "--steps", "2",
            "--embeddings", P("vectors.txt"), "--out", P("wide.safetensors"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("vectors.txt").And.Contain("4-wide").And.Contain("embedding size is 8"));
        Assert.That(File.Exists(P("wide.safetensors")), Is.False, "nothing written for a refused run");
    }

    [Test]
    public void Trains_a_word_tagger_whose_eval_accuracy_is_what_predict_prints()
    {
        File.WriteAllLines(P("train.tags"), PosLines(200, 1));
        File.WriteAllLines(P("valid.tags"), PosLines(30, 2));
        var (code, stdout, stderr) = Run("", "tag", "train", "--data", P("train.tags"), "--valid", P("valid.tags"), "--embedding", "8", "--hidden", "16",
            "--epochs", "6", "--batch", "16", "--lr", "0.02", "--out", P("pos.safetensors"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("tags: DET NOUN VERB").And.Contain("validation token accuracy"));

        (code, stdout, stderr) = Run("", "tag", "eval", "--model", P("pos.safetensors"), "--data", P("valid.tags"), "--json");
        Assert.That(code, Is.Zero, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        double accuracy = result.GetProperty("token_accuracy").GetDouble();
        Assert.That(accuracy, Is.GreaterThan(0.9));

        var valid = File.ReadAllLines(P("valid.tags"));
        (code, stdout, stderr) = Run(string.Join("\n", valid.Select(l => l.Split('\t')[0])), "tag", "predict", "--model", P("pos.safetensors"));
        Assert.That(code, Is.Zero, stderr);
        var predicted = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(predicted, Has.Length.EqualTo(valid.Length));
        int tokens = 0, right = 0;
        for (int i = 0; i < valid.Length; i++)
        {
            Assert.That(predicted[i].Split('\t')[0], Is.EqualTo(valid[i].Split('\t')[0]));
            string[] truth = valid[i].Split('\t')[1].Split(' '), guess = predicted[i].Split('\t')[1].Split(' ');
            tokens += truth.Length;
            right += truth.Zip(guess).Count(p => p.First == p.Second);
        }
        Assert.That(accuracy, Is.EqualTo((double)right / tokens).Within(1e-12));
    }

    [Test]
    public void Tags_and_tokens_differing_in_count_exit_2_naming_file_and_line_and_write_nothing()
    {
        var lines = PosLines(20, 3);
        lines[6] = "el gato come\tDET NOUN";
        File.WriteAllLines(P("bad.tags"), lines);
        var (code, _, stderr) = Run("", "tag", "train", "--data", P("bad.tags"), "--steps", "2", "--out", P("m.safetensors"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr.Trim(), Is.EqualTo($"seqcore: tag train: {P("bad.tags")}:7: 3 word tokens but 2 tags; give one tag per token."));
        Assert.That(File.Exists(P("m.safetensors")), Is.False);

        // The same with char tokens: "la niña" is 7 characters.
        File.WriteAllText(P("chars.tags"), "la niña\tO O O O O tilde\n");
        (code, _, stderr) = Run("", "train", "--model", "tagger", "--data", P("chars.tags"), "--tokens", "char", "--steps", "2", "--out", P("m.safetensors"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain($"{P("chars.tags")}:1: 7 char tokens but 6 tags"));
    }

    [Test]
    public void A_tag_the_model_does_not_know_at_eval_exits_2_naming_file_and_line()
    {
        File.WriteAllLines(P("train.tags"), PosLines(40, 4));
        var (code, _, stderr) = Run("", "tag", "train", "--data", P("train.tags"), "--embedding", "4", "--hidden", "4", "--steps", "3", "--out", P("pos.safetensors"));
        Assert.That(code, Is.Zero, stderr);
        File.WriteAllLines(P("test.tags"), ["el gato come\tDET NOUN VERB", "la niña canta\tDET NOUN ADJ"]);
        (code, _, stderr) = Run("", "tag", "eval", "--model", P("pos.safetensors"), "--data", P("test.tags"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain($"{P("test.tags")}:2: unknown tag 'ADJ'; the model's tags are DET NOUN VERB."));
    }

    /// <summary>A verse table of three books in the layout of data/bible_es_en.tsv.</summary>
    private string VerseTable()
    {
        string[] verses =
        [
            "Y dijo Dios: Sea la luz; y fué la luz.", "El niño está aquí, y la niña también.", "Él habló a Moisés en el monte.",
            "Acuérdate del día de reposo.", "La vergüenza de la pingüina.", "Mañana iré a la montaña con él.",
            "Así habló Jesús a sus discípulos.", "Y él les respondió: Sí, aquí estoy.", "Está escrito en la ley de Moisés.",
        ];
        var lines = new List<string> { "reference\tspanish\tenglish" };
        string[] books = ["Gen", "Exod", "Acts", "Eph"];
        for (int i = 0; i < 24; i++) lines.Add($"{books[i * 4 / 24]} 1:{i + 1}\t{verses[i % verses.Length]}\tEnglish text.");
        File.WriteAllLines(P("verses.tsv"), lines);
        return P("verses.tsv");
    }

    [Test]
    public void Diacritics_task_trains_resumes_evaluates_against_the_baselines_and_restores_text()
    {
        string table = VerseTable();
        string[] common = ["--task", "diacritics", "--data", table, "--embedding", "8", "--hidden", "8", "--batch", "4", "--out", P("d.safetensors")];
        var (code, stdout, stderr) = Run("", ["tag", "train", .. common, "--steps", "4"]);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("most frequent form").And.Contain("no change"));
        (code, _, stderr) = Run("", "tag", "train", "--resume", P("d.safetensors"), "--steps", "8", "--out", P("d.safetensors"));
        Assert.That(code, Is.Zero, stderr);

        (code, stdout, stderr) = Run("", "tag", "eval", "--model", P("d.safetensors"), "--task", "diacritics", "--data", table, "--json");
        Assert.That(code, Is.Zero, stderr);
        var d = JsonDocument.Parse(stdout).RootElement.GetProperty("diacritics");
        Assert.That(d.GetProperty("verses").GetInt32(), Is.EqualTo(6)); // the Acts verses
        // The training books hold every word of the test book, so the word baseline restores all 37 but the two "él"
        // ("el" is more frequent in training); no change restores exactly the letters and words without marks.
        Assert.That(d.GetProperty("most_frequent_form").GetProperty("word_accuracy").GetDouble(), Is.EqualTo(35.0 / 37));
        var acts = File.ReadAllLines(table).Skip(1).Select(l => l.Split('\t')).Where(f => f[0].StartsWith("Acts ", StringComparison.Ordinal)).Select(f => f[1]).ToArray();
        var noChange = DiacriticsScore.Of(acts, [.. acts.Select(Diacritics.Strip)]);
        Assert.That(d.GetProperty("no_change").GetProperty("letter_accuracy").GetDouble(), Is.EqualTo(noChange.LetterAccuracy));

        (code, stdout, stderr) = Run("Asi hablo Jesus\nla nina", "tag", "predict", "--model", P("d.safetensors"), "--task", "diacritics");
        Assert.That(code, Is.Zero, stderr);
        var restored = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(restored.Select(Diacritics.Strip), Is.EqualTo(new[] { "Asi hablo Jesus", "la nina" }));
    }

    [Test]
    public void A_resumed_run_ends_with_the_weights_of_an_uninterrupted_one()
    {
        // 60 sentences in batches of 8: 8 batches per epoch, so the resumed run crosses an epoch (a new shuffle).
        File.WriteAllLines(P("train.tags"), PosLines(60, 5));
        string[] common = ["train", "--model", "tagger", "--data", P("train.tags"), "--embedding", "4", "--hidden", "6", "--dropout", "0.3",
            "--batch", "8", "--keep-last", "--schedule", "constant"];
        var (code, _, err) = Run("", [.. common, "--steps", "12", "--out", P("full.safetensors")]);
        Assert.That(code, Is.Zero, err);
        (code, _, err) = Run("", [.. common, "--steps", "5", "--out", P("part.safetensors")]);
        Assert.That(code, Is.Zero, err);
        (code, _, err) = Run("", "tag", "train", "--resume", P("part.safetensors"), "--steps", "12", "--out", P("resumed.safetensors"));
        Assert.That(code, Is.Zero, err);
        var a = SafeTensors.Read(P("full.safetensors")).Tensors;
        var b = SafeTensors.Read(P("resumed.safetensors")).Tensors;
        var weights = a.Keys.Where(k => !k.StartsWith(Checkpoint.RunTensorPrefix, StringComparison.Ordinal)).Order().ToArray();
        Assert.That(weights, Does.Contain("embedding.weight").And.Contain("encoder.weight_hh_l0_reverse").And.Contain("head.bias"));
        foreach (string name in weights) Assert.That(b[name].Data, Is.EqualTo(a[name].Data), name);
    }

    [Test]
    public void Tag_train_on_the_emulated_cuda_device_reports_the_cpu_losses()
    {
        string? lib = CudaTestDevices.EmulationLibrary(out string reason);
        if (lib is null) Assert.Ignore(reason);
        File.WriteAllLines(P("train.tags"), PosLines(40, 6));
        File.WriteAllLines(P("valid.tags"), PosLines(10, 7));
        string[] args = ["tag", "train", "--data", P("train.tags"), "--valid", P("valid.tags"), "--embedding", "4", "--hidden", "6", "--batch", "8",
            "--steps", "4", "--eval-every", "2", "--json"];
        var (code, cpuOut, err) = Run("", [.. args, "--backend", "cpu", "--out", P("cpu.safetensors")]);
        Assert.That(code, Is.Zero, err);
        Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", lib);
        string cudaOut;
        try { (code, cudaOut, err) = Run("", [.. args, "--backend", "cuda", "--out", P("cuda.safetensors")]); }
        finally { Environment.SetEnvironmentVariable("SEQCORE_CUDA_EMULATOR", null); }
        Assert.That(code, Is.Zero, err);
        static JsonElement Result(string stdout) => JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        double cpuLoss = Result(cpuOut).GetProperty("best_eval_loss").GetDouble();
        Assert.That(Result(cudaOut).GetProperty("best_eval_loss").GetDouble(), Is.EqualTo(cpuLoss).Within(1e-4 * Math.Abs(cpuLoss)));
    }

    [Test]
    public void An_output_that_would_replace_the_validation_file_is_refused()
    {
        File.WriteAllLines(P("train.tags"), PosLines(20, 8));
        File.WriteAllLines(P("valid.tags"), PosLines(5, 9));
        string before = File.ReadAllText(P("valid.tags"));
        var (code, _, stderr) = Run("", "tag", "train", "--data", P("train.tags"), "--valid", P("valid.tags"), "--steps", "1", "--out", P("valid.tags"));
        Assert.That(code, Is.EqualTo(2), stderr);
        Assert.That(stderr, Does.Contain(P("valid.tags")));
        Assert.That(File.ReadAllText(P("valid.tags")), Is.EqualTo(before));
    }
}
