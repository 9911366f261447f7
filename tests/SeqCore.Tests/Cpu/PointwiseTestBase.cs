using System.Globalization;
using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Tests.Support;

namespace SeqCore.Tests.Cpu;

/// <summary>The checks shared by the elementwise and activation fixtures, driven by <see cref="PointwiseOps{T}"/>.</summary>
public abstract class PointwiseTestBase<T> : CpuFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const double Sentinel = 1234.5; // exact in float and double, far from every op's output

    private static string Describe(double[][] args, int i) =>
        "(inputs " + string.Join(", ", args.Select(a => a[i].ToString("R", CultureInfo.InvariantCulture))) + ")";

    private static double[] Expected(PointwiseCase<T> c, double[][] args, int n)
    {
        var e = new double[n];
        var v = new double[args.Length];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < args.Length; k++) v[k] = args[k][i];
            e[i] = c.Reference(v);
        }
        return e;
    }

    /// <summary>The op on fresh tensors against the scalar reference; the output starts as NaN (unless the op reads it) and the inputs must come back unchanged.</summary>
    protected void CheckAgainstReference(string op, int n, int threads)
    {
        var c = PointwiseOps<T>.All[op];
        var b = Cpu(threads);
        double[][] args = Array.ConvertAll(c.MakeInputs(n, 1000 + n), RoundTrip);
        var ins = Array.ConvertAll(args, a => Upload(b, a, n));
        try
        {
            using var y = c.OutputStartsAs >= 0 ? Upload(b, args[c.OutputStartsAs], n) : Poisoned(b, n);
            c.Run(b, ins, y);
            Approx.AssertClose(b.ToArray(y), Expected(c, args, n), c.Tolerance, $"{op} n={n} threads={threads}", i => Describe(args, i));
            for (int k = 0; k < ins.Length; k++)
                Approx.AssertIdentical(b.ToArray(ins[k]), ToT(args[k]), $"{op}: input {k} must not change");
        }
        finally { foreach (var t in ins) t.Dispose(); }
    }

    /// <summary>The output is the same tensor as input <paramref name="alias"/>, or (alias = −1) every input and the output are one tensor.</summary>
    protected void CheckInPlace(string op, int alias, int n, int threads)
    {
        var c = PointwiseOps<T>.All[op];
        var b = Cpu(threads);
        double[][] args = Array.ConvertAll(c.MakeInputs(n, 2000 + n), RoundTrip);
        if (alias < 0) args = Array.ConvertAll(args, _ => args[0]);
        else if (c.OutputStartsAs >= 0) args[c.OutputStartsAs] = args[alias]; // the output's old content is input alias
        var expected = Expected(c, args, n);

        Tensor<T>[] ins;
        if (alias < 0)
        {
            var one = Upload(b, args[0], n);
            ins = Array.ConvertAll(args, _ => one);
        }
        else ins = Array.ConvertAll(args, a => Upload(b, a, n));
        try
        {
            var y = alias < 0 ? ins[0] : ins[alias];
            c.Run(b, ins, y);
            Approx.AssertClose(b.ToArray(y), expected, c.Tolerance, $"{op} in place (alias {(alias < 0 ? "all" : alias)}) n={n} threads={threads}", i => Describe(args, i));
        }
        finally { foreach (var t in ins.Distinct()) t.Dispose(); }
    }

    /// <summary>
    /// Inputs are <c>Row(1)</c> views of [3, n] tensors whose other rows hold a sentinel; the output is a
    /// <c>Slice(5, n).Reshape(1, n)</c> view of a sentinel-filled [n + 11] tensor. Only the view's range may change.
    /// </summary>
    protected void CheckOnViews(string op, int n, int threads)
    {
        var c = PointwiseOps<T>.All[op];
        var b = Cpu(threads);
        double[][] args = Array.ConvertAll(c.MakeInputs(n, 3000 + n), RoundTrip);
        var roots = new List<Tensor<T>>();
        try
        {
            var ins = new Tensor<T>[args.Length];
            var rootData = new double[args.Length][];
            for (int k = 0; k < args.Length; k++)
            {
                rootData[k] = Inputs.Constant(3 * n, Sentinel);
                args[k].CopyTo(rootData[k], n);
                var root = Upload(b, rootData[k], 3, n);
                roots.Add(root);
                ins[k] = root.Row(1);
            }
            var outData = Inputs.Constant(n + 11, Sentinel);
            if (c.OutputStartsAs >= 0) args[c.OutputStartsAs].CopyTo(outData, 5);
            var outRoot = Upload(b, outData, n + 11);
            roots.Add(outRoot);
            var y = outRoot.Slice(5, n).Reshape(1, n);

            c.Run(b, ins, y);

            Approx.AssertClose(b.ToArray(y), Expected(c, args, n), c.Tolerance, $"{op} on views n={n} threads={threads}", i => Describe(args, i));
            var after = ToDouble(b.ToArray(outRoot));
            for (int i = 0; i < n + 11; i++)
                if (i < 5 || i >= 5 + n)
                    Assert.That(after[i], Is.EqualTo(Sentinel), $"{op} wrote element {i} of the output root, outside its view [5, {5 + n})");
            for (int k = 0; k < args.Length; k++)
                Approx.AssertIdentical(b.ToArray(roots[k]), ToT(rootData[k]), $"{op}: input root {k} must not change");
        }
        finally { foreach (var t in roots) t.Dispose(); }
    }

    /// <summary>
    /// Each special x value fills a 9-element tensor: 8 elements go through the Vector256 path (two vectors for
    /// double) and the 9th through the scalar remainder, so both paths are checked on every special value.
    /// </summary>
    protected void CheckSpecialValues(string op)
    {
        var c = PointwiseOps<T>.All[op];
        var b = Cpu(1);
        var specials = Inputs.ActivationSpecials.AsEnumerable();
        if (c.TakesInfinity) specials = specials.Concat([double.PositiveInfinity, double.NegativeInfinity]);
        using (Assert.EnterMultipleScope())
        {
            foreach (double x in specials)
            {
                double[][] args = Array.ConvertAll(c.FromSpecial!(x), v => Inputs.Constant(9, RoundTrip(v)));
                var ins = Array.ConvertAll(args, a => Upload(b, a, 9));
                using var y = Poisoned(b, 9);
                c.Run(b, ins, y);
                Approx.AssertClose(b.ToArray(y), Expected(c, args, 9), c.Tolerance, $"{op} at x = {x.ToString("R", CultureInfo.InvariantCulture)}", i => Describe(args, i));
                foreach (var t in ins) t.Dispose();
            }
        }
    }
}
