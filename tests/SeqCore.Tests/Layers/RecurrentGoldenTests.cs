using System.Numerics;
using System.Text.Json;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Tests.Layers;

/// <summary>
/// Compares RecurrentLayer with PyTorch's nn.RNN/LSTM/GRU on files written by tests/golden/make_recurrent_golden.py:
/// parameters are loaded by their state_dict names (which checks the interop layout too), then outputs, final states
/// and every gradient must match. float32: max|a − b| ≤ 1e-5·max|b| per tensor (the bound); double: 1e-10·max|b|.
/// </summary>
public class RecurrentGoldenTests
{
    private static string Dir => Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "recurrent");

    public static IEnumerable<string> Files() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden", "recurrent"), "*.safetensors")
            .Select(Path.GetFileNameWithoutExtension).Order()!;

    [TestCaseSource(nameof(Files))]
    public void FloatMatchesPyTorch(string name) => Compare<float>(name, 1e-5);

    [TestCaseSource(nameof(Files))]
    public void DoubleMatchesPyTorch(string name) => Compare<double>(name, 1e-10);

    private static void Compare<T>(string name, double relTolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (tensors, metadata) = SafeTensors.Read(Path.Combine(Dir, name + ".safetensors"));
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
            NumLayers = c.GetProperty("num_layers").GetInt32(),
            Bidirectional = c.GetProperty("bidirectional").GetBoolean(),
            ProjSize = c.GetProperty("proj_size").GetInt32(),
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
            be.CopyFromHost(ToT<T>(tensors[p.Name].Data), p.Value);
        }

        Tensor<T> Load(string key) => be.FromHost(ToT<T>(tensors[key].Data), tensors[key].Shape);
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
        Assert.Multiple(() =>
        {
            foreach (var (key, tensor) in actual)
            {
                double[] a = be.ToArray(tensor).Select(double.CreateTruncating).ToArray();
                double[] b = tensors[key].Data;
                double scale = b.Max(Math.Abs), worst = a.Zip(b, (u, v) => Math.Abs(u - v)).Max();
                Assert.That(worst, Is.LessThanOrEqualTo(relTolerance * scale), $"{name} {key}: max|a−b| = {worst:E3}, max|b| = {scale:E3}");
            }
        });
    }

    private static T[] ToT<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T>
        => values.Select(T.CreateTruncating).ToArray();
}
