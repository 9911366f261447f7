using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Random;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Cpu;

/// <summary>
/// GUIDE §3: a steady-state step allocates nothing on the managed heap. Each op runs on 100 000 elements with two
/// threads (the parallel path) a few times to warm up, then in rounds of 10 calls while the calling thread's
/// allocated bytes are watched. The worker threads run the same job objects and allocate nothing either, but only the caller is measured.
/// </summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class SteadyStateAllocationTests<T> : CpuFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Rows = 100, Cols = 1000;

    public static IEnumerable<string> PointwiseOps() =>
    [
        "Add", "Sub", "Mul", "Scale", "Axpy", "Fill", "Copy",
        "Sigmoid", "SigmoidBackward", "Tanh", "TanhBackward", "Relu", "ReluBackward",
        "Gelu(None)", "GeluBackward(None)", "Gelu(Tanh)", "GeluBackward(Tanh)",
    ];

    public static IEnumerable<string> RowAndRandomOps() =>
    [
        "Softmax", "SoftmaxBackward", "LogSoftmax", "LogSoftmaxBackward", "SumOfSquares",
        "FillUniform", "FillNormal", "FillBernoulliMask",
    ];

    private void AssertNoAllocation(string op)
    {
        var b = Cpu(2);
        using var x = Upload(b, Inputs.Uniform(Rows * Cols, 1, -0.9, 0.9), Rows, Cols);
        using var d = Upload(b, Inputs.Uniform(Rows * Cols, 2, -1, 1), Rows, Cols);
        using var y = b.Allocate(Rows, Cols);
        using var bias = b.Allocate(Cols);
        using var rowSums = b.Allocate(Rows);
        var stream = new RandomStream(3);
        T alpha = T.CreateTruncating(0.5), p = T.CreateTruncating(0.9);
        Action call = op switch
        {
            "Add" => () => b.Add(x, d, y),
            "Sub" => () => b.Sub(x, d, y),
            "Mul" => () => b.Mul(x, d, y),
            "Scale" => () => b.Scale(x, alpha, y),
            "Axpy" => () => b.Axpy(x, alpha, y),
            "Fill" => () => b.Fill(alpha, y),
            "Copy" => () => b.Copy(x, y),
            "Sigmoid" => () => b.Sigmoid(x, y),
            "SigmoidBackward" => () => b.SigmoidBackward(x, d, y),
            "Tanh" => () => b.Tanh(x, y),
            "TanhBackward" => () => b.TanhBackward(x, d, y),
            "Relu" => () => b.Relu(x, y),
            "ReluBackward" => () => b.ReluBackward(x, d, y),
            "Gelu(None)" => () => b.Gelu(x, GeluApproximation.None, y),
            "GeluBackward(None)" => () => b.GeluBackward(x, d, GeluApproximation.None, y),
            "Gelu(Tanh)" => () => b.Gelu(x, GeluApproximation.Tanh, y),
            "GeluBackward(Tanh)" => () => b.GeluBackward(x, d, GeluApproximation.Tanh, y),
            "Softmax" => () => b.Softmax(x, y),
            "SoftmaxBackward" => () => b.SoftmaxBackward(x, d, y),
            "LogSoftmax" => () => b.LogSoftmax(x, y),
            "LogSoftmaxBackward" => () => b.LogSoftmaxBackward(x, d, y),
            "SumRows" => () => b.SumRows(x, true, bias),
            "SumCols" => () => b.SumCols(x, false, rowSums),
            "SumOfSquares" => () => b.SumOfSquares(x),
            "FillUniform" => () => b.FillUniform(stream, -alpha, alpha, y),
            "FillNormal" => () => b.FillNormal(stream, T.Zero, alpha, y),
            "FillBernoulliMask" => () => b.FillBernoulliMask(stream, p, T.One / p, y),
            _ => throw new ArgumentException(op),
        };
        for (int i = 0; i < 3; i++) call();
        // The runtime itself may allocate on this thread now and then (tiered JIT promotion starting its background
        // worker, for instance), so a few rounds are measured: an op that allocates per call allocates in every round.
        var rounds = new List<long>();
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) call();
            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (rounds[^1] == 0) break;
        }
        Assert.That(rounds.Min(), Is.Zero, $"{op} allocated in every round of 10 steady-state calls: {string.Join(", ", rounds)} bytes");
    }

    /// <summary>A bias gradient (SumRows) and per-row sums (SumCols) run every training step, so they are held to the same rule.</summary>
    [TestCase("SumRows")]
    [TestCase("SumCols")]
    public void SumRowsAndSumColsAllocateNothing(string op) => AssertNoAllocation(op);

    [TestCaseSource(nameof(PointwiseOps))]
    public void PointwiseOpsAllocateNothing(string op) => AssertNoAllocation(op);

    [TestCaseSource(nameof(RowAndRandomOps))]
    public void RowReductionAndRandomOpsAllocateNothing(string op) => AssertNoAllocation(op);
}
