using System.Numerics;
using System.Text.Json;
using SeqCore.Cpu;
using SeqCore.Layers;
using SeqCore.Layers.Transformer;
using SeqCore.Random;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Layers;

/// <summary>
/// Compares TransformerDecoderBlock and TransformerDecoderStack with PyTorch's nn.TransformerDecoderLayer /
/// nn.TransformerDecoder (causal tgt_mask, memory_key_padding_mask; files from
/// tests/golden/make_transformer_seq2seq_golden.py): parameters loaded by state_dict name, then the output and every
/// gradient, the memory's included. float32: max|a − b| ≤ 1e-5·max|b| per tensor; double: 1e-10·max|b|.
/// </summary>
public class TransformerDecoderGoldenTests
{
    public static IEnumerable<string> Files() => Golden.Names("transformer_seq2seq").Where(n => n.StartsWith("decoder.", StringComparison.Ordinal));

    [TestCaseSource(nameof(Files))]
    public void FloatMatchesPyTorch(string name) => Compare<float>(name, 1e-5);

    [TestCaseSource(nameof(Files))]
    public void DoubleMatchesPyTorch(string name) => Compare<double>(name, 1e-10);

    private static void Compare<T>(string name, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (tensors, metadata) = Golden.Read("transformer_seq2seq", name);
        using var config = JsonDocument.Parse(metadata["config"]);
        var c = config.RootElement;
        var options = new TransformerOptions
        {
            EmbeddingSize = c.GetProperty("dim").GetInt32(), Heads = c.GetProperty("heads").GetInt32(),
            FeedForwardSize = c.GetProperty("feedforward").GetInt32(), NormFirst = c.GetProperty("norm_first").GetBoolean(),
            Layers = c.GetProperty("layers").GetInt32(), QueryTile = 2, KeyTile = 3, // tiles smaller than T and S
        };
        int[] lengths = JsonSerializer.Deserialize<int[]>(metadata["memory_lengths"])!;
        bool stack = c.GetProperty("stack").GetBoolean();

        using var be = new CpuBackend<T>();
        IHasParameters<T> layer = stack ? new TransformerDecoderStack<T>(be, options, new RandomStream(0))
                                        : new TransformerDecoderBlock<T>(be, options, new RandomStream(0));
        try
        {
            var expected = tensors.Keys.Where(k => !k.StartsWith("grad.", StringComparison.Ordinal) && k is not ("input" or "memory" or "output" or "w_output")).Order().ToArray();
            Assert.That(layer.Parameters.Select(p => p.Name).Order().ToArray(), Is.EqualTo(expected), "state_dict names");
            foreach (var p in layer.Parameters)
            {
                Assert.That(p.Value.Shape.ToArray(), Is.EqualTo(tensors[p.Name].Shape), p.Name);
                be.CopyFromHost(Golden.ToT<T>(tensors[p.Name].Data), p.Value);
            }
            Tensor<T> Load(string key) => be.FromHost(Golden.ToT<T>(tensors[key].Data), tensors[key].Shape);
            using var x = Load("input");
            using var memory = Load("memory");
            using var dy = Load("w_output");
            using var y = be.Allocate(x.Shape.ToArray());
            using var dx = be.Allocate(x.Shape.ToArray());
            using var dMemory = be.Allocate(memory.Shape.ToArray());
            if (layer is TransformerDecoderStack<T> s) { s.Forward(x, memory, lengths, y); s.Backward(dy, dx, dMemory); }
            else
            {
                var b = (TransformerDecoderBlock<T>)layer;
                be.Fill(T.Zero, dMemory);
                b.Forward(x, memory, lengths, y);
                b.Backward(dy, dx, dMemory);
            }
            var actual = new List<(string, Tensor<T>)> { ("output", y), ("grad.input", dx), ("grad.memory", dMemory) };
            actual.AddRange(layer.Parameters.Select(p => ("grad." + p.Name, p.Gradient)));
            Golden.AssertMatches(be, name, actual, tensors, tolerance);
        }
        finally { ((IDisposable)layer).Dispose(); }
    }
}
