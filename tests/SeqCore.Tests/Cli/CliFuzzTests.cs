using System.Diagnostics;
using System.Text;
using CsCheck;
using SeqCore.Cli;

namespace SeqCore.Tests.Cli;

/// <summary>
/// Issue #17, item 5: random mutations (bytes flipped, inserted or deleted; the file truncated) of valid inputs — a
/// checkpoint, a tokenizer file, a <c>--config</c> file, a CSV and a TSV — given to the matching verb in-process. Every
/// run ends with exit code 0 or 2 (never 1, never an exception), leaves no temporary <c>*.tmp-*</c> file behind, and the
/// whole sample stays within a few seconds.
/// </summary>
public class CliFuzzTests
{
    private string _dir = "";
    private string _checkpoint = "", _corpus = "";

    /// <summary>Trains the tiny word2vec checkpoint whose bytes one test mutates (and whose corpus another reuses).</summary>
    [OneTimeSetUp]
    public void MakeValidInputs()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"seqcore-fuzz-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        _corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllLines(_corpus, Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? "sun moon star sky" : "bread wine oil meat"));
        _checkpoint = Path.Combine(_dir, "w2v.safetensors");
        var (code, err) = Run("", "word2vec", "train", "--corpus", _corpus, "--min-count", "1", "--dim", "4", "--steps", "2", "--out", _checkpoint);
        Assert.That(code, Is.Zero, err);
    }

    [OneTimeTearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Err) Run(string stdin, params string[] args)
    {
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(stdin), TextWriter.Null, stderr);
        return (code, stderr.ToString());
    }

    /// <summary>One edit of a file: 0 sets a byte, 1 inserts one, 2 deletes one, 3 truncates the file there.</summary>
    public sealed record Mutation(int Kind, int Position, byte Value);

    private static readonly Gen<Mutation[]> Mutations =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Byte, (kind, position, value) => new Mutation(kind, position, value)).Array[1, 4];

    private static byte[] Apply(byte[] valid, Mutation[] mutations)
    {
        var bytes = new List<byte>(valid);
        foreach (var m in mutations)
        {
            int at = bytes.Count == 0 ? 0 : m.Position % bytes.Count;
            switch (m.Kind)
            {
                case 0 when bytes.Count > 0: bytes[at] = m.Value; break;
                case 1: bytes.Insert(at, m.Value); break;
                case 2 when bytes.Count > 0: bytes.RemoveAt(at); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return [.. bytes];
    }

    /// <summary>
    /// Writes <paramref name="iterations"/> mutations of <paramref name="valid"/> to a fresh folder each and runs
    /// <paramref name="command"/> (given the mutated file and the folder for outputs) on it.
    /// </summary>
    /// <summary>The most managed memory one mutated input may make a verb allocate.</summary>
    private const long MaxAllocatedBytes = 256L << 20;

    private void Fuzz(byte[] valid, string fileName, Func<string, string, string[]> command, int iterations, string stdin = "")
    {
        var clock = Stopwatch.StartNew();
        Mutations.Sample(mutations =>
        {
            string folder = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            string input = Path.Combine(folder, fileName);
            File.WriteAllBytes(input, Apply(valid, mutations));
            long before = GC.GetTotalAllocatedBytes();
            var (code, err) = Run(stdin, command(input, folder));
            long allocated = GC.GetTotalAllocatedBytes() - before;
            Assert.That(code, Is.EqualTo(ExitCodes.Ok).Or.EqualTo(ExitCodes.Usage), err);
            // Bounded allocation: a mutated size field must never turn into a huge buffer (the inputs are a few KB; the
            // bound is generous because other tests may allocate at the same time).
            Assert.That(allocated, Is.LessThan(MaxAllocatedBytes), $"{allocated:N0} bytes allocated; {err}");
            Assert.That(Directory.GetFiles(_dir, "*.tmp-*", SearchOption.AllDirectories), Is.Empty, err);
        }, iter: iterations, threads: 1);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
    }

    [Test]
    public void Mutated_checkpoints_are_loaded_or_refused()
    {
        Fuzz(File.ReadAllBytes(_checkpoint), "model.safetensors",
            (input, _) => ["word2vec", "neighbours", "--model", input, "--word", "sun", "--top", "2"], iterations: 100);
    }

    [Test]
    public void Mutated_tokenizer_files_are_loaded_or_refused()
    {
        byte[] tokenizer = Encoding.UTF8.GetBytes("{\"format\": \"seqcore-tokenizer\", \"version\": 1, \"type\": \"char\", \"unknown\": null, \"symbols\": [\"a\", \"b\", \"c\", \"\\u00e9\"]}");
        Fuzz(tokenizer, "tokenizer.json", (input, _) => ["tokenize", "--tokenizer", input], iterations: 100, stdin: "abcé");
    }

    [Test]
    public void Mutated_config_files_are_used_or_refused()
    {
        byte[] config = Encoding.UTF8.GetBytes("{ \"dim\": 4, \"min-count\": 1, \"window\": 2, \"batch\": 8 }");
        Fuzz(config, "config.json",
            (input, folder) => ["word2vec", "train", "--config", input, "--corpus", _corpus, "--steps", "1", "--out", Path.Combine(folder, "m.safetensors")],
            iterations: 60);
    }

    [Test]
    public void Mutated_csv_files_are_used_or_refused()
    {
        byte[] csv = Encoding.UTF8.GetBytes("t,y\n" + string.Concat(Enumerable.Range(0, 24).Select(i => $"{i},{i % 7 + 0.5}\n")));
        Fuzz(csv, "series.csv",
            (input, folder) => ["forecast", "--csv", input, "--column", "y", "--holdout", "3", "--window", "3", "--steps", "1", "--hidden", "2",
                "--out", Path.Combine(folder, "f.safetensors")],
            iterations: 50);
    }

    [Test]
    public void Mutated_tsv_files_are_used_or_refused()
    {
        byte[] tsv = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? $"abc{i}\tx\n" : $"xyz{i}\ty\n")));
        Fuzz(tsv, "data.tsv",
            (input, folder) => ["classify", "--tsv", input, "--steps", "1", "--embedding", "4", "--hidden", "4", "--batch", "4", "--out", Path.Combine(folder, "c.safetensors")],
            iterations: 40);
    }
}
