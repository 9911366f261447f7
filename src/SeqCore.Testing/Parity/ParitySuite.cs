using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// GPU-versus-CPU parity cases for every <see cref="IBackend{T}"/> operation this backend implements, on awkward sizes
/// (1, 7, 33, 1000+, non-multiples of every block size), with in-place and optional-argument variants. Used by the
/// NUnit tests (on a GPU, and on the emulated device without one) and by <c>seqcore selftest</c>.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal static class ParitySuite<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Relative tolerance of the GEMM cases in float: cuBLAS and the CPU's packed kernel sum k products in different orders
    /// (and the CPU uses FMA), so they differ by up to about k·ε of the products' magnitudes; 1e-4 of the output scale
    /// covers k ≤ 100 with values in [−2, 2]. Double GEMMs use 1e-11.
    /// </summary>
    public static double GemmTolerance => typeof(T) == typeof(float) ? 1e-4 : 1e-11;

    /// <summary>Every case, in a fixed order.</summary>
    public static IReadOnlyList<ParityCase<T>> Cases => LazyCases.Value;

    private static readonly Lazy<List<ParityCase<T>>> LazyCases = new(Build);

    /// <summary>The case with this name.</summary>
    public static ParityCase<T> Get(string name) => Cases.First(c => c.Name == name);

    /// <summary>Runs a case on both backends and compares.</summary>
    public static ParityResult Run(ParityCase<T> c, IBackend<T> gpu, IBackend<T> cpu)
    {
        double[] expected = c.Run(cpu), actual = c.Run(gpu);
        return Compare(c, expected, actual);
    }

    /// <summary>Element-wise comparison with the case's tolerance (see <see cref="ParityCase{T}.Tolerance"/>).</summary>
    public static ParityResult Compare(ParityCase<T> c, double[] cpu, double[] gpu)
    {
        if (cpu.Length != gpu.Length)
            return new ParityResult(c.Name, false, cpu.Length, -1, 0, 0, $"{gpu.Length} values from the GPU, {cpu.Length} from the CPU");
        double tol = c.EffectiveTolerance, scale = 0;
        foreach (double v in cpu) if (double.IsFinite(v)) scale = Math.Max(scale, Math.Abs(v));
        int worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < cpu.Length; i++)
        {
            double e = cpu[i], a = gpu[i];
            bool same = e.Equals(a); // NaN equals NaN, and bit patterns of ±0 aside, exact
            double ratio;
            if (c.Exact) ratio = same && BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a) ? 0 : double.PositiveInfinity;
            else if (same) ratio = 0;
            else if (!double.IsFinite(e) || !double.IsFinite(a)) ratio = double.PositiveInfinity;
            else ratio = Math.Abs(a - e) / (tol * (Math.Abs(e) + 0.01 * scale) + 1e-6 * tol);
            if (ratio > worstRatio) { worstRatio = ratio; worst = i; }
        }
        bool passed = worstRatio <= 1;
        return new ParityResult(c.Name, passed, cpu.Length, worst, worst < 0 ? 0 : cpu[worst], worst < 0 ? 0 : gpu[worst],
            passed ? null : $"element {worst} of {cpu.Length}: CPU {cpu[worst]:R}, GPU {gpu[worst]:R} ({(c.Exact ? "must be bit-identical" : $"{worstRatio:G3}× the allowance at relative tolerance {tol:G2}")})");
    }

    private static readonly int[] Lengths = [1, 7, 1000, 4099];
    private static readonly (int Rows, int Cols)[] Matrices = [(1, 1), (7, 33), (33, 1000), (3, 2049)];

    private static List<ParityCase<T>> Build()
    {
        var cases = new List<ParityCase<T>>();
        void Add(string op, string name, Func<ParityScope<T>, double[]> body, bool exact = false, double tol = 0) =>
            cases.Add(new ParityCase<T>(op, name, b => { using var s = new ParityScope<T>(b); return body(s); }) { Exact = exact, Tolerance = tol });

        // ----- elementwise and activations
        foreach (int n in Lengths)
        {
            int[] sh = [n];
            Add("Add", $"Add[{n}]", s => { var a = s.Rand(1, sh); var b = s.Rand(2, sh); var y = s.Full(double.NaN, n); s.B.Add(a, b, y); return s.Read(y); });
            Add("Sub", $"Sub[{n}]", s => { var a = s.Rand(1, sh); var b = s.Rand(2, sh); s.B.Sub(a, b, a); return s.Read(a); });
            Add("Mul", $"Mul[{n}]", s => { var a = s.Rand(1, sh); var b = s.Rand(2, sh); var y = s.Full(double.NaN, n); s.B.Mul(a, b, y); return s.Read(y); });
            Add("Scale", $"Scale[{n}]", s => { var x = s.Rand(1, sh); s.B.Scale(x, T.CreateTruncating(-1.5), x); return s.Read(x); });
            Add("Axpy", $"Axpy[{n}]", s => { var x = s.Rand(1, sh); var y = s.Rand(2, sh); s.B.Axpy(x, T.CreateTruncating(0.75), y); return s.Read(y); });
            Add("Fill", $"Fill[{n}]", s => { var y = s.Full(double.NaN, n); s.B.Fill(T.CreateTruncating(3.25), y); return s.Read(y); }, exact: true);
            Add("Copy", $"Copy[{n}]", s => { var x = s.Rand(1, sh); var y = s.Full(double.NaN, n); s.B.Copy(x, y); return s.Read(y); }, exact: true);
            Add("Sigmoid", $"Sigmoid[{n}]", s => { var x = s.Rand(1, sh, -12, 12); var y = s.Full(double.NaN, n); s.B.Sigmoid(x, y); return s.Read(y); });
            Add("Tanh", $"Tanh[{n}]", s => { var x = s.Rand(1, sh, -6, 6); s.B.Tanh(x, x); return s.Read(x); });
            Add("Relu", $"Relu[{n}]", s => { var x = s.Rand(1, sh); var y = s.Full(double.NaN, n); s.B.Relu(x, y); return s.Read(y); }, exact: true);
            Add("SigmoidBackward", $"SigmoidBackward[{n}]", s => { var y = s.Rand(1, sh, 0, 1); var dy = s.Rand(2, sh); s.B.SigmoidBackward(y, dy, dy); return s.Read(dy); });
            Add("TanhBackward", $"TanhBackward[{n}]", s => { var y = s.Rand(1, sh, -1, 1); var dy = s.Rand(2, sh); var dx = s.Full(double.NaN, n); s.B.TanhBackward(y, dy, dx); return s.Read(dx); });
            Add("ReluBackward", $"ReluBackward[{n}]", s => { var x = s.Rand(1, sh); var dy = s.Rand(2, sh); var dx = s.Full(double.NaN, n); s.B.ReluBackward(x, dy, dx); return s.Read(dx); }, exact: true);
            foreach (var g in new[] { GeluApproximation.None, GeluApproximation.Tanh })
            {
                Add("Gelu", $"Gelu({g})[{n}]", s => { var x = s.Rand(1, sh, -6, 6); var y = s.Full(double.NaN, n); s.B.Gelu(x, g, y); return s.Read(y); });
                Add("GeluBackward", $"GeluBackward({g})[{n}]", s => { var x = s.Rand(1, sh, -6, 6); var dy = s.Rand(2, sh); s.B.GeluBackward(x, dy, g, dy); return s.Read(dy); },
                    tol: typeof(T) == typeof(float) && g == GeluApproximation.Tanh ? 1e-4 : 0);
            }
        }
        Add("Copy", "Copy(overlapping views)", s =>
        {
            var x = s.Rand(1, [100]);
            s.B.Copy(x.Slice(0, 60), x.Slice(30, 60));
            return s.Read(x);
        }, exact: true);

        // ----- softmax, reductions, layer norm (row kernels)
        foreach (var (r, c) in Matrices)
        {
            int[] sh = [r, c];
            string m = $"[{r}x{c}]";
            Add("Softmax", "Softmax" + m, s => { var x = s.Rand(1, sh, -20, 20); var y = s.Full(double.NaN, r, c); s.B.Softmax(x, y); return s.Read(y); });
            Add("LogSoftmax", "LogSoftmax" + m, s => { var x = s.Rand(1, sh, -20, 20); s.B.LogSoftmax(x, x); return s.Read(x); });
            Add("SoftmaxBackward", "SoftmaxBackward" + m, s =>
            {
                var x = s.Rand(1, sh); var y = s.Full(0, r, c); s.B.Softmax(x, y);
                var dy = s.Rand(2, sh); s.B.SoftmaxBackward(y, dy, dy); return s.Read(dy);
            });
            Add("LogSoftmaxBackward", "LogSoftmaxBackward" + m, s =>
            {
                var x = s.Rand(1, sh); var y = s.Full(0, r, c); s.B.LogSoftmax(x, y);
                var dy = s.Rand(2, sh); var dx = s.Full(double.NaN, r, c); s.B.LogSoftmaxBackward(y, dy, dx); return s.Read(dx);
            });
            Add("SumRows", "SumRows" + m, s => { var x = s.Rand(1, sh); var y = s.Rand(2, [c]); s.B.SumRows(x, true, y); var z = s.Full(double.NaN, c); s.B.SumRows(x, false, z); return s.Read(y, z); });
            Add("SumCols", "SumCols" + m, s => { var x = s.Rand(1, sh); var y = s.Rand(2, [r]); s.B.SumCols(x, true, y); var z = s.Full(double.NaN, r); s.B.SumCols(x, false, z); return s.Read(y, z); });
            Add("SumOfSquares", "SumOfSquares" + m, s => [s.B.SumOfSquares(s.Rand(1, sh))]);
            Add("ArgMaxRows", "ArgMaxRows" + m, s => ArgMax(s, s.Rand(1, sh), r), exact: true);
            Add("LayerNormForward", "LayerNormForward" + m, s =>
            {
                var x = s.Rand(1, sh, 1e3, 1e3 + 4); var w = s.Rand(2, [c]); var b = s.Rand(3, [c]);
                var y = s.Full(double.NaN, r, c); var mean = s.Full(double.NaN, r); var rstd = s.Full(double.NaN, r);
                s.B.LayerNormForward(x, w, b, T.CreateTruncating(1e-5), y, mean, rstd);
                var y2 = s.Full(double.NaN, r, c);
                s.B.LayerNormForward(x, null, null, T.CreateTruncating(1e-5), y2, mean, rstd);
                return s.Read(y, y2, mean, rstd);
            }, tol: typeof(T) == typeof(float) ? 1e-4 : 0);
            Add("LayerNormBackward", "LayerNormBackward" + m, s =>
            {
                var x = s.Rand(1, sh); var w = s.Rand(2, [c]); var b = s.Rand(3, [c]);
                var y = s.Full(0, r, c); var mean = s.Full(0, r); var rstd = s.Full(0, r);
                s.B.LayerNormForward(x, w, b, T.CreateTruncating(1e-5), y, mean, rstd);
                var dy = s.Rand(4, sh); var dx = s.Full(double.NaN, r, c); var dw = s.Rand(5, [c]); var db = s.Rand(6, [c]);
                s.B.LayerNormBackward(x, w, mean, rstd, dy, dx, dw, db);
                var dx2 = s.Full(double.NaN, r, c);
                s.B.LayerNormBackward(x, null, mean, rstd, dy, dx2, null, null);
                s.B.LayerNormBackward(x, w, mean, rstd, dy, dy, null, db); // dx aliasing dy, parameter gradient read first
                return s.Read(dx, dw, db, dx2, dy);
            }, tol: typeof(T) == typeof(float) ? 1e-4 : 0);

            // ----- losses
            Add("CrossEntropyForward", "CrossEntropyForward" + m, s =>
            {
                var x = s.Rand(1, sh, -5, 5); int[] t = Targets(r, c); var rows = s.Full(double.NaN, r);
                double mean = s.B.CrossEntropyForward(x, t, -100, 0.1, LossReduction.Mean, rows);
                double sum = s.B.CrossEntropyForward(x, t, -100, 0.0, LossReduction.Sum, null);
                return s.Read([rows], mean, sum);
            });
            Add("CrossEntropyBackward", "CrossEntropyBackward" + m, s =>
            {
                var x = s.Rand(1, sh, -5, 5); int[] t = Targets(r, c); var dx = s.Full(double.NaN, r, c);
                s.B.CrossEntropyBackward(x, t, -100, 0.1, LossReduction.Mean, 2.0, dx);
                s.B.CrossEntropyBackward(x, t, -100, 0.0, LossReduction.Sum, 1.0, x); // in place
                return s.Read(dx, x);
            });
            Add("BceWithLogitsForward", "BceWithLogitsForward" + m, s =>
            {
                var x = s.Rand(1, sh, -30, 30); var y = s.Rand(2, sh, 0, 1); var pw = s.Rand(3, [c], 0.5, 3);
                return [s.B.BceWithLogitsForward(x, y, pw, LossReduction.Mean), s.B.BceWithLogitsForward(x, y, null, LossReduction.Sum)];
            });
            Add("BceWithLogitsBackward", "BceWithLogitsBackward" + m, s =>
            {
                var x = s.Rand(1, sh, -30, 30); var y = s.Rand(2, sh, 0, 1); var pw = s.Rand(3, [c], 0.5, 3);
                var d1 = s.Full(double.NaN, r, c); var d2 = s.Full(double.NaN, r, c);
                s.B.BceWithLogitsBackward(x, y, pw, LossReduction.Mean, 1.5, d1);
                s.B.BceWithLogitsBackward(x, y, null, LossReduction.Sum, 1.0, d2);
                return s.Read(d1, d2);
            });
        }
        Add("Softmax", "Softmax(-inf rows)", s =>
        {
            var x = s.From([double.NegativeInfinity, double.NegativeInfinity, 1, double.NegativeInfinity], 2, 2);
            var y = s.Full(0, 2, 2); s.B.Softmax(x, y); return s.Read(y);
        });
        Add("LayerNormForward", "LayerNormForward(D=1, eps 0)", s =>
        {
            var x = s.Rand(1, [5, 1]); var y = s.Full(double.NaN, 5, 1); var mean = s.Full(0, 5); var rstd = s.Full(0, 5);
            s.B.LayerNormForward(x, null, null, T.CreateTruncating(0.5), y, mean, rstd); return s.Read(y, mean, rstd);
        });
        Add("CrossEntropyForward", "CrossEntropyForward(all ignored)", s =>
        {
            var x = s.Rand(1, [3, 4]); double v = s.B.CrossEntropyForward(x, [-1, -1, -1], -1, 0.2, LossReduction.Mean, null); return [v];
        });

        foreach (int n in Lengths)
        {
            int[] sh = [n];
            Add("MseForward", $"MseForward[{n}]", s =>
            {
                var p = s.Rand(1, sh); var t = s.Rand(2, sh);
                return [s.B.MseForward(p, t, LossReduction.Mean), s.B.MseForward(p, t, LossReduction.Sum)];
            });
            Add("MseBackward", $"MseBackward[{n}]", s =>
            {
                var p = s.Rand(1, sh); var t = s.Rand(2, sh); var d = s.Full(double.NaN, n);
                s.B.MseBackward(p, t, LossReduction.Mean, 3.0, d); s.B.MseBackward(p, t, LossReduction.Sum, 1.0, p); return s.Read(d, p);
            });
            foreach (var (mu, nest, first) in new[] { (0.0, false, false), (0.9, false, true), (0.9, true, false) })
                Add("SgdUpdate", $"SgdUpdate(momentum {mu}, nesterov {nest}, first {first})[{n}]", s =>
                {
                    var p = s.Rand(1, sh); var g = s.Rand(2, sh); var buf = s.Rand(3, sh);
                    s.B.SgdUpdate(p, g, mu == 0 ? null : buf, 0.1, mu, 0.1, 0.01, nest, first); return s.Read(p, g, buf);
                });
            foreach (bool decoupled in new[] { false, true })
                Add("AdamUpdate", $"AdamUpdate(decoupled {decoupled})[{n}]", s =>
                {
                    var p = s.Rand(1, sh); var g = s.Rand(2, sh); var m = s.Rand(3, sh); var v = s.Rand(4, sh, 0, 1);
                    s.B.AdamUpdate(p, g, m, v, 1e-2, 0.9, 0.999, 1e-8, 0.01, decoupled, 3); return s.Read(p, g, m, v);
                });
            // ----- random fills: a stream that has already been used, so the counter offset matters
            Add("FillUniform", $"FillUniform[{n}]", s =>
            {
                var rs = new RandomStream(42) { Position = 12345 }; var y = s.Full(double.NaN, n); var z = s.Full(double.NaN, n);
                s.B.FillUniform(rs, T.CreateTruncating(-3), T.CreateTruncating(5), y); s.B.FillUniform(rs, T.CreateTruncating(1e6), T.CreateTruncating(1e6 + 1), z);
                return s.Read([y, z], rs.Position);
            }, exact: true);
            Add("FillNormal", $"FillNormal[{n}]", s =>
            {
                var rs = new RandomStream(43) { Position = (1UL << 32) - 3 }; var y = s.Full(double.NaN, n);
                s.B.FillNormal(rs, T.CreateTruncating(0.5), T.CreateTruncating(2), y); return s.Read([y], rs.Position);
            }, tol: typeof(T) == typeof(float) ? 1e-6 : 1e-13);
            Add("FillBernoulliMask", $"FillBernoulliMask[{n}]", s =>
            {
                var rs = new RandomStream(44) { Position = 7 }; var y = s.Full(double.NaN, n);
                s.B.FillBernoulliMask(rs, T.CreateTruncating(0.7), T.CreateTruncating(1 / 0.7), y); return s.Read([y], rs.Position);
            }, exact: true);
        }

        // ----- sequence ops
        foreach (var (r, c) in new[] { (1, 1), (7, 33), (65, 257) })
        {
            string m = $"[{r}x{c}]";
            Add("BroadcastRows", "BroadcastRows" + m, s => { var row = s.Rand(1, [c]); var y = s.Full(double.NaN, r, c); s.B.BroadcastRows(row, y); return s.Read(y); }, exact: true);
            Add("Copy2D", "Copy2D" + m, s =>
            {
                var x = s.Rand(1, [r, c + 3]); var y = s.Rand(2, [r, 2 * c + 1]);
                s.B.Copy2D(x, r, c, c + 3, y.Slice(c, r * (2 * c + 1) - c), 2 * c + 1); return s.Read(y);
            }, exact: true);
            Add("SwapLeadingAxes", "SwapLeadingAxes" + m, s => { var x = s.Rand(1, [r, 3, c]); var y = s.Full(double.NaN, 3, r, c); s.B.SwapLeadingAxes(x, r, 3, y); return s.Read(y); }, exact: true);
            Add("Gather", "Gather" + m, s =>
            {
                var table = s.Rand(1, [r, c]); int[] idx = [.. Enumerable.Range(0, 2 * r + 3).Select(i => (i * 7 + 3) % r)];
                var y = s.Full(double.NaN, idx.Length, c); s.B.Gather(table, idx, y); return s.Read(y);
            }, exact: true);
            Add("ScatterAddRows", "ScatterAddRows" + m, s =>
            {
                var table = s.Rand(1, [r, c]); int[] idx = [.. Enumerable.Range(0, 2 * r + 3).Select(i => (i * 5 + 1) % r)];
                var dy = s.Rand(2, [idx.Length, c]); s.B.ScatterAddRows(dy, idx, r > 1 ? 1 : -1, table); return s.Read(table);
            });
            foreach (int t in new[] { 0, 2, 5 })
            {
                Add("SelectRows", $"SelectRows(t={t})" + m, s =>
                {
                    var len = s.From([.. Enumerable.Range(0, r).Select(i => (double)(i % 6))], r);
                    var a = s.Rand(1, [r, c]); var b = s.Rand(2, [r, c]); var y = s.Full(double.NaN, r, c);
                    s.B.SelectRows(len, t, a, b, y); s.B.SelectRows(len, t, a, b, b); return s.Read(y, b);
                }, exact: true);
                Add("MaskRows", $"MaskRows(t={t})" + m, s =>
                {
                    var len = s.From([.. Enumerable.Range(0, r).Select(i => (double)(i % 6))], r);
                    var x = s.Rand(1, [r, c]); var y = s.Full(double.NaN, r, c);
                    s.B.MaskRows(len, t, true, x, y); s.B.MaskRows(len, t, false, x, x); return s.Read(y, x);
                }, exact: true);
            }
        }
        foreach (bool bf in new[] { false, true })
        {
            Add("AddPositionRows", $"AddPositionRows(batchFirst {bf})", s =>
            {
                var x = s.Rand(1, bf ? [3, 5, 33] : [5, 3, 33]); var table = s.Rand(2, [9, 33]); var y = s.Full(double.NaN, x.Shape.ToArray());
                s.B.AddPositionRows(x, table, 2, bf, y); s.B.AddPositionRows(x, table, 4, bf, x); return s.Read(y, x);
            }, exact: true);
            Add("AccumulatePositionRows", $"AccumulatePositionRows(batchFirst {bf})", s =>
            {
                var dy = s.Rand(1, bf ? [3, 5, 33] : [5, 3, 33]); var table = s.Rand(2, [9, 33]);
                s.B.AccumulatePositionRows(dy, 3, bf, table); return s.Read(table);
            });
        }

        // ----- convolution and pooling
        foreach (var (b, ch, len, k, st, dil, pad) in new[] { (1, 1, 1, 1, 1, 1, 0), (2, 3, 17, 3, 1, 1, 2), (3, 5, 33, 4, 2, 2, 3) })
        {
            int outLen = (len + 2 * pad - dil * (k - 1) - 1) / st + 1;
            string m = $"[B{b} C{ch} L{len} K{k} s{st} d{dil} p{pad}]";
            Add("Im2Col", "Im2Col" + m, s =>
            {
                var x = s.Rand(1, [b, ch, len]); var cols = s.Full(double.NaN, ch * k, b * outLen);
                s.B.Im2Col(x, ch, len, k, st, dil, pad, outLen, cols); return s.Read(cols);
            }, exact: true);
            Add("Col2Im", "Col2Im" + m, s =>
            {
                var cols = s.Rand(1, [ch * k, b * outLen]); var dx = s.Full(double.NaN, b, ch, len);
                s.B.Col2Im(cols, ch, len, k, st, dil, pad, outLen, dx); return s.Read(dx);
            });
        }
        foreach (bool withLengths in new[] { false, true })
        {
            string m = withLengths ? "(lengths)" : "";
            double[] lens = [5, 0, 33, 1];
            Add("GlobalAvgPoolForward", "GlobalAvgPoolForward" + m, s =>
            {
                var x = s.Rand(1, [4, 7, 33]); var l = withLengths ? s.From(lens, 4) : null; var y = s.Full(double.NaN, 4, 7);
                s.B.GlobalAvgPoolForward(x, l, y); return s.Read(y);
            });
            Add("GlobalAvgPoolBackward", "GlobalAvgPoolBackward" + m, s =>
            {
                var dy = s.Rand(1, [4, 7]); var l = withLengths ? s.From(lens, 4) : null; var dx = s.Full(double.NaN, 4, 7, 33);
                s.B.GlobalAvgPoolBackward(l, dy, dx); return s.Read(dx);
            });
            Add("GlobalMaxPoolForward", "GlobalMaxPoolForward" + m, s =>
            {
                var x = s.Rand(1, [4, 7, 33]); var l = withLengths ? s.From(lens, 4) : null; var y = s.Full(double.NaN, 4, 7); var a = s.Full(double.NaN, 4, 7);
                s.B.GlobalMaxPoolForward(x, l, y, a); return s.Read(y, a);
            }, exact: true);
            Add("GlobalMaxPoolBackward", "GlobalMaxPoolBackward" + m, s =>
            {
                var x = s.Rand(1, [4, 7, 33]); var l = withLengths ? s.From(lens, 4) : null; var y = s.Full(0, 4, 7); var a = s.Full(0, 4, 7);
                s.B.GlobalMaxPoolForward(x, l, y, a);
                var dy = s.Rand(2, [4, 7]); var dx = s.Full(double.NaN, 4, 7, 33); s.B.GlobalMaxPoolBackward(a, dy, dx); return s.Read(dx);
            }, exact: true);
        }

        // ----- GEMM (cuBLAS on a GPU)
        foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 33, 17), (65, 33, 100), (1, 1000, 7) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    Transpose opA = ta ? Transpose.Yes : Transpose.No, opB = tb ? Transpose.Yes : Transpose.No;
                    int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
                    Add("Gemm", $"Gemm({(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')})[{m}x{n}x{k}]", s =>
                    {
                        var a = s.Rand(1, [(ta ? k : m) * lda]); var b = s.Rand(2, [(tb ? n : k) * ldb]); var c = s.Rand(3, [m * ldc]);
                        s.B.Gemm(opA, opB, m, n, k, T.CreateTruncating(0.5), a, lda, b, ldb, T.CreateTruncating(-1.25), c, ldc);
                        var c0 = s.Full(double.NaN, m * ldc); // beta = 0 must not read C
                        s.B.Gemm(opA, opB, m, n, k, T.One, a, lda, b, ldb, T.Zero, c0, ldc);
                        return s.Read(c, c0);
                    }, tol: GemmTolerance);
                }
        Add("Gemm", "Gemm(k=0 scales C)", s =>
        {
            var a = s.Rand(1, [4]); var b = s.Rand(2, [4]); var c = s.Rand(3, [5, 6]); var c0 = s.Full(double.NaN, 5, 6);
            s.B.Gemm(Transpose.No, Transpose.No, 5, 6, 0, T.One, a, 1, b, 6, T.CreateTruncating(2), c, 6);
            s.B.Gemm(Transpose.No, Transpose.No, 5, 6, 0, T.One, a, 1, b, 6, T.Zero, c0, 6);
            return s.Read(c, c0);
        }, exact: true);
        foreach (long strideB in new long[] { 0, 33 * 17 })
            Add("GemmStridedBatched", $"GemmStridedBatched(strideB {strideB})[3 x 7x17x33]", s =>
            {
                var a = s.Rand(1, [3, 7, 33]); var b = s.Rand(2, [3, 33, 17]); var c = s.Rand(3, [3, 7, 17]);
                s.B.GemmStridedBatched(Transpose.No, Transpose.No, 7, 17, 33, T.One, a, 33, 7 * 33, b, 17, strideB, T.One, c, 17, 7 * 17, 3);
                var d = s.Full(double.NaN, 3, 17, 7);
                s.B.GemmStridedBatched(Transpose.Yes, Transpose.Yes, 17, 7, 33, T.One, b, 17, strideB, a, 33, 7 * 33, T.Zero, d, 7, 17 * 7, 3);
                return s.Read(c, d);
            }, tol: GemmTolerance);

        // ----- fused recurrent cells and attention (kernels/recurrent.cu, kernels/attention.cu)
        // Ties (the first wins; −0 = +0), NaNs (the first NaN wins), infinities, rows longer than one SIMD pass.
        Add("ArgMaxRows", "ArgMaxRows[ties, NaN]", s =>
        {
            double nan = double.NaN, inf = double.PositiveInfinity;
            double[] v = [1, 3, 3, 2, 0, -0.0, 0.0, -1, -inf, -inf, 5, nan, 7, nan, 2, 4, inf, 2, inf, 1];
            var rows = new List<double>();
            foreach (int width in new[] { 4, 20 })
                for (int shift = 0; shift < v.Length; shift += 4)
                    for (int c = 0; c < width; c++) rows.Add(v[(shift + c) % v.Length]);
            var x = s.From([.. rows.Take(5 * 4)], 5, 4);
            var y = s.From([.. rows.Skip(5 * 4)], 5, 20);
            return [.. ArgMax(s, x, 5), .. ArgMax(s, y, 5)];
        }, exact: true);

        RecurrentAttentionParityCases<T>.AddTo((op, name, body, exact, tol) => Add(op, name, body, exact, tol));
        return cases;
    }

    private static double[] ArgMax(ParityScope<T> s, Tensor<T> x, int rows)
    {
        var indices = new int[rows];
        s.B.ArgMaxRows(x, indices);
        return Array.ConvertAll(indices, i => (double)i);
    }

    /// <summary>Row targets with every third row ignored (−100) and indices spread over the classes.</summary>
    private static int[] Targets(int rows, int cols) => [.. Enumerable.Range(0, rows).Select(i => i % 3 == 1 ? -100 : (i * 13 + 5) % cols)];
}
