using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Cuda;
using SeqCore.Testing;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// A whole layer, forward and backward, on the CUDA backend's code (emulated device) against the CPU backend: a
/// two-layer bidirectional Elman RNN, batch-first, over a ragged batch, with dropout between the layers. It strings
/// together GEMMs (strided and transposed), activations, length masks, strided copies, the batch-first swap,
/// Philox dropout masks and bias sums, so a mismatch in any of them shows here too.
/// </summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
[NonParallelizable]
public class EmulatedLayerTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static double[] TrainingStep(IBackend<T> be)
    {
        var options = new RecurrentOptions
        {
            Cell = CellKind.RnnTanh, InputSize = 5, HiddenSize = 7, Layers = 2, Bidirectional = true, BatchFirst = true, Dropout = 0.25,
        };
        using var layer = new RecurrentLayer<T>(be, options, new RandomStream(3));
        using var x = be.Allocate(3, 6, 5);                       // [B, T, I]
        be.FillUniform(new RandomStream(4), -T.One, T.One, x);
        using var y = be.Allocate(3, 6, layer.OutputSize);
        int[] lengths = [6, 2, 5];
        layer.Forward(x, lengths, null, null, y, null, null, new RandomStream(5));
        using var dy = be.Allocate(3, 6, layer.OutputSize);
        be.FillUniform(new RandomStream(6), -T.One, T.One, dy);
        using var dx = be.Allocate(3, 6, 5);
        layer.Backward(dy, null, null, dx, null, null);
        var all = new List<double>();
        void Add(Tensor<T> t) => all.AddRange(be.ToArray(t).Select(double.CreateTruncating));
        Add(y);
        Add(dx);
        foreach (var p in layer.Parameters) Add(p.Gradient);
        return [.. all];
    }

    [Test]
    public void BidirectionalRaggedRnnTrainingStepMatchesCpu()
    {
        using var gpu = CudaTestDevices.Emulated<T>();
        using var cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        var c = new ParityCase<T>("RecurrentLayer", "rnn.layers2.bidirectional.batchfirst.ragged.dropout", b => TrainingStep(b))
        {
            Tolerance = typeof(T) == typeof(float) ? 1e-4 : 1e-11,
        };
        var result = ParitySuite<T>.Run(c, gpu, cpu);
        Assert.That(result.Passed, result.ToString());
        Assert.That(result.Elements, Is.GreaterThan(300));
    }
}
