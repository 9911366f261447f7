using System.Numerics;
using System.Text.Json;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Layers.Attention;
using SeqCore.Random;

using SeqCore.Tests.Support;

namespace SeqCore.Tests.Layers;

/// <summary>
/// Compares MultiHeadAttention with PyTorch's nn.MultiheadAttention on files written by
/// tests/golden/make_attention_golden.py: parameters are loaded by their state_dict names, then the output, the
/// head-averaged attention weights and every gradient must match. float32: max|a − b| ≤ 1e-5·max|b| per tensor;
/// double: 1e-10·max|b|. Each file runs with the default tiles and with tiles (2, 3) smaller than T and not dividing it, in both types.
/// </summary>
public class AttentionGoldenTests
{
    public static IEnumerable<string> Files() =>
        Golden.Names("attention");

    [Test]
    public void GoldenFilesArePresent() => Assert.That(Files().Count(), Is.GreaterThanOrEqualTo(7));

    [TestCaseSource(nameof(Files))]
    public void FloatMatchesPyTorch(string name) => Compare<float>(name, 1e-5, 0);

    [TestCaseSource(nameof(Files))]
    public void DoubleMatchesPyTorch(string name) => Compare<double>(name, 1e-10, 0);

    [TestCaseSource(nameof(Files))]
    public void FloatWithSmallTilesMatchesPyTorch(string name) => Compare<float>(name, 1e-5, 2);

    [TestCaseSource(nameof(Files))]
    public void DoubleWithSmallTilesMatchesPyTorch(string name) => Compare<double>(name, 1e-10, 2);

    private static void Compare<T>(string name, double relTolerance, int tile) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (tensors, metadata) = Golden.Read("attention", name);
        using var config = JsonDocument.Parse(metadata["config"]);
        var c = config.RootElement;
        bool cross = c.GetProperty("cross").GetBoolean(), causal = c.GetProperty("causal").GetBoolean();
        var options = new MultiHeadAttentionOptions
        {
            EmbeddingSize = c.GetProperty("embed_dim").GetInt32(),
            Heads = c.GetProperty("num_heads").GetInt32(),
            BatchFirst = c.GetProperty("batch_first").GetBoolean(),
            QueryTile = tile,
            KeyTile = tile == 0 ? 0 : tile + 1,
        };
        int[] lengths = JsonSerializer.Deserialize<int[]>(metadata["lengths"])!;

        using var be = new CpuBackend<T>();
        using var layer = new MultiHeadAttention<T>(be, options, new RandomStream(0));
        string[] expectedNames = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"];
        Assert.That(layer.Parameters.Select(p => p.Name).Order().ToArray(), Is.EqualTo(expectedNames.Order().ToArray()), "parameter names as PyTorch's state_dict");
        Assert.That(tensors.Keys.Where(k => !k.StartsWith("grad.") && k.Contains("proj")).Order().ToArray(),
            Is.EqualTo(expectedNames.Order().ToArray()), "the file's state_dict");
        foreach (var p in layer.Parameters)
        {
            Assert.That(p.Value.Shape.ToArray(), Is.EqualTo(tensors[p.Name].Shape), $"shape of {p.Name}");
            be.CopyFromHost(Golden.ToT<T>(tensors[p.Name].Data), p.Value);
        }

        Tensor<T> Load(string key) => be.FromHost(Golden.ToT<T>(tensors[key].Data), tensors[key].Shape);
        using var query = Load("query");
        using var keyOwn = cross ? Load("key") : null;
        using var valueOwn = cross ? Load("value") : null;
        using var output = be.Allocate(tensors["output"].Shape);
        using var weights = be.Allocate(tensors["attn_weights"].Shape);
        layer.Forward(query, keyOwn ?? query, valueOwn ?? query, lengths, causal, output, weights);

        using var dOutput = Load("w_output");
        using var dQuery = be.Allocate(query.Shape.ToArray());
        using var dKey = cross ? be.Allocate(keyOwn!.Shape.ToArray()) : null;
        using var dValue = cross ? be.Allocate(valueOwn!.Shape.ToArray()) : null;
        layer.Backward(dOutput, dQuery, dKey, dValue);

        var actual = new List<(string, Tensor<T>)> { ("output", output), ("attn_weights", weights), ("grad.query", dQuery) };
        if (cross) actual.AddRange([("grad.key", dKey!), ("grad.value", dValue!)]);
        actual.AddRange(layer.Parameters.Select(p => ("grad." + p.Name, p.Gradient)));
        Golden.AssertMatches(be, name, actual, tensors, relTolerance);
    }

}
