using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using System.Text;
using System.Text.Json;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Layers.Recurrent;
using SeqCore.Layers.Transformer;
using SeqCore.Random;
using SeqCore.Tests.Support;
using SeqCore.Text;

namespace SeqCore.Tests.IO;

/// <summary>
/// Checkpoint: round trips of real layers, metadata, every error case (each an InvalidDataException naming the file
/// and the tensor), atomic saves, and interop with PyTorch both ways: files written by
/// tests/golden/make_checkpoint_golden.py load into SeqCore layers and reproduce PyTorch's output, and a SeqCore file
/// loads into torch.nn.LSTM (strict) through tests/golden/check_seqcore_checkpoint.py when torch is installed.
/// </summary>
public class CheckpointTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "seqcore-ckpt-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() { try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } }

    private static readonly RecurrentOptions Lstm = new() { InputSize = 8, HiddenSize = 16, Layers = 2, Bidirectional = true };
    private static readonly TransformerOptions Encoder = new() { EmbeddingSize = 16, Heads = 2, FeedForwardSize = 32, NormFirst = true, Causal = false, Layers = 2 };

    private static Dictionary<string, string> Config(object config) => new() { [Checkpoint.ConfigKey] = JsonSerializer.Serialize(config) };

    private static T[] Host<T>(IBackend<T> be, Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = new T[t.Length];
        be.CopyToHost(t, a);
        return a;
    }

    /// <summary>Gives every parameter distinct values (LayerNorm starts at 1/0, which would hide mix-ups).</summary>
    private static void Randomise<T>(IBackend<T> be, IEnumerable<Parameter<T>> ps, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new System.Random(seed);
        foreach (var p in ps)
            be.CopyFromHost(Enumerable.Range(0, (int)p.Value.Length).Select(_ => T.CreateTruncating(rng.NextDouble() * 2 - 1)).ToArray(), p.Value);
    }

    private void RoundTrip<T>(Func<CpuBackend<T>, int, IHasParameters<T>> make, bool float32) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var be = new CpuBackend<T>();
        var a = make(be, 1);
        var b = make(be, 2);
        try
        {
            Randomise(be, a.Parameters, 5);
            string path = Path.Combine(_dir, "model.safetensors");
            Checkpoint.Save(path, be, a.Parameters, Config(new { kind = "test" }), float32: float32);
            var (tensors, _) = SafeTensors.Read(path);
            string dtype = typeof(T) == typeof(double) && !float32 ? "F64" : "F32";
            Assert.That(tensors.Values.Select(t => t.DType).Distinct(), Is.EqualTo(new[] { dtype }));
            Assert.That(tensors.Keys.Order(), Is.EqualTo(a.Parameters.Select(p => p.Name).Order()));
            Checkpoint.Load(path, be, b.Parameters);
            foreach (var (p, q) in a.Parameters.Zip(b.Parameters))
            {
                T[] expected = Host(be, p.Value);
                if (float32) expected = expected.Select(v => T.CreateTruncating(float.CreateTruncating(v))).ToArray();
                Assert.That(Host(be, q.Value), Is.EqualTo(expected), p.Name); // bit-exact
            }
        }
        finally { ((IDisposable)a).Dispose(); ((IDisposable)b).Dispose(); }
    }

    private static RecurrentLayer<T> MakeLstm<T>(CpuBackend<T> be, int seed) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(be, Lstm, new RandomStream((ulong)seed));

    private static TransformerStack<T> MakeEncoder<T>(CpuBackend<T> be, int seed) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(be, Encoder, new RandomStream((ulong)seed));

    [Test] public void LstmRoundTripDouble() => RoundTrip<double>(MakeLstm, float32: false);
    [Test] public void LstmRoundTripFloat() => RoundTrip<float>(MakeLstm, float32: false);
    [Test] public void LstmRoundTripDoubleAsF32() => RoundTrip<double>(MakeLstm, float32: true);
    [Test] public void TransformerRoundTripDouble() => RoundTrip<double>(MakeEncoder, float32: false);
    [Test] public void TransformerRoundTripFloat() => RoundTrip<float>(MakeEncoder, float32: false);

    [Test]
    public void MetadataRoundTrip()
    {
        using var be = new CpuBackend<float>();
        using var lstm = MakeLstm(be, 1);
        var tokenizer = CharTokenizer.Train("hello checkpoint world", unknownToken: "<unk>");
        string tokPath = Path.Combine(_dir, "tok.json");
        tokenizer.Save(tokPath);
        string tokJson = File.ReadAllText(tokPath);
        string config = JsonSerializer.Serialize(new { input_size = 8, hidden_size = 16, note = "ünïcode \"quoted\"" });
        var meta = new Dictionary<string, string> { [Checkpoint.ConfigKey] = config, ["user.key"] = "value" };
        string path = Path.Combine(_dir, "m.safetensors");
        Checkpoint.Save(path, be, lstm.Parameters, meta, tokJson);

        var read = Checkpoint.ReadMetadata(path);
        Assert.That(read[Checkpoint.FormatKey], Is.EqualTo(Checkpoint.FormatName));
        Assert.That(read[Checkpoint.VersionKey], Is.EqualTo(Checkpoint.FormatVersion));
        Assert.That(read[Checkpoint.DTypeKey], Is.EqualTo("float"));
        Assert.That(read[Checkpoint.ConfigKey], Is.EqualTo(config));
        Assert.That(read["user.key"], Is.EqualTo("value"));
        Assert.That(read[Checkpoint.TokenizerKey], Is.EqualTo(tokJson));
        Assert.That(Checkpoint.Load(path, be, lstm.Parameters)[Checkpoint.ConfigKey], Is.EqualTo(config));

        string tokBack = Path.Combine(_dir, "tok2.json");
        File.WriteAllText(tokBack, read[Checkpoint.TokenizerKey]);
        Assert.That(TokenizerFile.Load(tokBack).Encode("hello world?"), Is.EqualTo(tokenizer.Encode("hello world?")));
    }

    // ---- errors ----

    private (CpuBackend<float> Be, RecurrentLayer<float> Layer, string Path) Saved()
    {
        var be = new CpuBackend<float>();
        var layer = MakeLstm(be, 1);
        string path = Path.Combine(_dir, "e.safetensors");
        Checkpoint.Save(path, be, layer.Parameters, Config(new { }));
        return (be, layer, path);
    }

    private static void AssertError(Action load, string path, params string[] mentions)
    {
        var e = Assert.Throws<InvalidDataException>(() => load())!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain(path));
        foreach (var m in mentions) Assert.That(e.Message, Does.Contain(m));
    }

    [Test]
    public void TruncatedFileIsReported()
    {
        var (be, layer, path) = Saved();
        using var _ = be; using var __ = layer;
        byte[] bytes = File.ReadAllBytes(path);
        long dataStart = 8 + BinaryPrimitives.ReadInt64LittleEndian(bytes);
        string cut = Path.Combine(_dir, "cut.safetensors");
        foreach (long n in new long[] { 0, 3, 8, 20, dataStart - 1, dataStart, dataStart + 100, bytes.Length / 2, bytes.Length - 1 })
        {
            File.WriteAllBytes(cut, bytes.AsSpan(0, (int)n).ToArray());
            var mentions = n >= dataStart ? new[] { "tensor '" } : [];
            AssertError(() => Checkpoint.Load(cut, be, layer.Parameters), cut, mentions);
        }
    }

    [Test]
    public void CorruptHeaderIsReported()
    {
        var (be, layer, path) = Saved();
        using var _ = be; using var __ = layer;
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'X'; // the opening brace of the JSON header
        File.WriteAllBytes(path, bytes);
        AssertError(() => Checkpoint.Load(path, be, layer.Parameters), path, "JSON");
        AssertError(() => Checkpoint.ReadMetadata(path), path);
    }

    [Test]
    public void BadOffsetsNameTheTensor()
    {
        var (be, layer, path) = Saved();
        using var _ = be; using var __ = layer;
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        string name = layer.Parameters[0].Name, shape = $"\"shape\":[{string.Join(",", layer.Parameters[0].Value.Shape.ToArray())}]";
        string changed = header.Replace($"\"{name}\":{{\"dtype\":\"F32\",{shape}", $"\"{name}\":{{\"dtype\":\"F64\",{shape}");
        Assert.That(changed, Is.Not.EqualTo(header), "test setup: header layout");
        Encoding.UTF8.GetBytes(changed).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        AssertError(() => Checkpoint.Load(path, be, layer.Parameters), path, $"'{name}'");
    }

    [Test]
    public void MissingTensorIsReported()
    {
        using var be = new CpuBackend<float>();
        using var layer = MakeLstm(be, 1);
        string path = Path.Combine(_dir, "m.safetensors");
        Checkpoint.Save(path, be, layer.Parameters.Where(p => p.Name != "bias_hh_l1_reverse"), Config(new { }));
        AssertError(() => Checkpoint.Load(path, be, layer.Parameters), path, "missing", "'bias_hh_l1_reverse'");
    }

    [Test]
    public void ExtraTensorIsReportedUnlessAllowed()
    {
        using var be = new CpuBackend<float>();
        using var layer = MakeLstm(be, 1);
        string path = Path.Combine(_dir, "x.safetensors");
        var tensors = layer.Parameters.Select(p => (p.Name, p.Value.Shape.ToArray(), Host(be, p.Value).Select(v => (double)v).ToArray()))
            .Append(("extra.weight", new[] { 2 }, new double[] { 1, 2 }));
        SafeTensors.Write(path, tensors);
        AssertError(() => Checkpoint.Load(path, be, layer.Parameters), path, "unexpected", "'extra.weight'");
        Assert.DoesNotThrow(() => Checkpoint.Load(path, be, layer.Parameters, allowExtraTensors: true));
    }

    [Test]
    public void WrongShapeIsReportedWithBothShapes()
    {
        using var be = new CpuBackend<float>();
        using var small = new RecurrentLayer<float>(be, Lstm with { HiddenSize = 12 }, new RandomStream(1));
        using var layer = MakeLstm(be, 1);
        string path = Path.Combine(_dir, "s.safetensors");
        Checkpoint.Save(path, be, small.Parameters, Config(new { }));
        AssertError(() => Checkpoint.Load(path, be, layer.Parameters), path, "'weight_ih_l0'", "[48, 8]", "[64, 8]");
    }

    /// <summary>Writes a safetensors file by hand from raw tensor bytes (for dtypes SafeTensors.Write does not produce).</summary>
    private static void WriteRaw(string path, IEnumerable<(string Name, string DType, int[] Shape, byte[] Bytes)> tensors)
    {
        var header = new System.Text.Json.Nodes.JsonObject();
        var data = new MemoryStream();
        foreach (var (name, dtype, shape, bytes) in tensors)
        {
            header[name] = new System.Text.Json.Nodes.JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new System.Text.Json.Nodes.JsonArray(shape.Select(d => (System.Text.Json.Nodes.JsonNode)d).ToArray()),
                ["data_offsets"] = new System.Text.Json.Nodes.JsonArray(data.Length, data.Length + bytes.Length),
            };
            data.Write(bytes);
        }
        byte[] h = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var f = File.Create(path);
        var len = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(len, h.Length);
        f.Write(len); f.Write(h); data.Position = 0; data.CopyTo(f);
    }

    [Test]
    public void WrongDTypeIsReported()
    {
        using var be = new CpuBackend<float>();
        using var layer = MakeLstm(be, 1);
        var p0 = layer.Parameters[0];
        foreach (var (dtype, size) in new[] { ("I32", 4), ("I64", 8), ("F8_E4M3", 1) })
        {
            string path = Path.Combine(_dir, $"d-{dtype}.safetensors");
            WriteRaw(path, layer.Parameters.Select(p => p == p0
                ? (p.Name, dtype, p.Value.Shape.ToArray(), new byte[p.Value.Length * size])
                : (p.Name, "F32", p.Value.Shape.ToArray(), new byte[p.Value.Length * 4])));
            AssertError(() => Checkpoint.Load(path, be, layer.Parameters), path, $"'{p0.Name}'", dtype);
        }
    }

    [Test]
    public void HalfAndBFloat16AreConverted()
    {
        using var be = new CpuBackend<double>();
        using var layer = MakeLstm(be, 1);
        // Values exactly representable in both F16 and BF16 (few mantissa bits, small exponents).
        double Value(int i) => ((i % 17) - 8) / 16.0;
        byte[] Encode(string dtype, long n)
        {
            var bytes = new byte[n * 2];
            for (int i = 0; i < n; i++)
            {
                ushort bits = dtype == "F16" ? BitConverter.HalfToUInt16Bits((Half)Value(i))
                                             : (ushort)(BitConverter.SingleToUInt32Bits((float)Value(i)) >> 16);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), bits);
            }
            return bytes;
        }
        string path = Path.Combine(_dir, "half.safetensors");
        string DType(int i) => i % 2 == 0 ? "F16" : "BF16"; // alternate the two
        WriteRaw(path, layer.Parameters.Select((p, i) => (p.Name, DType(i), p.Value.Shape.ToArray(), Encode(DType(i), p.Value.Length))));
        Checkpoint.Load(path, be, layer.Parameters);
        foreach (var p in layer.Parameters)
            Assert.That(Host(be, p.Value), Is.EqualTo(Enumerable.Range(0, (int)p.Value.Length).Select(Value).ToArray()), p.Name);
    }

    [Test]
    public void FailedLoadLeavesParametersUntouched()
    {
        using var be = new CpuBackend<float>();
        using var layer = MakeLstm(be, 1);
        using var other = MakeLstm(be, 2);
        string path = Path.Combine(_dir, "p.safetensors");
        Checkpoint.Save(path, be, other.Parameters.Where(p => p.Name != "bias_hh_l1_reverse"), Config(new { }));
        var before = layer.Parameters.Select(p => Host(be, p.Value)).ToArray();
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, be, layer.Parameters));
        Assert.That(layer.Parameters.Select(p => Host(be, p.Value)), Is.EqualTo(before));
    }

    [Test]
    public void FailedSaveLeavesNoFile()
    {
        using var be = new CpuBackend<float>();
        using var layer = MakeLstm(be, 1);
        string missingDir = Path.Combine(_dir, "no-such-dir", "m.safetensors");
        Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Save(missingDir, be, layer.Parameters, Config(new { })));
        Assert.That(Directory.Exists(Path.Combine(_dir, "no-such-dir")), Is.False);

        string path = Path.Combine(_dir, "dup.safetensors");
        var twice = layer.Parameters.Concat(layer.Parameters.Take(1));
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(path, be, twice, Config(new { })));
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [("w", new[] { 2, 3 }, new double[5])]));
        Assert.That(Directory.GetFiles(_dir), Is.Empty, "no file and no temporary file");

        // A failed save over an existing checkpoint keeps the old file intact.
        Checkpoint.Save(path, be, layer.Parameters, Config(new { }));
        byte[] old = File.ReadAllBytes(path);
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(path, be, twice, Config(new { })));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(old));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));
    }

    // ---- interop with PyTorch ----

    [Test] public void PyTorchLstmLoadsFloat() => PyTorchLstm<float>(1e-5);
    [Test] public void PyTorchLstmLoadsDouble() => PyTorchLstm<double>(1e-10);
    [Test] public void PyTorchTransformerLoadsFloat() => PyTorchTransformer<float>(1e-5);
    [Test] public void PyTorchTransformerLoadsDouble() => PyTorchTransformer<double>(1e-10);

    private static string GoldenPath(string name) => Path.Combine(Golden.Folder("checkpoint"), name + ".safetensors");

    private static void PyTorchLstm<T>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string path = GoldenPath("lstm");
        using var be = new CpuBackend<T>();
        using var layer = MakeLstm(be, 3);
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, be, layer.Parameters), "input/output are extra tensors");
        Checkpoint.Load(path, be, layer.Parameters, allowExtraTensors: true);
        var (tensors, _) = SafeTensors.Read(path);
        Assert.That(tensors["weight_ih_l0"].DType, Is.EqualTo("F32"));
        using var x = be.FromHost(Golden.ToT<T>(tensors["input"].Data), tensors["input"].Shape);
        using var y = be.Allocate(tensors["output"].Shape);
        layer.Forward(x, [], null, null, y, null, null);
        Golden.AssertMatches(be, "checkpoint/lstm", [("output", y)], tensors, tolerance);
    }

    private static void PyTorchTransformer<T>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string path = GoldenPath("transformer");
        using var be = new CpuBackend<T>();
        using var stack = MakeEncoder(be, 3);
        Checkpoint.Load(path, be, stack.Parameters, allowExtraTensors: true);
        var (tensors, _) = SafeTensors.Read(path);
        Assert.That(tensors.Keys.Except(["input", "output"]).Order(), Is.EqualTo(stack.Parameters.Select(p => p.Name).Order()));
        using var x = be.FromHost(Golden.ToT<T>(tensors["input"].Data), tensors["input"].Shape);
        using var y = be.Allocate(tensors["output"].Shape);
        stack.Forward(x, [], y);
        Golden.AssertMatches(be, "checkpoint/transformer", [("output", y)], tensors, tolerance);
    }

    private static string? FindScript(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "tests", "golden", name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    [Test]
    public void PyTorchReadsSeqCoreLstm()
    {
        const string python = "/usr/bin/python3";
        string? script = FindScript("check_seqcore_checkpoint.py");
        if (script is null) Assert.Ignore("tests/golden/check_seqcore_checkpoint.py not found above the test binaries.");
        if (!File.Exists(python)) Assert.Ignore($"{python} is not installed.");
        var probe = Run(python, "-c \"import torch\"", 60);
        if (probe.Code != 0) Assert.Ignore($"{python} has no torch: {probe.Err.Trim()}");

        using var be = new CpuBackend<double>();
        using var layer = MakeLstm(be, 1);
        Randomise(be, layer.Parameters, 9);
        string model = Path.Combine(_dir, "seqcore-lstm.safetensors"), input = Path.Combine(_dir, "input.safetensors");
        Checkpoint.Save(model, be, layer.Parameters, Config(new { input_size = 8, hidden_size = 16, num_layers = 2, bidirectional = true }));
        var rng = new System.Random(4);
        double[] xs = Enumerable.Range(0, 4 * 2 * 8).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        SafeTensors.Write(input, [("input", new[] { 4, 2, 8 }, xs)], float64: true);

        var r = Run(python, $"\"{script}\" \"{model}\" \"{input}\"", 120);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        double[] torchOut = JsonSerializer.Deserialize<double[]>(r.Out)!;

        using var x = be.FromHost(xs, 4, 2, 8);
        using var y = be.Allocate(4, 2, 32);
        layer.Forward(x, [], null, null, y, null, null);
        double[] ours = Host(be, y);
        Assert.That(torchOut, Has.Length.EqualTo(ours.Length));
        double scale = ours.Max(Math.Abs), worst = ours.Zip(torchOut, (a, b) => Math.Abs(a - b)).Max();
        TestContext.Out.WriteLine($"PyTorch vs SeqCore, LSTM from a SeqCore checkpoint: max|a−b|/max|b| = {worst / scale:E2}");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-10 * scale));
    }

    private static (int Code, string Out, string Err) Run(string file, string args, int timeoutSeconds)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(timeoutSeconds * 1000)) { p.Kill(); return (-1, output, "timed out"); }
        return (p.ExitCode, output, err.Result);
    }
}
