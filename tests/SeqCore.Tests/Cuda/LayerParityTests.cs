using System.Numerics;
using SeqCore.Layers;
using SeqCore.Layers.Attention;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// One whole training step (forward, backward, every parameter gradient) of the recurrent layer with every option at
/// once and of multi-head attention, on a CUDA backend and on the CPU from the same weights and inputs. This is where
/// the cell and attention kernels meet the rest of the backend (cuBLAS GEMM mapping, row selection for ragged batches,
/// strided heads in the packed QKV buffer), so it checks the composition, not just each kernel.
/// </summary>
public abstract class LayerParityTests<T> : ParityFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Copies every parameter value from the CPU layer to the device layer (the two inits need not agree).</summary>
    private void CopyParameters(IHasParameters<T> from, IHasParameters<T> to)
    {
        var src = from.Parameters.ToList();
        var dst = to.Parameters.ToList();
        Assert.That(dst.Select(p => p.Name), Is.EqualTo(src.Select(p => p.Name)));
        for (int i = 0; i < src.Count; i++) Device.CopyFromHost(Cpu.ToArray(src[i].Value), dst[i].Value);
    }

    private void AssertGradients(IHasParameters<T> dev, IHasParameters<T> cpu, string what)
    {
        foreach (var (d, c) in dev.Parameters.Zip(cpu.Parameters))
            AssertParity(d.Gradient, c.Gradient, $"{what} d{d.Name}");
    }

    public static IEnumerable<TestCaseData> RecurrentCases =>
    [
        new TestCaseData(new RecurrentOptions { Cell = CellKind.Lstm, InputSize = 4, HiddenSize = 5, Layers = 2, Peepholes = true, ProjectionSize = 3, Bidirectional = true })
            .SetArgDisplayNames("lstm.layers2.peephole.proj3.bidirectional"),
        new TestCaseData(new RecurrentOptions { Cell = CellKind.Gru, InputSize = 4, HiddenSize = 17, Bidirectional = true })
            .SetArgDisplayNames("gru.H17.bidirectional"),
        new TestCaseData(new RecurrentOptions { Cell = CellKind.Gru, InputSize = 3, HiddenSize = 5, Layers = 2, GruForm = GruForm.Original, Bidirectional = true })
            .SetArgDisplayNames("gru.original.layers2.bidirectional"),
        new TestCaseData(new RecurrentOptions { Cell = CellKind.RnnRelu, InputSize = 3, HiddenSize = 6 }).SetArgDisplayNames("rnn.relu"),
    ];

    [TestCaseSource(nameof(RecurrentCases))]
    public void RecurrentTrainingStep(RecurrentOptions options)
    {
        const int steps = 5, batch = 3;
        int[] lengths = [5, 2, 4]; // ragged: PyTorch packed-sequence semantics
        using var cpuLayer = new RecurrentLayer<T>(Cpu, options, new RandomStream(7));
        using var devLayer = new RecurrentLayer<T>(Device, options, new RandomStream(7));
        CopyParameters(cpuLayer, devLayer);
        int states = options.Layers * cpuLayer.Directions, p = cpuLayer.OutputStateSize, h = options.HiddenSize;
        bool lstm = options.Cell == CellKind.Lstm;
        var (xd, xc) = Pair(Uniform((long)steps * batch * options.InputSize, 11), steps, batch, options.InputSize);
        var (h0d, h0c) = Pair(Uniform((long)states * batch * p, 12), states, batch, p);
        var (c0d, c0c) = lstm ? Pair(Uniform((long)states * batch * h, 13), states, batch, h) : (null!, null!);
        using var yd = Device.Allocate(steps, batch, cpuLayer.OutputSize); using var yc = Cpu.Allocate(steps, batch, cpuLayer.OutputSize);
        using var hnd = Device.Allocate(states, batch, p); using var hnc = Cpu.Allocate(states, batch, p);
        using var cnd = lstm ? Device.Allocate(states, batch, h) : null; using var cnc = lstm ? Cpu.Allocate(states, batch, h) : null;
        devLayer.Forward(xd, lengths, h0d, lstm ? c0d : null, yd, hnd, cnd);
        cpuLayer.Forward(xc, lengths, h0c, lstm ? c0c : null, yc, hnc, cnc);
        string what = $"RecurrentLayer {options.Cell}";
        AssertParity(yd, yc, what + " y");
        AssertParity(hnd, hnc, what + " hn");
        if (lstm) AssertParity(cnd!, cnc!, what + " cn");

        var (dyd, dyc) = Pair(Uniform((long)steps * batch * cpuLayer.OutputSize, 14), steps, batch, cpuLayer.OutputSize);
        var (dhnd, dhnc) = Pair(Uniform((long)states * batch * p, 15), states, batch, p);
        var (dcnd, dcnc) = lstm ? Pair(Uniform((long)states * batch * h, 16), states, batch, h) : (null!, null!);
        using var dxd = Device.Allocate(steps, batch, options.InputSize); using var dxc = Cpu.Allocate(steps, batch, options.InputSize);
        using var dh0d = Device.Allocate(states, batch, p); using var dh0c = Cpu.Allocate(states, batch, p);
        using var dc0d = lstm ? Device.Allocate(states, batch, h) : null; using var dc0c = lstm ? Cpu.Allocate(states, batch, h) : null;
        devLayer.Backward(dyd, dhnd, lstm ? dcnd : null, dxd, dh0d, dc0d);
        cpuLayer.Backward(dyc, dhnc, lstm ? dcnc : null, dxc, dh0c, dc0c);
        AssertParity(dxd, dxc, what + " dx");
        AssertParity(dh0d, dh0c, what + " dh0");
        if (lstm) AssertParity(dc0d!, dc0c!, what + " dc0");
        AssertGradients(devLayer, cpuLayer, what);
        foreach (var t in new[] { xd, xc, h0d, h0c, c0d, c0c, dyd, dyc, dhnd, dhnc, dcnd, dcnc }) t?.Dispose();
    }

    public static IEnumerable<TestCaseData> AttentionCases =>
    [
        new TestCaseData(false, true, new[] { 5, 3, 4 }).SetArgDisplayNames("self.causal.padding"),
        new TestCaseData(true, false, new[] { 2, 7, 7 }).SetArgDisplayNames("cross.padding"),
    ];

    [TestCaseSource(nameof(AttentionCases))]
    public void MultiHeadAttentionTrainingStep(bool cross, bool causal, int[] lengths)
    {
        const int batch = 3, e = 12, heads = 3;
        int tq = 5, tk = cross ? 7 : 5;
        var options = new MultiHeadAttentionOptions { EmbeddingSize = e, Heads = heads, QueryTile = 2, KeyTile = 3 };
        using var cpuLayer = new MultiHeadAttention<T>(Cpu, options, new RandomStream(3));
        using var devLayer = new MultiHeadAttention<T>(Device, options, new RandomStream(3));
        CopyParameters(cpuLayer, devLayer);
        var (qd, qc) = Pair(Uniform((long)tq * batch * e, 21), tq, batch, e);
        var (kd, kc) = cross ? Pair(Uniform((long)tk * batch * e, 22), tk, batch, e) : (qd, qc);
        using var od = Device.Allocate(tq, batch, e); using var oc = Cpu.Allocate(tq, batch, e);
        devLayer.Forward(qd, kd, kd, lengths, causal, od);
        cpuLayer.Forward(qc, kc, kc, lengths, causal, oc);
        string what = $"MultiHeadAttention {(cross ? "cross" : "self")}";
        AssertParity(od, oc, what + " output");

        var (dod, doc) = Pair(Uniform((long)tq * batch * e, 23), tq, batch, e);
        using var dqd = Device.Allocate(tq, batch, e); using var dqc = Cpu.Allocate(tq, batch, e);
        using var dkd = cross ? Device.Allocate(tk, batch, e) : null; using var dkc = cross ? Cpu.Allocate(tk, batch, e) : null;
        devLayer.Backward(dod, dqd, dkd, dkd);
        cpuLayer.Backward(doc, dqc, dkc, dkc);
        AssertParity(dqd, dqc, what + " dQuery");
        if (cross) AssertParity(dkd!, dkc!, what + " dKey + dValue (one tensor)");
        AssertGradients(devLayer, cpuLayer, what);
        foreach (var t in new[] { qd, qc, dod, doc }) t.Dispose();
        if (cross) { kd.Dispose(); kc.Dispose(); }
    }
}

/// <summary>Layer training steps on the emulated device against the CPU.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class EmulatedLayerParityTests<T> : LayerParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override IBackend<T> CreateDevice() => CudaTestDevices.Emulated<T>();
}

/// <summary>Layer training steps on a GPU against the CPU (skipped without a device).</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class GpuLayerParityTests<T> : LayerParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override IBackend<T> CreateDevice() => CudaTestDevices.Gpu<T>();
}
