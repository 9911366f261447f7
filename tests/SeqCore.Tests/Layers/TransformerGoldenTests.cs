using System.Numerics;
using System.Text.Json;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Layers.Transformer;
using SeqCore.Random;

using SeqCore.Tests.Support;

namespace SeqCore.Tests.Layers;

/// <summary>
/// Compares TransformerBlock and TransformerStack with PyTorch's nn.TransformerEncoderLayer / nn.TransformerEncoder
/// (files from tests/golden/make_transformer_golden.py): parameters loaded by state_dict name, then the output and
/// every gradient. float32: max|a − b| ≤ 1e-5·max|b| per tensor; double: 1e-10·max|b|.
/// </summary>
public class TransformerGoldenTests
{
    public static IEnumerable<string> Files() =>
        Golden.Names("transformer");

    [TestCaseSource(nameof(Files))]
    public void FloatMatchesPyTorch(string name) => Compare<float>(name, 1e-5);

    [TestCaseSource(nameof(Files))]
    public void DoubleMatchesPyTorch(string name) => Compare<double>(name, 1e-10);

    private static void Compare<T>(string name, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (tensors, metadata) = Golden.Read("transformer", name);
        using var config = JsonDocument.Parse(metadata["config"]);
        var c = config.RootElement;
        var options = new TransformerOptions
        {
            EmbeddingSize = c.GetProperty("dim").GetInt32(), Heads = c.GetProperty("heads").GetInt32(),
            FeedForwardSize = c.GetProperty("feedforward").GetInt32(), NormFirst = c.GetProperty("norm_first").GetBoolean(),
            Causal = c.GetProperty("causal").GetBoolean(), Layers = c.GetProperty("layers").GetInt32(),
            QueryTile = 2, KeyTile = 3, // tiles smaller than T and not dividing it
        };
        int[] lengths = JsonSerializer.Deserialize<int[]>(metadata["lengths"])!;
        bool stack = c.GetProperty("stack").GetBoolean();

        using var be = new CpuBackend<T>();
        IHasParameters<T> layer = stack ? new TransformerStack<T>(be, options, new RandomStream(0))
                                        : new TransformerBlock<T>(be, options, new RandomStream(0));
        try
        {
            var expected = tensors.Keys.Where(k => !k.StartsWith("grad.") && k is not ("input" or "output" or "w_output")).Order().ToArray();
            Assert.That(layer.Parameters.Select(p => p.Name).Order().ToArray(), Is.EqualTo(expected), "state_dict names");
            foreach (var p in layer.Parameters)
            {
                Assert.That(p.Value.Shape.ToArray(), Is.EqualTo(tensors[p.Name].Shape), p.Name);
                be.CopyFromHost(tensors[p.Name].Data.Select(T.CreateTruncating).ToArray(), p.Value);
            }
            Tensor<T> Load(string key) => be.FromHost(tensors[key].Data.Select(T.CreateTruncating).ToArray(), tensors[key].Shape);
            using var x = Load("input");
            using var dy = Load("w_output");
            using var y = be.Allocate(x.Shape.ToArray());
            using var dx = be.Allocate(x.Shape.ToArray());
            if (layer is TransformerStack<T> s) { s.Forward(x, lengths, y); s.Backward(dy, dx); }
            else { var b = (TransformerBlock<T>)layer; b.Forward(x, lengths, y); b.Backward(dy, dx); }

            var actual = new List<(string, Tensor<T>)> { ("output", y), ("grad.input", dx) };
            actual.AddRange(layer.Parameters.Select(p => ("grad." + p.Name, p.Gradient)));
            Golden.AssertMatches(be, name, actual, tensors, tolerance);
        }
        finally { ((IDisposable)layer).Dispose(); }
    }
}
