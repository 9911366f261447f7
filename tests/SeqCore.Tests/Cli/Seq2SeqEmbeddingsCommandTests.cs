using SeqCore.IO;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary>
/// <c>seq2seq train --source-embeddings/--target-embeddings [--freeze-embeddings]</c> for both architectures: the rows of
/// the file's words hold its vectors after frozen training, a count line per side is printed, and a shared transformer
/// embedding, a wrong width or a freeze without a file exit 2.
/// </summary>
public class Seq2SeqEmbeddingsCommandTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-s2s-emb-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static readonly double[] Gato = [0.5, -0.25, 1, 2], Cat = [-1, 0.125, 0.75, -0.5];

    private string[] Train(string architecture, string output, params string[] more)
    {
        string[] es = ["el gato come", "la niña canta", "el perro ve", "un gato canta"], en = ["the cat eats", "the girl sings", "the dog sees", "a cat sings"];
        File.WriteAllLines(P("pairs.tsv"), Enumerable.Range(0, 24).Select(i => $"{es[i % 4]}\t{en[i % 4]}"));
        File.WriteAllText(P("es.txt"), $"1 4\ngato {string.Join(' ', Gato)}\n");
        File.WriteAllText(P("en.txt"), $"1 4\ncat {string.Join(' ', Cat)}\n");
        string[] arch = architecture == "transformer" ? ["--architecture", "transformer", "--heads", "2", "--ff", "8", "--encoder-layers", "1", "--decoder-layers", "1"] : ["--hidden", "4"];
        return ["seq2seq", "train", "--data", P("pairs.tsv"), "--tokens", "word", "--embedding", "4", .. arch, "--steps", "4", "--batch", "4",
            "--held-out", "0.2", "--threads", "1", "--out", P(output), .. more];
    }

    private static bool HasRow(string checkpoint, string name, double[] row)
    {
        double[] table = SafeTensors.Read(checkpoint).Tensors[name].Data;
        return Enumerable.Range(0, table.Length / 4).Any(r => table.Skip(r * 4).Take(4).SequenceEqual(row));
    }

    [TestCase("recurrent")]
    [TestCase("transformer")]
    public void Both_sides_start_from_word_vectors_frozen(string architecture)
    {
        var (code, stdout, stderr) = Run(Train(architecture, "m.safetensors", "--source-embeddings", P("es.txt"), "--target-embeddings", P("en.txt"), "--freeze-embeddings"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Match(@"embeddings \(source_embedding\.weight\): .*es\.txt \(Word2VecText\): 1 of \d+ tokens found, \d+ initialised as the model does; frozen"));
        Assert.That(stdout, Does.Match(@"embeddings \(target_embedding\.weight\): .*en\.txt \(Word2VecText\): 1 of \d+ tokens found"));
        Assert.That(HasRow(P("m.safetensors"), "source_embedding.weight", Gato), "gato's row is the file's, unchanged by frozen training");
        Assert.That(HasRow(P("m.safetensors"), "target_embedding.weight", Cat), "cat's row is the file's");
    }

    [Test]
    public void A_shared_embedding_a_wrong_width_or_a_freeze_without_a_file_exits_2()
    {
        var (code, _, stderr) = Run(Train("transformer", "shared.safetensors", "--vocabulary", "joint", "--share-embeddings", "--source-embeddings", P("es.txt")));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--source-embeddings").And.Contain("source_embedding.weight").And.Contain("--target-embeddings"));
        File.WriteAllText(P("wide.txt"), "1 3\ngato 1 2 3\n");
        (code, _, stderr) = Run(Train("recurrent", "wide.safetensors", "--source-embeddings", P("wide.txt")));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("wide.txt").And.Contain("3-wide").And.Contain("embedding size is 4"));
        (code, _, stderr) = Run(Train("recurrent", "free.safetensors", "--freeze-embeddings"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--source-embeddings FILE or --target-embeddings FILE"));
        Assert.That(Directory.GetFiles(_dir, "*.safetensors"), Is.Empty, "nothing written for a refused run");
    }
}
