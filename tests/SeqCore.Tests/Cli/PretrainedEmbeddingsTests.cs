using SeqCore.IO;
using static SeqCore.Tests.Support.CliRunner;

namespace SeqCore.Tests.Cli;

/// <summary><c>word2vec export</c> in each format and <c>train --embeddings [--freeze-embeddings]</c>: rows copied,
/// frozen rows unchanged by training, fine-tuned ones moved, and bad files or widths refused with exit code 2.</summary>
[NonParallelizable]
public class PretrainedEmbeddingsTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"seqcore-emb-{Guid.NewGuid():N}"));
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private string Corpus()
    {
        string path = P("corpus.txt");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log.\n", 40)));
        return path;
    }

    private string[] Train(string corpus, string outPath, params string[] more) =>
        ["train", "--corpus", corpus, "--tokenizer", "word", "--steps", "15", "--hidden", "16", "--embedding", "8", "--batch", "4", "--bptt", "8",
         "--lr", "0.05", "--eval-every", "0", "--threads", "1", "--out", outPath, .. more];

    private static double[] Embedding(string checkpoint) => SafeTensors.Read(checkpoint).Tensors["embedding.weight"].Data;

    [Test]
    public void Word2vec_export_writes_each_format_and_train_starts_from_it_frozen_or_fine_tuned()
    {
        string corpus = Corpus();
        string w2v = P("w2v.safetensors");
        Assert.That(Run(["word2vec", "train", "--architecture", "cbow", "--corpus", corpus, "--dim", "8", "--min-count", "1", "--steps", "20", "--batch", "16", "--threads", "1", "--out", w2v]).Code, Is.Zero);
        WordVectors? first = null;
        foreach (var (name, format) in new[] { ("word2vec", WordVectorFormat.Word2VecText), ("word2vec-binary", WordVectorFormat.Word2VecBinary), ("glove", WordVectorFormat.GloveText) })
        {
            var (code, stdout, stderr) = Run(["word2vec", "export", "--model", w2v, "--out", P($"v.{name}"), "--format", name]);
            Assert.That(code, Is.Zero, stderr);
            Assert.That(stdout, Does.Contain("8 (" + name + ")").Or.Contain("× 8"));
            var read = WordVectors.Read(P($"v.{name}"), format);
            first ??= read;
            Assert.That(read.Words, Is.EqualTo(first.Words));
            for (int i = 0; i < read.Words.Count; i++) Assert.That(read.Vector(i).ToArray(), Is.EqualTo(first.Vector(i).ToArray()));
        }
        var vectors = first!;

        var frozen = Run(Train(corpus, P("frozen.safetensors"), "--embeddings", P("v.word2vec-binary"), "--freeze-embeddings"));
        Assert.That(frozen.Code, Is.Zero, frozen.Err);
        Assert.That(frozen.Out, Does.Match(@"embeddings: .*: \d+ of \d+ tokens found, \d+ initialised as the model does; frozen"));
        var tuned = Run(Train(corpus, P("tuned.safetensors"), "--embeddings", P("v.glove")));
        Assert.That(tuned.Code, Is.Zero, tuned.Err);
        Assert.That(tuned.Out, Does.Contain("fine-tuned"));

        // The word tokenizer's tokens: the file's words that the corpus has ("the", "cat" …) must sit in the rows.
        double[] f = Embedding(P("frozen.safetensors")), t = Embedding(P("tuned.safetensors"));
        var rows = Enumerable.Range(0, f.Length / 8).Select(r => f.Skip(r * 8).Take(8).ToArray()).ToArray();
        for (int w = 0; w < vectors.Words.Count; w++)
        {
            double[] v = vectors.Vector(w).ToArray().Select(x => (double)x).ToArray();
            Assert.That(rows.Any(r => r.SequenceEqual(v)), vectors.Words[w] + ": its row is the file's, unchanged by frozen training");
        }
        Assert.That(t, Is.Not.EqualTo(f), "the same start fine-tuned moved");
    }

    [Test]
    public void A_bad_file_or_width_exits_2_naming_the_file_and_line_or_both_widths()
    {
        string corpus = Corpus();
        File.WriteAllText(P("wide.txt"), "2 5\nthe 1 2 3 4 5\ncat 1 2 3 4 5\n");
        var (code, _, err) = Run(Train(corpus, P("m.safetensors"), "--embeddings", P("wide.txt")));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("wide.txt").And.Contain("5-wide").And.Contain("embedding size is 8"));
        File.WriteAllText(P("bad.txt"), "the 1 2 3 4 5 6 7 8\ncat 1 2 x 4 5 6 7 8\n");
        (code, _, err) = Run(Train(corpus, P("m.safetensors"), "--embeddings", P("bad.txt")));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("bad.txt:2:").And.Contain("not a number"));
        (code, _, err) = Run(Train(corpus, P("m.safetensors"), "--freeze-embeddings"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--freeze-embeddings needs --embeddings"));
        Assert.That(File.Exists(P("m.safetensors")), Is.False, "nothing written");
        (code, _, err) = Run(["word2vec", "export", "--model", P("none.safetensors"), "--out", P("x.txt")]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("none.safetensors"));
    }
}
