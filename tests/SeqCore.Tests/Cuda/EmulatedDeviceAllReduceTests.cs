using System.Numerics;
using SeqCore.Distributed;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Tests.Distributed;
using SeqCore.Tests.Models;
using SeqCore.Text;
using SeqCore.Training;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// <see cref="DataParallelTrainable{T}"/>'s device path (<see cref="IDeviceAllReduce{T}"/>) on the emulated CUDA device:
/// two ranks are two threads of this process (<see cref="ThreadGroup"/>), each with its own emulated backend, and the
/// device buckets are summed by <see cref="HostStagedDeviceAllReduce{T}"/> (NCCL's place; the NCCL call itself needs a
/// GPU and is not run here). Float: the device path gives the host path's weights bit for bit (the same scale and the
/// same rank-order sums, only where the bucket lives differs), and one process's within 1e-6 relative per tensor (measured: 4e-8, a few float ulps)
/// (the two halves' sums round differently from the whole batch's sum).
/// </summary>
[NonParallelizable]
public class EmulatedDeviceAllReduceTests
{
    private static readonly string Text = string.Concat(Enumerable.Repeat(LanguageModelTests.Text, 8));
    private const int Batch = 4, Steps = 6;

    /// <summary>Sums a device tensor over the ranks by copying it to the host and back: the test double of NCCL.</summary>
    private sealed class HostStagedDeviceAllReduce<T>(ICommunicator ranks) : IDeviceAllReduce<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Calls { get; private set; }

        public string Description => $"host copies over {ranks.Description}";

        public void AllReduceSum(Tensor<T> values)
        {
            var host = values.Backend.ToArray(values);
            if (typeof(T) == typeof(float)) ranks.AllReduceSum(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(host.AsSpan()));
            else ranks.AllReduceSum(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(host.AsSpan()));
            values.Backend.CopyFromHost(host, values);
            Calls++;
        }
    }

    /// <summary>An LSTM language model's weights after <see cref="Steps"/> SGD steps on the emulated device, trained as
    /// rank <paramref name="shard"/> (host buckets when <paramref name="onDevice"/> is false).</summary>
    private static float[][] Train(BatchShard shard, ICommunicator? ranks, bool onDevice, Action<int>? bucketCalls = null)
    {
        using var be = CudaTestDevices.Emulated<float>();
        var tok = CharTokenizer.Train(Text);
        using var model = new LanguageModel<float>(be, LanguageModelTests.Small("lstm", tok.VocabularySize), new RandomStream(5)) { Tokenizer = tok };
        int[] ids = tok.Encode(Text);
        using var data = new LanguageModelTrainable<float>(model, ids[..400], [], Batch, bptt: 7, seed: 9, shard: shard);
        var device = ranks is not null && onDevice ? new HostStagedDeviceAllReduce<float>(ranks) : null;
        using var parallel = ranks is null ? null
            : new DataParallelTrainable<float>(data, be, ranks, checksumEvery: 3, bucketElements: 300, deviceAllReduce: device);
        var settings = new TrainingSettings { Steps = Steps, Optimizer = "sgd", LearningRate = 0.05, Clip = 0.5, EvalEvery = 0, KeepBest = false };
        using var run = new TrainingRun<float>(model, parallel ?? (ITrainable<float>)data, settings);
        run.Run();
        if (device is not null) bucketCalls?.Invoke(device.Calls);
        return model.Parameters.Select(p => be.ToArray(p.Value)).ToArray();
    }

    private static float[][][] OnTwoRanks(bool onDevice, Action<int>? bucketCalls = null)
    {
        var group = new ThreadGroup(2);
        var weights = new float[2][][];
        group.Run(ranks => weights[ranks.Rank] = Train(new BatchShard(ranks.Rank, ranks.Size), ranks, onDevice, bucketCalls));
        return weights;
    }

    [Test]
    public void Device_buckets_give_the_weights_of_host_buckets_and_of_one_process()
    {
        var whole = Train(BatchShard.Whole, null, onDevice: false);
        var host = OnTwoRanks(onDevice: false);
        int calls = 0;
        var device = OnTwoRanks(onDevice: true, c => Interlocked.Exchange(ref calls, c));

        Assert.That(calls, Is.GreaterThan(Steps), "the gradients span several buckets per step (bucketElements 300)");
        for (int i = 0; i < whole.Length; i++)
        {
            Assert.That(device[0][i], Is.EqualTo(host[0][i]), $"tensor {i}: device buckets against host buckets");
            Assert.That(device[1][i], Is.EqualTo(device[0][i]), $"tensor {i}: rank 1 against rank 0");
            double scale = whole[i].Max(v => Math.Abs(v)), diff = device[0][i].Zip(whole[i], (a, b) => Math.Abs((double)a - b)).Max();
            TestContext.Out.WriteLine($"tensor {i}: max difference from one process {diff:G3} (scale {scale:G3})");
            Assert.That(diff, Is.LessThanOrEqualTo(1e-6 * scale), $"tensor {i}: device buckets against one process");
        }
    }
}
