using System.Numerics;
using System.Text.Json;
using SeqCore.Cpu;
using SeqCore.IO;
using SeqCore.Layers;
using SeqCore.Training;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Training;

/// <summary>
/// Compares the losses (value, per-row losses, gradient) and several optimizer steps (SGD plain, with momentum and
/// dampening, Nesterov with weight decay; Adam; Adam with L2 decay; AdamW) with PyTorch on files written by
/// tests/golden/make_training_golden.py: float max|a − b| ≤ 1e-5·max|b| per tensor, double 1e-10·max|b|.
/// </summary>
public class TrainingGoldenTests
{
    public static IEnumerable<string> Files() => Golden.Names("training");

    [Test]
    public void TheGoldenFilesArePresent() => Assert.That(Files().Count(), Is.GreaterThanOrEqualTo(15));

    [TestCaseSource(nameof(Files))]
    public void FloatMatchesPyTorch(string name) => Compare<float>(name, 1e-5);

    [TestCaseSource(nameof(Files))]
    public void DoubleMatchesPyTorch(string name) => Compare<double>(name, 1e-10);

    private static void Compare<T>(string name, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (tensors, metadata) = Golden.Read("training", name);
        using var config = JsonDocument.Parse(metadata["config"]);
        using var be = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        if (name.StartsWith("loss_", StringComparison.Ordinal)) CompareLoss(be, name, tensors, config.RootElement, tolerance);
        else CompareOptimizer(be, name, tensors, config.RootElement, tolerance);
    }

    private static Tensor<T> Load<T>(IBackend<T> be, IReadOnlyDictionary<string, SafeTensor> tensors, string key) where T : unmanaged, IFloatingPointIeee754<T>
        => be.FromHost(Golden.ToT<T>(tensors[key].Data), tensors[key].Shape);

    private static LossReduction Reduction(JsonElement c) => c.GetProperty("reduction").GetString() == "sum" ? LossReduction.Sum : LossReduction.Mean;

    private static void AssertLoss(string name, double actual, IReadOnlyDictionary<string, SafeTensor> tensors, double tolerance)
    {
        double expected = tensors["loss"].Data[0];
        TestContext.Out.WriteLine($"{name}: loss {actual:R} vs {expected:R}");
        Assert.That(actual, Is.EqualTo(expected).Within(tolerance * Math.Abs(expected)), $"{name}: loss");
    }

    private static void CompareLoss<T>(CpuBackend<T> be, string name, IReadOnlyDictionary<string, SafeTensor> tensors, JsonElement c, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var reduction = Reduction(c);
        if (name.StartsWith("loss_ce", StringComparison.Ordinal))
        {
            using var x = Load(be, tensors, "logits");
            int[] targets = tensors["targets"].Data.Select(v => (int)v).ToArray();
            using var rows = be.Allocate(targets.Length);
            using var dx = be.Allocate(x.Shape.ToArray());
            var loss = new CrossEntropyLoss<T>(be)
            {
                IgnoreIndex = c.GetProperty("ignore_index").GetInt32(),
                LabelSmoothing = c.GetProperty("label_smoothing").GetDouble(),
                Reduction = reduction,
            };
            AssertLoss(name, loss.Forward(x, targets, rows), tensors, tolerance);
            loss.Backward(x, targets, dx);
            Golden.AssertMatches(be, name, [("row_losses", rows), ("grad.logits", dx)], tensors, tolerance);
        }
        else if (name.StartsWith("loss_bce", StringComparison.Ordinal))
        {
            using var x = Load(be, tensors, "logits");
            using var y = Load(be, tensors, "targets");
            using var pw = tensors.ContainsKey("pos_weight") ? Load(be, tensors, "pos_weight") : null;
            using var dx = be.Allocate(x.Shape.ToArray());
            var loss = new BceWithLogitsLoss<T>(be) { PosWeight = pw, Reduction = reduction };
            AssertLoss(name, loss.Forward(x, y), tensors, tolerance);
            loss.Backward(x, y, dx);
            Golden.AssertMatches(be, name, [("grad.logits", dx)], tensors, tolerance);
        }
        else
        {
            using var p = Load(be, tensors, "prediction");
            using var y = Load(be, tensors, "target");
            using var dp = be.Allocate(p.Shape.ToArray());
            var loss = new MseLoss<T>(be) { Reduction = reduction };
            AssertLoss(name, loss.Forward(p, y), tensors, tolerance);
            loss.Backward(p, y, dp);
            Golden.AssertMatches(be, name, [("grad.prediction", dp)], tensors, tolerance);
        }
    }

    private static void CompareOptimizer<T>(CpuBackend<T> be, string name, IReadOnlyDictionary<string, SafeTensor> tensors, JsonElement c, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var kw = c.GetProperty("kwargs");
        double Get(string key, double fallback) => kw.TryGetProperty(key, out var v) ? v.GetDouble() : fallback;
        var parameters = new[] { new Parameter<T>("p0", Load(be, tensors, "init.p0"), be.Allocate(3, 4)), new Parameter<T>("p1", Load(be, tensors, "init.p1"), be.Allocate(5)) };
        double beta1 = 0.9, beta2 = 0.999;
        if (kw.TryGetProperty("betas", out var betas)) (beta1, beta2) = (betas[0].GetDouble(), betas[1].GetDouble());
        using Optimizer<T> opt = c.GetProperty("optimizer").GetString() switch
        {
            "sgd" => new Sgd<T>(be, parameters, Get("lr", 0), Get("momentum", 0), Get("dampening", 0), Get("weight_decay", 0),
                kw.TryGetProperty("nesterov", out var n) && n.GetBoolean()),
            "adam" => new Adam<T>(be, parameters, Get("lr", 1e-3), beta1, beta2, Get("eps", 1e-8), Get("weight_decay", 0)),
            _ => new AdamW<T>(be, parameters, Get("lr", 1e-3), beta1, beta2, Get("eps", 1e-8), Get("weight_decay", 1e-2)),
        };
        int steps = c.GetProperty("steps").GetInt32();
        for (int k = 0; k < steps; k++)
        {
            opt.ZeroGrad();
            foreach (var p in parameters)
            {
                using var g = Load(be, tensors, $"grad.{k}.{p.Name}");
                be.Axpy(g, T.One, p.Gradient);
            }
            opt.Step();
        }
        Golden.AssertMatches(be, name, parameters.Select(p => ($"final.{p.Name}", p.Value)), tensors, tolerance);
        foreach (var p in parameters) { p.Value.Dispose(); p.Gradient.Dispose(); }
    }
}
