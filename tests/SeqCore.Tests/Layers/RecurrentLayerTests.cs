using SeqCore.Cpu;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Tests.Layers;

public class RecurrentLayerTests
{
    private static readonly RecurrentOptions Lstm = new() { Cell = CellKind.Lstm, InputSize = 3, HiddenSize = 5, Layers = 2 };

    private static double MaxDiff(double[] a, double[] b) => a.Zip(b, (u, v) => Math.Abs(u - v)).Max();

    [Test]
    public void TruncatedBpttChunksCarryTheStateAndMatchTheFullSequence()
    {
        using var be = new CpuBackend<double>();
        using var layer = new RecurrentLayer<double>(be, Lstm, new RandomStream(3));
        var random = new RandomStream(4);
        using var x = be.Allocate(6, 2, 3);
        be.FillUniform(random, -1, 1, x);
        using var yFull = be.Allocate(6, 2, 5);
        using var hn = be.Allocate(2, 2, 5);
        using var cn = be.Allocate(2, 2, 5);
        layer.Forward(x, [], null, null, yFull, hn, cn);
        double[] full = be.ToArray(yFull), hFull = be.ToArray(hn), cFull = be.ToArray(cn);

        using var h = be.Allocate(2, 2, 5);
        using var c = be.Allocate(2, 2, 5);
        using var yChunk = be.Allocate(3, 2, 5);
        var chunks = new List<double>();
        for (int k = 0; k < 2; k++)
        {
            layer.Forward(x.Slice(k * 3 * 2 * 3, 3, 2, 3), [], h, c, yChunk, h, c);
            chunks.AddRange(be.ToArray(yChunk));
        }
        Assert.That(MaxDiff(chunks.ToArray(), full), Is.LessThan(1e-14));
        Assert.That(MaxDiff(be.ToArray(h), hFull), Is.LessThan(1e-14));
        Assert.That(MaxDiff(be.ToArray(c), cFull), Is.LessThan(1e-14));
    }

    [Test]
    public void StepByStepEqualsForward([Values(CellKind.Lstm, CellKind.Gru, CellKind.RnnTanh)] CellKind cell, [Values(false, true)] bool batchFirst)
    {
        using var be = new CpuBackend<double>();
        var options = Lstm with { Cell = cell, BatchFirst = batchFirst, HiddenSize = cell == CellKind.Lstm ? 5 : 2, ProjectionSize = cell == CellKind.Lstm ? 2 : 0 };
        using var layer = new RecurrentLayer<double>(be, options, new RandomStream(5));
        var random = new RandomStream(6);
        double[] xs = Enumerable.Range(0, 4 * 2 * 3).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        // Time-major data; the batch-first layer gets the same sequence transposed.
        using var xTm = be.FromHost(xs, 4, 2, 3);
        using var x = batchFirst ? be.Allocate(2, 4, 3) : be.FromHost(xs, 4, 2, 3);
        if (batchFirst) be.SwapLeadingAxes(xTm, 4, 2, x);
        using var y = batchFirst ? be.Allocate(2, 4, 2) : be.Allocate(4, 2, 2);
        layer.Forward(x, [], null, null, y, null, null);
        using var yTm = be.Allocate(4, 2, 2);
        if (batchFirst) be.SwapLeadingAxes(y, 2, 4, yTm); else be.Copy(y, yTm);

        using var h = be.Allocate(2, 2, 2);
        using var c = cell == CellKind.Lstm ? be.Allocate(2, 2, 5) : null;
        using var yt = be.Allocate(2, 2);
        for (int t = 0; t < 4; t++)
        {
            layer.Step(xTm.Row(t), h, c, yt);
            Assert.That(MaxDiff(be.ToArray(yt), be.ToArray(yTm.Row(t))), Is.LessThan(1e-14), $"step {t}");
        }
    }

    [Test]
    public void RaggedSequencesGiveZeroOutputsPastTheirEndAndCarryTheirState()
    {
        using var be = new CpuBackend<double>();
        using var layer = new RecurrentLayer<double>(be, Lstm with { Layers = 1 }, new RandomStream(7));
        using var x = be.Allocate(5, 2, 3);
        be.FillUniform(new RandomStream(8), -1, 1, x);
        using var y = be.Allocate(5, 2, 5);
        using var hn = be.Allocate(1, 2, 5);
        layer.Forward(x, [5, 2], null, null, y, hn, null);
        double[] ys = be.ToArray(y), h = be.ToArray(hn);
        for (int t = 2; t < 5; t++)
            Assert.That(ys.Skip((t * 2 + 1) * 5).Take(5), Is.All.EqualTo(0.0), $"sequence 1 at t={t}");
        // Sequence 1's final state is its output at its last step, t = 1.
        Assert.That(h.Skip(5).Take(5), Is.EqualTo(ys.Skip((1 * 2 + 1) * 5).Take(5)));
    }

    [Test]
    public void SteadyStateTrainingStepAllocatesNothing()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 2 });
        var options = new RecurrentOptions { Cell = CellKind.Lstm, InputSize = 16, HiddenSize = 32, Layers = 2, Bidirectional = true, Dropout = 0.2 };
        using var layer = new RecurrentLayer<float>(be, options, new RandomStream(9));
        using var x = be.Allocate(8, 4, 16);
        using var y = be.Allocate(8, 4, 64);
        using var dy = be.Allocate(8, 4, 64);
        using var dx = be.Allocate(8, 4, 16);
        using var h0 = be.Allocate(4, 4, 32);
        using var c0 = be.Allocate(4, 4, 32);
        var dropout = new RandomStream(10);
        int[] lengths = [8, 3, 5, 8];
        void Step() { layer.Forward(x, lengths, h0, c0, y, h0, c0, dropout); layer.Backward(dy, null, null, dx, null, null); }
        for (int i = 0; i < 3; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Step();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void BadShapesAndLengthsGiveClearErrors()
    {
        using var be = new CpuBackend<float>();
        using var layer = new RecurrentLayer<float>(be, Lstm, new RandomStream(1));
        using var x = be.Allocate(4, 2, 7);
        using var y = be.Allocate(4, 2, 5);
        var e = Assert.Throws<ArgumentException>(() => layer.Forward(x, [], null, null, y, null, null))!;
        Assert.That(e.Message, Does.Contain("[4, 2, 7]").And.Contain("[T, B, 3]"));
        using var x3 = be.Allocate(4, 2, 3);
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward(x3, [4, 9], null, null, y, null, null))!;
        Assert.That(r.Message, Does.Contain("length 9"));
        using var badH = be.Allocate(1, 2, 5);
        var s = Assert.Throws<ArgumentException>(() => layer.Forward(x3, [], badH, null, y, null, null))!;
        Assert.That(s.Message, Does.Contain("[1, 2, 5]").And.Contain("[2, 2, 5]"));
        Assert.Throws<InvalidOperationException>(() => new RecurrentLayer<float>(be, Lstm, new RandomStream(1)).Backward(y, null, null, null, null, null));
    }
}
