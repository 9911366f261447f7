using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Text;

namespace SeqCore.Tests.Models;

/// <summary><see cref="LanguageModel{T}.AttentionWeights"/>: each row a causal distribution, equal to softmax(QKᵀ/√d)
/// computed on the host from the parameters, and to the same softmax over the keys the KV-cache decoder stored.</summary>
public class LanguageModelAttentionTests
{
    private CpuBackend<double> _cpu = null!;

    [OneTimeSetUp] public void Setup() => _cpu = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
    [OneTimeTearDown] public void TearDown() => _cpu.Dispose();

    private const int E = 16, Heads = 2, D = E / Heads;

    private LanguageModel<double> TwoLayers(int vocab) => new(_cpu, new LanguageModelConfig
    {
        Arch = "transformer", VocabularySize = vocab, EmbeddingSize = E, Heads = Heads, Layers = 2, ContextLength = 16,
    }, new RandomStream(11));

    private static int[] Tokens(out int vocab)
    {
        var tok = CharTokenizer.Train(LanguageModelTests.Text);
        vocab = tok.VocabularySize;
        return tok.Encode(LanguageModelTests.Text)[..11];
    }

    [TestCase(0)]
    [TestCase(1)]
    public void WeightsAreTheSoftmaxOfQueriesAndKeysPerHeadAndTheirMean(int layer)
    {
        int[] ids = Tokens(out int vocab);
        int n = ids.Length;
        using var model = TwoLayers(vocab);
        double[][] input = LayerInput(model, ids, layer);
        var (q, k) = QueriesAndKeys(model, layer, input);
        var perHead = new double[Heads][][];
        for (int h = 0; h < Heads; h++)
        {
            perHead[h] = model.AttentionWeights(ids, layer, h);
            for (int t = 0; t < n; t++)
                Assert.That(perHead[h][t], Is.EqualTo(Softmax(q[t], k[..(t + 1)], h, n)).Within(1e-12), $"layer {layer}, head {h}, row {t}");
        }
        double[][] mean = model.AttentionWeights(ids, layer);
        for (int t = 0; t < n; t++)
        {
            Assert.That(mean[t].Sum(), Is.EqualTo(1).Within(1e-12), $"row {t} sums to 1");
            Assert.That(mean[t][(t + 1)..], Is.All.EqualTo(0), $"row {t} looks at no later position");
            for (int s = 0; s < n; s++)
                Assert.That(mean[t][s], Is.EqualTo((perHead[0][t][s] + perHead[1][t][s]) / 2).Within(1e-12));
        }
    }

    [Test]
    public void TheLastRowUsesTheKeysTheKvCacheDecoderStored()
    {
        int[] ids = Tokens(out int vocab);
        int n = ids.Length, layer = 1;
        using var model = TwoLayers(vocab);
        // Decode token by token as LanguageModelDecoder does, then read the last layer's cached keys.
        using var cache = model.Stack!.CreateCache(1, model.Config.ContextLength);
        using var x = _cpu.Allocate(1, 1, E);
        using var y = _cpu.Allocate(1, 1, E);
        for (int t = 0; t < n; t++)
        {
            model.Embedding.Forward([ids[t]], x);
            model.LearnedPositions!.Forward(x, x, cache.Length);
            model.Stack.Step(x, cache, y);
        }
        double[] cached = _cpu.ToArray(cache.Keys[layer]);
        var keys = Enumerable.Range(0, n).Select(t => cached.AsSpan(t * E, E).ToArray()).ToArray();
        var (q, _) = QueriesAndKeys(model, layer, LayerInput(model, ids, layer));
        for (int h = 0; h < Heads; h++)
            Assert.That(model.AttentionWeights(ids, layer, h)[n - 1], Is.EqualTo(Softmax(q[n - 1], keys, h, n)).Within(1e-12), $"head {h}");
    }

