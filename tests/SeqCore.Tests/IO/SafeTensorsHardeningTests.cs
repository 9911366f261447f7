using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using SeqCore.Cli;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Models;
using SeqCore.Text;

namespace SeqCore.Tests.IO;

/// <summary>
/// Hostile and corrupt safetensors files: each is refused with an <see cref="InvalidDataException"/> naming the file
/// and the tensor or key, with a bounded message, and without reading more of the file than the header; non-finite
/// weights are refused by <see cref="Checkpoint.Load{T}"/> and therefore by the CLI (exit 2).
/// </summary>
public class SafeTensorsHardeningTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "seqcore-st-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() { try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } }

    /// <summary>Writes a file from a header given as JSON text and the raw data section.</summary>
    private string WriteFile(string header, byte[]? data = null, string name = "t.safetensors")
    {
        string path = Path.Combine(_dir, name);
        byte[] json = Encoding.UTF8.GetBytes(header);
        using var f = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, json.Length);
        f.Write(length);
        f.Write(json);
        f.Write(data ?? []);
        return path;
    }

    /// <summary>Found by the CLI fuzz test: a header that is not UTF-8 used to escape as an InvalidOperationException
    /// (exit 1); it is refused like any other corrupt header, by the full reader and by the metadata reader.</summary>
    [Test]
    public void AHeaderThatIsNotUtf8IsRefused()
    {
        string path = WriteFile("{\"__metadata__\":{\"k\":\"v\"}}");
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8 + 17] = 0xFF; // inside the key "k"
        File.WriteAllBytes(path, bytes);
        AssertRefused(path, "UTF-8");
        Assert.That(() => Checkpoint.ReadMetadata(path), Throws.TypeOf<InvalidDataException>().With.Message.Contains("UTF-8"));
    }

    private static string AssertRefused(string path, params string[] mentions)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.StartWith(path));
        foreach (var m in mentions) Assert.That(e.Message, Does.Contain(m));
        return e.Message;
    }

    /// <summary>A sparse file of <paramref name="length"/> bytes whose first 8 bytes claim a header of
    /// <paramref name="headerLength"/> bytes; reading it must fail at once and allocate next to nothing.</summary>
    private void AssertFailsFast(long length, long headerLength, string mention)
    {
        string path = Path.Combine(_dir, "sparse.safetensors");
        using (var f = new FileStream(path, FileMode.Create))
        {
            f.SetLength(length);
            var prefix = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(prefix, headerLength);
            f.Write(prefix);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        AssertRefused(path, headerLength.ToString(System.Globalization.CultureInfo.InvariantCulture), mention);
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(1), "refused before reading the file");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocated, Is.LessThan(1 << 20), "the file's bytes are never loaded");
    }

    [Test]
    public void HeaderLengthLargerThanTheFileFailsFast() => AssertFailsFast(1L << 30, (1L << 30) + 1, "does not fit");

    [Test]
    public void HeaderLengthOverTheCapFailsFast() => AssertFailsFast(SafeTensors.MaxHeaderBytes + 1000, SafeTensors.MaxHeaderBytes + 1, "limit");

    private const string A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    [Test]
    public void OverlappingOffsetsAreRefused()
    {
        string path = WriteFile("{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        AssertRefused(path, "'b'", "overlaps", "'a'");
    }

    [Test]
    public void AliasedOffsetsAreRefused()
    {
        string path = WriteFile("{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
        AssertRefused(path, "overlaps");
    }

    [Test]
    public void GappedOffsetsAreRefused()
    {
        string path = WriteFile("{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", new byte[16]);
        AssertRefused(path, "'b'", "gaps");
    }

    [Test]
    public void BytesAfterTheLastTensorAreRefused()
    {
        string path = WriteFile("{" + A + "}", new byte[12]);
        AssertRefused(path, "4 bytes follow the last tensor");
    }

    [Test]
    public void OffsetsPastTheEndAreRefused()
    {
        string path = WriteFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]);
        AssertRefused(path, "'a'", "past the end");
    }

    [TestCase("[2147483647,2147483647,2147483647]", "overflows 64 bits")]
    [TestCase("[2147483647,2147483647]", "overflows 64 bits")] // the element count fits; its size in bytes does not
    [TestCase("[65536,65536]", "more than the")]
    [TestCase("[-1]", "shape entry 0")]
    [TestCase("[2147483648]", "shape entry 0")]
    [TestCase("[1.5]", "shape entry 0")]
    public void BadShapesAreRefused(string shape, string mention)
    {
        string path = WriteFile($"{{\"a\":{{\"dtype\":\"F64\",\"shape\":{shape},\"data_offsets\":[0,8]}}}}", new byte[8]);
        AssertRefused(path, "'a'", mention);
    }

    [TestCase("{" + A + "," + A + "}", "the header has the key 'a' twice")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor 'a' has the key 'dtype' twice")]
    [TestCase("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}," + A + "}", "'__metadata__' has the key 'k' twice")]
    [TestCase("{\"__metadata__\":{},\"__metadata__\":{}," + A + "}", "the header has the key '__metadata__' twice")]
    public void DuplicateKeysAreRefused(string header, string mention) => AssertRefused(WriteFile(header, new byte[8]), mention);

    [TestCase("[\"k\"]", "'__metadata__' is a JSON array")]
    [TestCase("\"k\"", "'__metadata__' is a JSON string")]
    [TestCase("{\"k\":1}", "key 'k' holds a JSON number")]
    [TestCase("{\"k\":{\"nested\":\"v\"}}", "key 'k' holds a JSON object")]
    [TestCase("{\"k\":null}", "key 'k' holds a JSON null")]
    public void MetadataMustBeAnObjectOfStrings(string metadata, string mention) =>
        AssertRefused(WriteFile("{\"__metadata__\":" + metadata + "," + A + "}", new byte[8]), mention);

    [TestCase("{\"a\":[1,2]}", "'a' needs dtype")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", "'a' has data_offsets [0]")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", "'a' has data_offsets")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", "do not match its size")]
    [TestCase("[1]", "not a JSON object but a JSON array")]
    public void MalformedEntriesAreRefused(string header, string mention) => AssertRefused(WriteFile(header, new byte[8]), mention);

    [Test]
    public void ValuesFromTheFileAreQuotedAtMost200Characters()
    {
        string longName = new('n', 100_000), longDType = new('D', 100_000);
        string m1 = AssertRefused(WriteFile($"{{\"{longName}\":{{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}}}", name: "n.safetensors"), "(100000 characters)");
        string m2 = AssertRefused(WriteFile($"{{\"a\":{{\"dtype\":\"{longDType}\",\"shape\":[],\"data_offsets\":[0,0]}}}}", name: "d.safetensors"), "'a'");
        string m3 = AssertRefused(WriteFile($"{{\"a\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", Enumerable.Repeat(1, 50_000))}],\"data_offsets\":[0,8]}}}}",
            new byte[8], name: "s.safetensors"), "'a'", "do not match its size");
        foreach (var m in new[] { m1, m2, m3 }) Assert.That(m.Length, Is.LessThan(_dir.Length + 600), m);
    }

    [Test]
    public void ManyUnexpectedTensorsAreListedBriefly()
    {
        using var be = new CpuBackend<float>();
        string path = Path.Combine(_dir, "many.safetensors");
        SafeTensors.Write(path, Enumerable.Range(0, 1000).Select(i => ($"extra{i:D4}", new[] { 1 }, new double[] { i })));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, be, Array.Empty<SeqCore.Layers.Parameter<float>>()))!;
        Assert.That(e.Message, Does.Contain("'extra0009' and 990 more"));
        Assert.That(e.Message, Does.Not.Contain("extra0010"));
    }

    [Test]
    public void ZeroSizeTensorsAndAnEmptyFileAreRead()
    {
        var (tensors, metadata) = SafeTensors.Read(WriteFile("{\"__metadata__\":{\"k\":\"v\"},\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]}," +
            "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", BitConverter.GetBytes(2.5f)));
        Assert.That(tensors["e"].Data, Is.Empty);
        Assert.That(tensors["a"].Data, Is.EqualTo(new[] { 2.5 }));
        Assert.That(metadata["k"], Is.EqualTo("v"));
        Assert.That(SafeTensors.Read(WriteFile("{}", name: "empty.safetensors")).Tensors, Is.Empty);
    }

    // ---- non-finite weights ----

    private static LanguageModel<float> SmallModel(CpuBackend<float> be)
    {
        var tok = CharTokenizer.Train(LanguageModelTests.Text);
        return new LanguageModel<float>(be, LanguageModelTests.Small("lstm", tok.VocabularySize), new RandomStream(3)) { Tokenizer = tok };
    }

    /// <summary>Saves <paramref name="model"/> with <paramref name="value"/> at flat index 5 of its second parameter
    /// (as F64 when <paramref name="float64"/>); returns the file and that parameter's name.</summary>
    private (string Path, string Tensor) SaveWith(LanguageModel<float> model, double value, bool float64 = false)
    {
        string path = Path.Combine(_dir, "bad.safetensors");
        model.Save(path);
        var (tensors, metadata) = SafeTensors.Read(path);
        var weights = tensors.Values.Select(t => (t.Name, t.Shape, t.Data)).ToList();
        string name = model.Parameters[1].Name;
        tensors[name].Data[5] = value;
        SafeTensors.Write(path, weights, metadata, float64);
        return (path, name);
    }

    [TestCase(double.NaN, false, "NaN")]
    [TestCase(double.PositiveInfinity, false, "Infinity")]
    [TestCase(double.NegativeInfinity, false, "-Infinity")]
    [TestCase(1e300, true, "beyond the range of float")]
    public void NonFiniteWeightsAreRefusedUnlessAllowed(double value, bool float64, string mention)
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        using var model = SmallModel(be);
        var (path, tensor) = SaveWith(model, value, float64);
        var before = model.Parameters.Select(p => be.ToArray(p.Value)).ToList();
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, be, model.Parameters))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.StartWith(path).And.Contain($"'{tensor}'").And.Contain("flat index 5").And.Contain(mention));
        Assert.That(model.Parameters.Select(p => be.ToArray(p.Value)), Is.EqualTo(before), "nothing copied");

        Checkpoint.Load(path, be, model.Parameters, allowNonFinite: true);
        float loaded = be.ToArray(model.Parameters[1].Value)[5];
        Assert.That(float.IsFinite(loaded), Is.False);
    }

    [Test]
    public void EvalOfACheckpointWithNaNExitsWith2NamingTheTensor()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        using var model = SmallModel(be);
        var (path, tensor) = SaveWith(model, double.NaN);
        string corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(corpus, LanguageModelTests.Text);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(["eval", "--model", path, "--corpus", corpus, "--threads", "1"], stdout, stderr);
        TestContext.Out.WriteLine(stderr.ToString());
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr.ToString(), Does.Contain($"'{tensor}'").And.Contain("NaN").And.Contain("flat index 5"));
        Assert.That(stderr.ToString().Trim().Split('\n'), Has.Length.EqualTo(1), "one line");

        // --allow-non-finite loads it anyway, for debugging: the score is then NaN, said as it is.
        stdout = new StringWriter();
        stderr = new StringWriter();
        code = CliApp.Run(["eval", "--model", path, "--corpus", corpus, "--threads", "1", "--allow-non-finite", "--json"], stdout, stderr);
        Assert.That(code, Is.Zero, stderr.ToString());
        Assert.That(stdout.ToString(), Does.Contain("\"nll\":\"NaN\"").Or.Contain("\"nll\":NaN"));
    }
}
