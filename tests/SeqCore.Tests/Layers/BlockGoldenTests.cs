using System.Numerics;
using System.Text.Json;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Random;

using SeqCore.Tests.Support;

namespace SeqCore.Tests.Layers;

/// <summary>
/// Compares LayerNorm and Conv1d with PyTorch's nn.LayerNorm and nn.Conv1d (including "same" with strides and causal
/// padding through F.pad) on files written by tests/golden/make_block_golden.py. Parameters are loaded by their
/// state_dict names, then the output and every gradient must match: float max|a − b| ≤ 1e-5·max|b| per tensor,
/// double 1e-10·max|b|.
/// </summary>
public class BlockGoldenTests
{
    public static IEnumerable<string> Files() =>
        Golden.Names("blocks");

    [Test]
    public void TheGoldenFilesArePresent() => Assert.That(Files().Count(), Is.GreaterThanOrEqualTo(10));

    [TestCaseSource(nameof(Files))]
    public void FloatMatchesPyTorch(string name) => Compare<float>(name, 1e-5);

    [TestCaseSource(nameof(Files))]
    public void DoubleMatchesPyTorch(string name) => Compare<double>(name, 1e-10);

    private static void Compare<T>(string name, double relTolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (tensors, metadata) = Golden.Read("blocks", name);
        using var config = JsonDocument.Parse(metadata["config"]);
        var c = config.RootElement;
        using var be = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        Tensor<T> Load(string key) => be.FromHost(Golden.ToT<T>(tensors[key].Data), tensors[key].Shape);
        using var x = Load("input");
        using var y = be.Allocate(tensors["output"].Shape);
        using var dy = Load("w_output");
        using var dx = be.Allocate(x.Shape.ToArray());

        IDisposable layer;
        IReadOnlyList<Parameter<T>> parameters;
        if (c.GetProperty("kind").GetString() == "layernorm")
        {
            var ln = new LayerNorm<T>(be, c.GetProperty("dim").GetInt32(), c.GetProperty("eps").GetDouble(), c.GetProperty("elementwise_affine").GetBoolean());
            (layer, parameters) = (ln, ln.Parameters);
            LoadParameters(be, tensors, parameters);
            ln.Forward(x, y);
            ln.Backward(x, dy, dx);
        }
        else
        {
            var padding = c.GetProperty("padding").GetString() switch
            {
                "valid" => Conv1dPadding.Valid,
                "same" => Conv1dPadding.Same,
                "causal" => Conv1dPadding.Causal,
                var p => throw new InvalidDataException($"unknown padding {p}"),
            };
            var conv = new Conv1d<T>(be, c.GetProperty("in_channels").GetInt32(), c.GetProperty("out_channels").GetInt32(),
                c.GetProperty("kernel_size").GetInt32(), new RandomStream(0), c.GetProperty("stride").GetInt32(),
                c.GetProperty("dilation").GetInt32(), padding, c.GetProperty("bias").GetBoolean());
            (layer, parameters) = (conv, conv.Parameters);
            LoadParameters(be, tensors, parameters);
            Assert.That(conv.OutputLength(x.Dim(2)), Is.EqualTo(tensors["output"].Shape[2]), "output length");
            conv.Forward(x, y);
            conv.Backward(dy, dx);
        }
        using var _ = layer;

        var actual = new List<(string, Tensor<T>)> { ("output", y), ("grad.input", dx) };
        actual.AddRange(parameters.Select(p => ("grad." + p.Name, p.Gradient)));
        Golden.AssertMatches(be, name, actual, tensors, relTolerance);
    }

    private static void LoadParameters<T>(CpuBackend<T> be, IReadOnlyDictionary<string, SafeTensor> tensors, IReadOnlyList<Parameter<T>> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var expected = tensors.Keys.Where(k => k is "weight" or "bias").Order().ToArray();
        Assert.That(parameters.Select(p => p.Name).Order().ToArray(), Is.EqualTo(expected), "parameter names as PyTorch's state_dict");
        foreach (var p in parameters)
        {
            Assert.That(p.Value.Shape.ToArray(), Is.EqualTo(tensors[p.Name].Shape), $"shape of {p.Name}");
            be.CopyFromHost(Golden.ToT<T>(tensors[p.Name].Data), p.Value);
        }
    }

}