    [Test]
    public void ARecurrentModelOrAMissingLayerOrHeadIsAClearError()
    {
        int[] ids = Tokens(out int vocab);
        using var lstm = new LanguageModel<double>(_cpu, LanguageModelTests.Small("lstm", vocab), new RandomStream(1));
        Assert.That(() => lstm.AttentionWeights(ids, 0), Throws.InvalidOperationException.With.Message.Contains("lstm model has no attention"));
        using var model = TwoLayers(vocab);
        Assert.That(() => model.AttentionWeights(ids, 2), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("layers 0 to 1"));
        Assert.That(() => model.AttentionWeights(ids, 1, 2), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("heads 0 to 1"));
        Assert.That(() => model.AttentionWeights(new int[17], 1), Throws.ArgumentException.With.Message.Contains("context length 16"));
    }

    [Test]
    public void ItInvalidatesAPendingBackwardAndTrainingGoesOnAfterIt()
    {
        int[] ids = Tokens(out int vocab);
        using var model = TwoLayers(vocab);
        double before = model.Forward(ids, ids, ids.Length, 1);
        model.AttentionWeights(ids[..5], 1);
        Assert.That(() => model.Backward(), Throws.InvalidOperationException);
        Assert.That(model.Forward(ids, ids, ids.Length, 1), Is.EqualTo(before));
        Assert.That(() => model.Backward(), Throws.Nothing);
    }

    /// <summary>The input of block <paramref name="layer"/> per position: embedding + position, then the earlier blocks.</summary>
    private double[][] LayerInput(LanguageModel<double> model, int[] ids, int layer)
    {
        int n = ids.Length;
        using var a = _cpu.Allocate(n, 1, E);
        using var b = _cpu.Allocate(n, 1, E);
        model.Embedding.Forward(ids, a);
        model.LearnedPositions!.Forward(a, a);
        var (input, spare) = (a, b);
        for (int i = 0; i < layer; i++)
        {
            model.Stack!.Blocks[i].Forward(input, [], spare);
            (input, spare) = (spare, input);
        }
        double[] host = _cpu.ToArray(input);
        return Enumerable.Range(0, n).Select(t => host.AsSpan(t * E, E).ToArray()).ToArray();
    }

    /// <summary>Q and K of block <paramref name="layer"/> computed on the host: LN1, then the in-projection rows 0..E−1
    /// (queries) and E..2E−1 (keys) with their biases.</summary>
    private (double[][] Q, double[][] K) QueriesAndKeys(LanguageModel<double> model, int layer, double[][] input)
    {
        string p = $"encoder.layers.{layer}.";
        double[] Get(string name) => _cpu.ToArray(model.Parameters.Single(x => x.Name == p + name).Value);
        double[] gamma = Get("norm1.weight"), beta = Get("norm1.bias"), w = Get("self_attn.in_proj_weight"), bias = Get("self_attn.in_proj_bias");
        double[] Project(double[] v, int row0) => Enumerable.Range(0, E).Select(o => bias[row0 + o] + Enumerable.Range(0, E).Sum(i => w[(row0 + o) * E + i] * v[i])).ToArray();
        var normed = input.Select(x =>
        {
            double mean = x.Average(), variance = x.Sum(v => (v - mean) * (v - mean)) / E;
            return x.Select((v, i) => (v - mean) / Math.Sqrt(variance + 1e-5) * gamma[i] + beta[i]).ToArray();
        }).ToArray();
        return (normed.Select(x => Project(x, 0)).ToArray(), normed.Select(x => Project(x, E)).ToArray());
    }

    /// <summary>softmax over s of q_h·k_s,h / √d for head h, padded with zeros to <paramref name="n"/> columns.</summary>
    private static double[] Softmax(double[] q, double[][] keys, int h, int n)
    {
        var scores = keys.Select(k => Enumerable.Range(h * D, D).Sum(i => q[i] * k[i]) / Math.Sqrt(D)).ToArray();
        double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
        var row = new double[n];
        for (int s = 0; s < scores.Length; s++) row[s] = Math.Exp(scores[s] - max) / sum;
        return row;
    }
}
