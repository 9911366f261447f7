using System.Numerics;
using System.Text.Json;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

using SeqCore.Tests.Support;

namespace SeqCore.Tests.Layers;

/// <summary>
/// Compares RecurrentLayer with PyTorch's nn.RNN/LSTM/GRU on files written by tests/golden/make_recurrent_golden.py:
/// parameters are loaded by their state_dict names (which checks the interop layout too), then outputs, final states
/// and every gradient must match. float32: max|a − b| ≤ 1e-5·max|b| per tensor (the bound); double: 1e-10·max|b|.
/// </summary>
public class RecurrentGoldenTests
{
    public static IEnumerable<string> Files() =>
        Golden.Names("recurrent");

    [TestCaseSource(nameof(Files))]
    public void FloatMatchesPyTorch(string name) => Compare<float>(name, 1e-5);

    [TestCaseSource(nameof(Files))]
    public void DoubleMatchesPyTorch(string name) => Compare<double>(name, 1e-10);

    private static void Compare<T>(string name, double relTolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (tensors, metadata) = Golden.Read("recurrent", name);
        using var config = JsonDocument.Parse(metadata["config"]);
        var c = config.RootElement;
        string cell = c.GetProperty("cell").GetString()!;
        var options = new RecurrentOptions
        {
            Cell = cell switch
            {
                "lstm" => CellKind.Lstm,
                "gru" => CellKind.Gru,
                _ => c.GetProperty("nonlinearity").GetString() == "relu" ? CellKind.RnnRelu : CellKind.RnnTanh,
            },
            InputSize = c.GetProperty("input_size").GetInt32(),
            HiddenSize = c.GetProperty("hidden_size").GetInt32(),
            Layers = c.GetProperty("num_layers").GetInt32(),
            Bidirectional = c.GetProperty("bidirectional").GetBoolean(),
            ProjectionSize = c.GetProperty("proj_size").GetInt32(),
        };
        int[] lengths = JsonSerializer.Deserialize<int[]>(metadata["lengths"])!;
        bool lstm = cell == "lstm";

        using var be = new CpuBackend<T>();
        using var layer = new RecurrentLayer<T>(be, options, new RandomStream(0));
        var expectedNames = tensors.Keys.Where(k => k.StartsWith("weight_") || k.StartsWith("bias_")).Order().ToArray();
        Assert.That(layer.Parameters.Select(p => p.Name).Order().ToArray(), Is.EqualTo(expectedNames), "parameter names as PyTorch's state_dict");
        foreach (var p in layer.Parameters)
        {
            Assert.That(p.Value.Shape.ToArray(), Is.EqualTo(tensors[p.Name].Shape), $"shape of {p.Name}");
            be.CopyFromHost(Golden.ToT<T>(tensors[p.Name].Data), p.Value);
        }

        Tensor<T> Load(string key) => be.FromHost(Golden.ToT<T>(tensors[key].Data), tensors[key].Shape);
        using var x = Load("input");
        using var h0 = Load("h0");
        using var c0 = lstm ? Load("c0") : null;
        using var y = be.Allocate(tensors["output"].Shape);
        using var hn = be.Allocate(tensors["hn"].Shape);
        using var cn = lstm ? be.Allocate(tensors["cn"].Shape) : null;
        layer.Forward(x, lengths, h0, c0, y, hn, cn);

        using var dy = Load("w_output");
        using var dhn = Load("w_hn");
        using var dcn = lstm ? Load("w_cn") : null;
        using var dx = be.Allocate(x.Shape.ToArray());
        using var dh0 = be.Allocate(h0.Shape.ToArray());
        using var dc0 = lstm ? be.Allocate(c0!.Shape.ToArray()) : null;
        layer.Backward(dy, dhn, dcn, dx, dh0, dc0);

        var actual = new List<(string, Tensor<T>)> { ("output", y), ("hn", hn), ("grad.input", dx), ("grad.h0", dh0) };
        if (lstm) actual.AddRange([("cn", cn!), ("grad.c0", dc0!)]);
        actual.AddRange(layer.Parameters.Select(p => ("grad." + p.Name, p.Gradient)));
        Golden.AssertMatches(be, name, actual, tensors, relTolerance);
    }

}
