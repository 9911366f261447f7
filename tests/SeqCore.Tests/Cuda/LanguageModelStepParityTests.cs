using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Testing;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// One whole language-model training step on the CUDA backend against the CPU backend: a 2-layer LSTM and a small
/// transformer, forward with cross-entropy, backward, gradient clipping and an optimizer step (Adam; SGD with momentum for
/// the transformer), with dropout. Compared: the
/// loss, the logits, every gradient and every parameter after the step. On the emulated device always; on a GPU where
/// there is one (skipped with the reason otherwise).
/// </summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
[NonParallelizable]
public class LanguageModelStepParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static double[] TrainingStep(IBackend<T> be, string arch)
    {
        var config = arch == "transformer"
            ? new LanguageModelConfig { Arch = arch, VocabularySize = 11, EmbeddingSize = 8, Heads = 2, Layers = 2, ContextLength = 8, Dropout = 0.1 }
            : new LanguageModelConfig { Arch = arch, VocabularySize = 11, EmbeddingSize = 6, HiddenSize = 8, Layers = 2, Dropout = 0.1 };
        using var model = new LanguageModel<T>(be, config, new RandomStream(7));
        // Adam for the LSTM. The transformer gets SGD: the key part of each in_proj bias has an exactly zero gradient
        // (softmax is shift-invariant), so its float gradient is rounding noise that Adam's g/√v would blow up to ±lr.
        using Optimizer<T> adam = arch == "transformer" ? new Sgd<T>(be, model.Parameters, 1e-1, momentum: 0.9) : new Adam<T>(be, model.Parameters, 1e-2);
        const int steps = 5, batch = 3;
        var rng = new System.Random(3);
        int[] stream = Enumerable.Range(0, (steps + 1) * batch).Select(_ => rng.Next(11)).ToArray();
        adam.ZeroGrad();
        double loss = model.Forward(stream[..(steps * batch)], stream[batch..], steps, batch, dropout: new RandomStream(9));
        var all = new List<double> { loss };
        void Add(Tensor<T> t) => all.AddRange(be.ToArray(t).Select(double.CreateTruncating));
        Add(model.Logits);
        model.Backward();
        GradientTools.ClipGradNorm(be, model.Parameters, 0.5);
        foreach (var p in model.Parameters) Add(p.Gradient);
        adam.Step();
        foreach (var p in model.Parameters) Add(p.Value);
        return [.. all];
    }

    private static void Compare(IBackend<T> gpu, string arch)
    {
        using var cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        var c = new ParityCase<T>("LanguageModel", $"lm.{arch}.step.{(arch == "transformer" ? "sgd" : "adam")}.clip.dropout", b => TrainingStep(b, arch))
        {
            Tolerance = typeof(T) == typeof(float) ? 1e-4 : 1e-10,
        };
        var result = ParitySuite<T>.Run(c, gpu, cpu);
        Assert.That(result.Passed, result.ToString());
        Assert.That(result.Elements, Is.GreaterThan(500));
    }

    [TestCase("lstm")]
    [TestCase("transformer")]
    public void EmulatedStepMatchesCpu(string arch)
    {
        using var gpu = CudaTestDevices.Emulated<T>();
        Compare(gpu, arch);
    }

    [TestCase("lstm")]
    [TestCase("transformer")]
    public void GpuStepMatchesCpu(string arch)
    {
        using var gpu = CudaTestDevices.Gpu<T>();
        Compare(gpu, arch);
    }
}
