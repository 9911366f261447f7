using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Testing;
using SeqCore.Training;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// One whole TransformerSeq2Seq training step on the CUDA backend against the CPU backend (padded sources and targets,
/// dropout, label smoothing, clipping, SGD with momentum), then two beam-search decoder steps over the KV cache with a
/// reorder in between. Compared: the loss, the logits, every gradient, every parameter after the step, the decoder's
/// log-probabilities and cross-attention. On the emulated device always; on a GPU where there is one.
/// </summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
[NonParallelizable]
public class TransformerSeq2SeqStepParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static double[] StepAndDecode(IBackend<T> be)
    {
        var config = new TransformerSeq2SeqConfig
        {
            SourceVocabularySize = 9, TargetVocabularySize = 10, EmbeddingSize = 8, Heads = 2, FeedForwardSize = 12,
            EncoderLayers = 1, DecoderLayers = 2, Dropout = 0.1, LabelSmoothing = 0.1, MaxLength = 8, NormFirst = false,
        };
        using var model = new TransformerSeq2Seq<T>(be, config, new RandomStream(7));
        // SGD rather than Adam: the key third of each in_proj bias has an exactly zero gradient whose float rounding
        // noise Adam would blow up to ±lr (as LanguageModelStepParityTests).
        using var sgd = new Sgd<T>(be, model.Parameters, 1e-1, momentum: 0.9);
        int[][] sources = [[3, 5, 7, 4, 1], [6, 8, 1], [4, 1]];
        var batch = new Seq2SeqBatch(sources, [[4, 6, 3], [5, 7, 8, 3, 4], [6]]);
        sgd.ZeroGrad();
        var all = new List<double> { model.TrainStep(batch, new RandomStream(9)).Loss };
        void Add(Tensor<T> t) => all.AddRange(be.ToArray(t).Select(double.CreateTruncating));
        Add(model.Logits);
        GradientTools.ClipGradNorm(be, model.Parameters, 0.5);
        foreach (var p in model.Parameters) Add(p.Gradient);
        sgd.Step();
        foreach (var p in model.Parameters) Add(p.Value);
        using var scorer = model.CreateScorer(sources, 2);
        var logProbs = new double[scorer.Rows * scorer.VocabularySize];
        scorer.Next([1, 1, 1, 1, 1, 1], logProbs);
        all.AddRange(logProbs);
        scorer.Reorder([1, 1, 2, 3, 5, 4]);
        scorer.Next([4, 6, 5, 7, 6, 3], logProbs);
        all.AddRange(logProbs);
        for (int r = 0; r < scorer.Rows; r++) all.AddRange(scorer.Attention(r).ToArray());
        return [.. all];
    }

    private static void Compare(IBackend<T> gpu)
    {
        using var cpu = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 });
        var c = new ParityCase<T>("TransformerSeq2Seq", "transformer-seq2seq.step.sgd.clip.dropout.decode", StepAndDecode)
        {
            Tolerance = typeof(T) == typeof(float) ? 1e-4 : 1e-10,
        };
        var result = ParitySuite<T>.Run(c, gpu, cpu);
        Assert.That(result.Passed, result.ToString());
        Assert.That(result.Elements, Is.GreaterThan(500));
    }

    [Test]
    public void EmulatedStepMatchesCpu()
    {
        using var gpu = CudaTestDevices.Emulated<T>();
        Compare(gpu);
    }

    [Test]
    public void GpuStepMatchesCpu()
    {
        using var gpu = CudaTestDevices.Gpu<T>();
        Compare(gpu);
    }
}
