using System.Text;
using SeqCore.Cpu;
using SeqCore.IO;

namespace SeqCore.Tests.IO;

/// <summary>Word-vector files: each format round-trips exactly, the format is detected, bad files are refused with the
/// file and line named, and rows are copied into an embedding by token.</summary>
public class WordVectorsTests
{
    private static string Temp(string name) => Path.Combine(TestContext.CurrentContext.WorkDirectory, "wordvectors", TestContext.CurrentContext.Test.Name, name);

    private static WordVectors Sample() =>
        new(["the", "king", "ñandú", "queen"], 3, [0.1f, -2.5e-7f, 3f, 1e10f, -0.333333343f, 0f, 7f, 8f, -9f, float.Epsilon, 1f / 3, -1f]);

    [TestCase(WordVectorFormat.Word2VecText)]
    [TestCase(WordVectorFormat.Word2VecBinary)]
    [TestCase(WordVectorFormat.GloveText)]
    public void Each_format_round_trips_exactly_and_is_detected(WordVectorFormat format)
    {
        var original = Sample();
        string path = Temp($"v.{format}");
        original.Write(path, format);
        Assert.That(WordVectors.Detect(path), Is.EqualTo(format));
        var read = WordVectors.Read(path, format);
        Assert.That(read.Words, Is.EqualTo(original.Words));
        Assert.That(read.Dimension, Is.EqualTo(3));
        for (int i = 0; i < original.Words.Count; i++) Assert.That(read.Vector(i).ToArray(), Is.EqualTo(original.Vector(i).ToArray()), original.Words[i]);
    }

    [TestCase("2 3\na 1 2 3\nb 1.25 2.5\n", ":3:", "has 2 values, expected 3")]
    [TestCase("a 1 2 3\nb 1 x 3\n", ":2:", "not a number")]
    [TestCase("3 2\na 1.5 2.5\nb 3.5 4.5\n", ":3:", "announces 3 words, but the file holds 2")]
    [TestCase("1 2\na 1 2\nb 3 4\n", ":3:", "announces 1 words, but the file holds more")]
    [TestCase("a 1 2\nb 3 4\na 5 6\n", ":3:", "appears twice (first on line 1)")]
    [TestCase("a 1 2\nb NaN 4\n", ":2:", "not finite")]
    [TestCase("a 1 2\nb 1e39 4\n", ":2:", "not finite")]
    [TestCase("2000000000 300\na 1 2\n", ":1:", "more than the file's")]
    [TestCase("2 0\n", ":1:", "dimension 0")]
    public void Bad_text_files_name_the_file_and_line(string text, string line, string fault)
    {
        string path = Temp("bad.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        var format = text.Split('\n')[0].Split(' ').Length == 2 ? WordVectorFormat.Word2VecText : WordVectorFormat.GloveText;
        var e = Assert.Throws<InvalidDataException>(() => WordVectors.Read(path, format))!;
        Assert.That(e.Message, Does.Contain(Path.GetFullPath(path) + line).And.Contain(fault));
    }

    [Test]
    public void Bad_binary_files_name_the_entry_and_an_oversized_header_is_refused_before_allocating()
    {
        string path = Temp("bad.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Header claims a billion 1000-wide vectors in a file of a few bytes: refused from the size alone.
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("1000000000 1000\nab "));
        Assert.That(Assert.Throws<InvalidDataException>(() => WordVectors.Read(path, WordVectorFormat.Word2VecBinary))!.Message,
            Does.Contain(":1:").And.Contain("more than the file's"));
        // A truncated vector.
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("1 2\nab "), .. BitConverter.GetBytes(1f), 0, 0, 0, 0, .. Encoding.ASCII.GetBytes("\n"), 0, 0]);
        Assert.That(Assert.Throws<InvalidDataException>(() => WordVectors.Read(path, WordVectorFormat.Word2VecBinary))!.Message, Does.Contain("data after the 1 words"));
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("2 1\nab "), .. BitConverter.GetBytes(1f), .. Encoding.ASCII.GetBytes("\nab "), .. BitConverter.GetBytes(2f)]);
        Assert.That(Assert.Throws<InvalidDataException>(() => WordVectors.Read(path, WordVectorFormat.Word2VecBinary))!.Message, Does.Contain("entry 2").And.Contain("appears twice"));
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("1 1\nab "), .. BitConverter.GetBytes(float.PositiveInfinity)]);
        Assert.That(Assert.Throws<InvalidDataException>(() => WordVectors.Read(path, WordVectorFormat.Word2VecBinary))!.Message, Does.Contain("entry 1").And.Contain("not finite"));
    }

    [Test]
    public void CopyInto_fills_the_rows_of_known_tokens_lower_casing_when_needed_and_leaves_the_rest()
    {
        using var be = new CpuBackend<float>();
        using var table = be.Allocate(4, 3);
        be.Fill(5f, table);
        var (found, missing) = Sample().CopyInto(be, table, ["King", "unknown", "the"]);
        Assert.That((found, missing), Is.EqualTo((2, 1)));
        var host = be.ToArray(table);
        Assert.That(host[..3], Is.EqualTo(Sample().Vector(1).ToArray()));
        Assert.That(host[3..6], Is.All.EqualTo(5f));
        Assert.That(host[6..9], Is.EqualTo(Sample().Vector(0).ToArray()));
        Assert.That(host[9..], Is.All.EqualTo(5f), "the row past the tokens (padding) is left alone");
        Assert.Throws<ArgumentException>(() => Sample().CopyInto(be, table, ["a", "b", "c", "d", "e"]));
    }
}
