using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Layers.Recurrent;
using SeqCore.Random;

namespace SeqCore.Tests.Layers;

/// <summary>
/// The fused GRU step ops against plain scalar loops (every SIMD tail width, float and double), one- and two-step GRU and
/// RNN outputs against values computed here from the cell equations, and the argument checks of cells without c.
/// </summary>
public class GruRnnTests
{
    private static readonly int[] HiddenSizes = [1, 3, 7, 17, 33];

    // ----- fused ops vs scalar reference ----------------------------------------------------------------------------

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Values in [lo, hi) from a fixed seed.</summary>
    private static double[] Values(System.Random random, int count, double lo, double hi)
        => Enumerable.Range(0, count).Select(_ => lo + (hi - lo) * random.NextDouble()).ToArray();

    /// <summary>Activations (r, z, n) as a forward pass leaves them: r, z in (0, 1), n in (−1, 1).</summary>
    private static double[] Activations(System.Random random, int batch, int hidden)
    {
        var g = new double[batch * 3 * hidden];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < hidden; j++)
            {
                int o = b * 3 * hidden + j;
                g[o] = 0.05 + 0.9 * random.NextDouble();
                g[o + hidden] = 0.05 + 0.9 * random.NextDouble();
                g[o + 2 * hidden] = -0.95 + 1.9 * random.NextDouble();
            }
        return g;
    }

    /// <summary>Runs every fused GRU op on <paramref name="batch"/>×<paramref name="hidden"/> and compares with the reference.</summary>
    private static void CheckFusedOps<T>(int batch, int hidden, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var be = new CpuBackend<T>();
        var random = new System.Random(1000 + 7 * hidden + batch);
        int g3 = 3 * hidden, n3 = batch * g3, n1 = batch * hidden;
        const double sentinel = 7.25; // outputs an op must not touch keep this value

        Tensor<T> Up(double[] v, int cols) => be.FromHost(v.Select(T.CreateTruncating).ToArray(), batch, cols);
        double[] Down(Tensor<T> t) => be.ToArray(t).Select(double.CreateTruncating).ToArray();
        double[] Round(double[] v) => v.Select(x => double.CreateTruncating(T.CreateTruncating(x))).ToArray(); // inputs as T holds them
        double[] Filled(int count) => Enumerable.Repeat(sentinel, count).ToArray();
        void Expect(double[] expected, Tensor<T> actual, string what)
        {
            var a = Down(actual);
            for (int i = 0; i < expected.Length; i++)
                Assert.That(a[i], Is.EqualTo(expected[i]).Within(tolerance), $"{what}[{i}] (B={batch}, H={hidden}, {typeof(T).Name})");
        }

        double[] pre = Round(Values(random, n3, -3, 3)), hpre = Round(Values(random, n3, -2, 2));
        double[] hPrev = Round(Values(random, n1, -1, 1)), dh = Round(Values(random, n1, -1, 1));
        double[] act = Round(Activations(random, batch, hidden)), drh = Round(Values(random, n1, -1, 1));
        double[] dhPrevIn = Round(Values(random, n1, -1, 1));

        // PyTorch form, forward.
        {
            var expG = new double[n3];
            var expH = new double[n1];
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < hidden; j++)
                {
                    int o = b * g3 + j, s = b * hidden + j;
                    double r = Sigmoid(pre[o] + hpre[o]);
                    double z = Sigmoid(pre[o + hidden] + hpre[o + hidden]);
                    double n = Math.Tanh(pre[o + 2 * hidden] + r * hpre[o + 2 * hidden]);
                    (expG[o], expG[o + hidden], expG[o + 2 * hidden]) = (r, z, n);
                    expH[s] = (1 - z) * n + z * hPrev[s];
                }
            using var gates = Up(pre, g3);
            using var hp = Up(hpre, g3);
            using var hprev = Up(hPrev, hidden);
            using var h = Up(Filled(n1), hidden);
            be.GruCellForward(gates, hp, hprev, h);
            Expect(expG, gates, "GruCellForward gates");
            Expect(expH, h, "GruCellForward h");
            Expect(hpre, hp, "GruCellForward hGates (read only)");
        }

        // PyTorch form, backward.
        {
            var expDG = new double[n3];
            var expDP = new double[n3];
            var expDH = new double[n1];
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < hidden; j++)
                {
                    int o = b * g3 + j, s = b * hidden + j;
                    double r = act[o], z = act[o + hidden], n = act[o + 2 * hidden], pn = hpre[o + 2 * hidden];
                    double gn = dh[s] * (1 - z) * (1 - n * n);
                    double gz = dh[s] * (hPrev[s] - n) * z * (1 - z);
                    double gr = gn * pn * r * (1 - r);
                    (expDG[o], expDG[o + hidden], expDG[o + 2 * hidden]) = (gr, gz, gn);
                    (expDP[o], expDP[o + hidden], expDP[o + 2 * hidden]) = (gr, gz, gn * r);
                    expDH[s] = dh[s] * z;
                }
            using var gates = Up(act, g3);
            using var hp = Up(hpre, g3);
            using var hprev = Up(hPrev, hidden);
            using var dH = Up(dh, hidden);
            using var dGates = Up(Filled(n3), g3);
            using var dHp = Up(Filled(n3), g3);
            using var dHPrev = Up(Filled(n1), hidden);
            be.GruCellBackward(gates, hp, hprev, dH, dGates, dHp, dHPrev);
            Expect(expDG, dGates, "GruCellBackward dGates");
            Expect(expDP, dHp, "GruCellBackward dhGates");
            Expect(expDH, dHPrev, "GruCellBackward dhPrev");
        }

        // Original form, forward: gates pass (n columns untouched), then cell pass (r, z untouched).
        {
            var expG1 = (double[])pre.Clone();
            var expRh = new double[n1];
            var expG2 = new double[n3];
            var expH = new double[n1];
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < hidden; j++)
                {
                    int o = b * g3 + j, s = b * hidden + j;
                    double r = Sigmoid(pre[o]), z = Sigmoid(pre[o + hidden]);
                    (expG1[o], expG1[o + hidden]) = (r, z);
                    expRh[s] = r * hPrev[s];
                    // The cell pass reads activations r, z and the n pre-activation (here the act buffer supplies r, z).
                    double zz = act[o + hidden], n = Math.Tanh(pre[o + 2 * hidden]);
                    (expG2[o], expG2[o + hidden], expG2[o + 2 * hidden]) = (act[o], zz, n);
                    expH[s] = (1 - zz) * n + zz * hPrev[s];
                }
            using var gates = Up(pre, g3);
            using var hprev = Up(hPrev, hidden);
            using var rh = Up(Filled(n1), hidden);
            be.GruOriginalGatesForward(gates, hprev, rh);
            Expect(expG1, gates, "GruOriginalGatesForward gates");
            Expect(expRh, rh, "GruOriginalGatesForward resetHidden");

            var mixed = (double[])act.Clone();
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < hidden; j++) mixed[b * g3 + 2 * hidden + j] = pre[b * g3 + 2 * hidden + j];
            using var gates2 = Up(mixed, g3);
            using var h = Up(Filled(n1), hidden);
            be.GruOriginalCellForward(gates2, hprev, h);
            Expect(expG2, gates2, "GruOriginalCellForward gates");
            Expect(expH, h, "GruOriginalCellForward h");
        }

        // Original form, backward: cell pass (r columns untouched), then gates pass (z, n untouched; dhPrev accumulated).
        {
            var expDG1 = Filled(n3);
            var expDH1 = new double[n1];
            var expDG2 = Filled(n3);
            var expDH2 = new double[n1];
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < hidden; j++)
                {
                    int o = b * g3 + j, s = b * hidden + j;
                    double r = act[o], z = act[o + hidden], n = act[o + 2 * hidden];
                    expDG1[o + hidden] = dh[s] * (hPrev[s] - n) * z * (1 - z);
                    expDG1[o + 2 * hidden] = dh[s] * (1 - z) * (1 - n * n);
                    expDH1[s] = dh[s] * z;
                    expDG2[o] = drh[s] * hPrev[s] * r * (1 - r);
                    expDH2[s] = dhPrevIn[s] + drh[s] * r;
                }
            using var gates = Up(act, g3);
            using var hprev = Up(hPrev, hidden);
            using var dH = Up(dh, hidden);
            using var dGates = Up(Filled(n3), g3);
            using var dHPrev = Up(Filled(n1), hidden);
            be.GruOriginalCellBackward(gates, hprev, dH, dGates, dHPrev);
            Expect(expDG1, dGates, "GruOriginalCellBackward dGates");
            Expect(expDH1, dHPrev, "GruOriginalCellBackward dhPrev");

            using var dRh = Up(drh, hidden);
            using var dGates2 = Up(Filled(n3), g3);
            using var dHPrev2 = Up(dhPrevIn, hidden);
            be.GruOriginalGatesBackward(gates, hprev, dRh, dGates2, dHPrev2);
            Expect(expDG2, dGates2, "GruOriginalGatesBackward dGates");
            Expect(expDH2, dHPrev2, "GruOriginalGatesBackward dhPrev");
        }
    }

    [Test]
    public void FusedGruOpsMatchScalarReferenceInDouble([ValueSource(nameof(HiddenSizes))] int hidden, [Values(1, 3)] int batch)
        => CheckFusedOps<double>(batch, hidden, 1e-13);

    [Test]
    public void FusedGruOpsMatchScalarReferenceInFloat([ValueSource(nameof(HiddenSizes))] int hidden, [Values(1, 3)] int batch)
        => CheckFusedOps<float>(batch, hidden, 2e-6);

    /// <summary>B·H large enough that the rows are split over the worker threads.</summary>
    [Test]
    public void FusedGruOpsMatchScalarReferenceWhenSplitOverThreads()
    {
        CheckFusedOps<double>(520, 33, 1e-13);
        CheckFusedOps<float>(520, 33, 2e-6);
    }

    [Test]
    public void FusedGruOpsRejectMismatchedShapes()
    {
        using var be = new CpuBackend<double>();
        using var gates = be.Allocate(2, 12);
        using var hGates = be.Allocate(2, 9);
        using var h = be.Allocate(2, 4);
        using var hPrev = be.Allocate(2, 4);
        var e = Assert.Throws<ArgumentException>(() => be.GruCellForward(gates, hGates, hPrev, h));
        Assert.That(e!.Message, Does.Contain("GruCellForward").And.Contain("hGates"));
        using var small = be.Allocate(2, 3);
        e = Assert.Throws<ArgumentException>(() => be.GruOriginalGatesForward(gates, hPrev, small));
        Assert.That(e!.Message, Does.Contain("resetHidden"));
    }

    // ----- layers against the equations ------------------------------------------------------------------------------

    // A tiny case: I = 2, H = 2, B = 1, T = 2, non-zero initial state. Parameters are set by name.
    private static readonly double[] X = [0.5, -1.0, 0.25, 0.75];     // [T=2, B=1, I=2]
    private static readonly double[] H0 = [0.3, -0.2];                // [1, 1, 2]

    private static double[] Seq(int n, double start, double step) => Enumerable.Range(0, n).Select(i => start + step * i * (i % 2 == 0 ? 1 : -1)).ToArray();

    /// <summary>Row <paramref name="row"/> of a row-major <c>W [·, cols]</c> dotted with <paramref name="v"/>.</summary>
    private static double Dot(double[] w, int cols, int row, double[] v)
    {
        double s = 0;
        for (int k = 0; k < cols; k++) s += w[row * cols + k] * v[k];
        return s;
    }

    private static void SetParameters(CpuBackend<double> be, RecurrentLayer<double> layer, Dictionary<string, double[]> values)
    {
        Assert.That(layer.Parameters.Select(p => p.Name), Is.EquivalentTo(values.Keys));
        foreach (var p in layer.Parameters) be.CopyFromHost(values[p.Name], p.Value);
    }

    private static double[] RunLayer(CpuBackend<double> be, RecurrentLayer<double> layer, out double[] hn)
    {
        using var x = be.FromHost(X, 2, 1, 2);
        using var h0 = be.FromHost(H0, 1, 1, 2);
        using var y = be.Allocate(2, 1, 2);
        using var hnT = be.Allocate(1, 1, 2);
        layer.Forward(x, [], h0, null, y, hnT, null);
        hn = be.ToArray(hnT);
        return be.ToArray(y);
    }

    [TestCase(GruForm.PyTorch)]
    [TestCase(GruForm.Original)]
    public void GruLayerMatchesTheEquations(GruForm form)
    {
        using var be = new CpuBackend<double>();
        using var layer = new RecurrentLayer<double>(be, new RecurrentOptions { Cell = CellKind.Gru, InputSize = 2, HiddenSize = 2, GruForm = form }, new RandomStream(3));
        const int hd = 2;
        double[] wih = Seq(12, 0.1, 0.07), whh = Seq(12, -0.2, 0.05), bih = Seq(6, 0.05, 0.03), bhh = Seq(6, -0.1, 0.04);
        SetParameters(be, layer, new() { ["weight_ih_l0"] = wih, ["weight_hh_l0"] = whh, ["bias_ih_l0"] = bih, ["bias_hh_l0"] = bhh });
        Assert.That(layer.Parameters[0].Value.Shape.ToArray(), Is.EqualTo(new[] { 6, 2 }));
        Assert.That(layer.Parameters[1].Value.Shape.ToArray(), Is.EqualTo(new[] { 6, 2 }));

        // The equations, element by element. Gate rows: r = 0..H, z = H..2H, n = 2H..3H.
        var h = (double[])H0.Clone();
        var expected = new List<double>();
        for (int t = 0; t < 2; t++)
        {
            double[] x = [X[2 * t], X[2 * t + 1]];
            var r = new double[hd];
            var z = new double[hd];
            for (int j = 0; j < hd; j++)
            {
                r[j] = Sigmoid(Dot(wih, 2, j, x) + bih[j] + Dot(whh, 2, j, h) + bhh[j]);
                z[j] = Sigmoid(Dot(wih, 2, hd + j, x) + bih[hd + j] + Dot(whh, 2, hd + j, h) + bhh[hd + j]);
            }
            double[] rh = [r[0] * h[0], r[1] * h[1]];
            var next = new double[hd];
            for (int j = 0; j < hd; j++)
            {
                double inner = form == GruForm.PyTorch
                    ? r[j] * (Dot(whh, 2, 2 * hd + j, h) + bhh[2 * hd + j])
                    : Dot(whh, 2, 2 * hd + j, rh) + bhh[2 * hd + j];
                double n = Math.Tanh(Dot(wih, 2, 2 * hd + j, x) + bih[2 * hd + j] + inner);
                next[j] = (1 - z[j]) * n + z[j] * h[j];
            }
            h = next;
            expected.AddRange(h);
        }

        var y = RunLayer(be, layer, out var hn);
        Assert.That(y, Is.EqualTo(expected).Within(1e-14));
        Assert.That(hn, Is.EqualTo(h).Within(1e-14));
    }

    [Test]
    public void GruFormsGiveDifferentOutputs()
    {
        using var be = new CpuBackend<double>();
        double[] Output(GruForm form)
        {
            using var layer = new RecurrentLayer<double>(be, new RecurrentOptions { Cell = CellKind.Gru, InputSize = 2, HiddenSize = 2, GruForm = form }, new RandomStream(3));
            return RunLayer(be, layer, out _);
        }
        var a = Output(GruForm.PyTorch);
        var b = Output(GruForm.Original);
        Assert.That(a.Zip(b, (p, q) => Math.Abs(p - q)).Max(), Is.GreaterThan(1e-4));
    }

    [TestCase(CellKind.RnnTanh)]
    [TestCase(CellKind.RnnRelu)]
    public void RnnLayerMatchesTheEquations(CellKind cell)
    {
        using var be = new CpuBackend<double>();
        using var layer = new RecurrentLayer<double>(be, new RecurrentOptions { Cell = cell, InputSize = 2, HiddenSize = 2 }, new RandomStream(3));
        // Mixed signs so that ReLU both passes and clips.
        double[] wih = [0.6, -0.4, -0.9, 0.2], whh = [0.5, 0.3, -0.7, 0.8], bih = [0.1, -0.05], bhh = [-0.2, 0.15];
        SetParameters(be, layer, new() { ["weight_ih_l0"] = wih, ["weight_hh_l0"] = whh, ["bias_ih_l0"] = bih, ["bias_hh_l0"] = bhh });

        var h = (double[])H0.Clone();
        var expected = new List<double>();
        for (int t = 0; t < 2; t++)
        {
            double[] x = [X[2 * t], X[2 * t + 1]];
            var next = new double[2];
            for (int j = 0; j < 2; j++)
            {
                double a = Dot(wih, 2, j, x) + bih[j] + Dot(whh, 2, j, h) + bhh[j];
                next[j] = cell == CellKind.RnnTanh ? Math.Tanh(a) : Math.Max(a, 0);
            }
            h = next;
            expected.AddRange(h);
        }
        if (cell == CellKind.RnnRelu) Assert.That(expected, Has.Some.EqualTo(0.0).And.Some.GreaterThan(0.0));

        var y = RunLayer(be, layer, out var hn);
        Assert.That(y, Is.EqualTo(expected).Within(1e-14));
        Assert.That(hn, Is.EqualTo(h).Within(1e-14));
    }

    // ----- argument checks -------------------------------------------------------------------------------------------

    [TestCase(CellKind.Gru)]
    [TestCase(CellKind.RnnTanh)]
    [TestCase(CellKind.RnnRelu)]
    public void CellStateIsRejectedForCellsWithoutOne(CellKind cell)
    {
        using var be = new CpuBackend<double>();
        using var layer = new RecurrentLayer<double>(be, new RecurrentOptions { Cell = cell, InputSize = 2, HiddenSize = 2 }, new RandomStream(3));
        Assert.That(layer.HasCellState, Is.False);
        using var x = be.FromHost(X, 2, 1, 2);
        using var y = be.Allocate(2, 1, 2);
        using var c = be.Allocate(1, 1, 2);
        var e = Assert.Throws<ArgumentException>(() => layer.Forward(x, [], null, c, y, null, null));
        Assert.That(e!.Message, Does.Contain("no cell state").And.Contain("c0"));
        e = Assert.Throws<ArgumentException>(() => layer.Forward(x, [], null, null, y, null, c));
        Assert.That(e!.Message, Does.Contain("no cell state"));

        layer.Forward(x, [], null, null, y, null, null);
        using var dy = be.Allocate(2, 1, 2);
        e = Assert.Throws<ArgumentException>(() => layer.Backward(dy, null, null, null, null, c));
        Assert.That(e!.Message, Does.Contain("no cell state").And.Contain("dc0"));
    }

    [Test]
    public void GruFormIsAGruOnlyOption()
    {
        using var be = new CpuBackend<double>();
        var e = Assert.Throws<ArgumentException>(() => new RecurrentLayer<double>(be,
            new RecurrentOptions { Cell = CellKind.Lstm, InputSize = 2, HiddenSize = 2, GruForm = GruForm.Original }, new RandomStream(3)));
        Assert.That(e!.Message, Does.Contain("GRU form"));
        e = Assert.Throws<ArgumentException>(() => new RecurrentLayer<double>(be,
            new RecurrentOptions { Cell = CellKind.Gru, InputSize = 2, HiddenSize = 2, Peepholes = true }, new RandomStream(3)));
        Assert.That(e!.Message, Does.Contain("LSTM options"));
    }

    [Test]
    public void ParameterNamesAndShapesFollowPyTorch()
    {
        using var be = new CpuBackend<double>();
        using var gru = new RecurrentLayer<double>(be, new RecurrentOptions { Cell = CellKind.Gru, InputSize = 3, HiddenSize = 5, Layers = 2, Bidirectional = true }, new RandomStream(3));
        var shapes = gru.Parameters.ToDictionary(p => p.Name, p => p.Value.Shape.ToArray());
        Assert.That(shapes["weight_ih_l0"], Is.EqualTo(new[] { 15, 3 }));
        Assert.That(shapes["weight_hh_l0_reverse"], Is.EqualTo(new[] { 15, 5 }));
        Assert.That(shapes["weight_ih_l1"], Is.EqualTo(new[] { 15, 10 }));
        Assert.That(shapes["bias_hh_l1_reverse"], Is.EqualTo(new[] { 15 }));
        Assert.That(shapes, Has.Count.EqualTo(16));

        using var rnn = new RecurrentLayer<double>(be, new RecurrentOptions { Cell = CellKind.RnnRelu, InputSize = 3, HiddenSize = 5, Bias = false }, new RandomStream(3));
        Assert.That(rnn.Parameters.Select(p => (p.Name, Shape: p.Value.Shape.ToArray())),
            Is.EqualTo(new[] { ("weight_ih_l0", new[] { 5, 3 }), ("weight_hh_l0", new[] { 5, 5 }) }));
    }
}
