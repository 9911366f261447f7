using System.Globalization;
using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Random;

namespace SeqCore.Tests.Cuda;

/// <summary>
/// Base of the recurrent and attention parity fixtures: the same op on a CUDA backend (the emulated device, or a real
/// GPU) and on <see cref="CpuBackend{T}"/>, from the same inputs, compared element by element.
/// </summary>
/// <remarks>
/// Tolerance: <c>|device − cpu| ≤ rel·(|cpu| + max|cpu|)</c> with rel = 1e-5 (float) or 1e-12 (double). The term in
/// the tensor's largest magnitude is the floor that sums and differences need (a gradient element that is small by
/// cancellation carries the rounding of its larger terms; the two backends add in different orders); without it a
/// tolerance relative to each element would fail on values near 0 whatever the kernel.
/// </remarks>
public abstract class ParityFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>1e-5 for float, 1e-12 for double.</summary>
    protected static double Rel => typeof(T) == typeof(float) ? 1e-5 : 1e-12;

    private IBackend<T>? _device;
    private CpuBackend<T>? _cpu;

    /// <summary>Creates the backend under test; calls <see cref="Assert.Ignore(string)"/> when it cannot exist here.</summary>
    protected abstract IBackend<T> CreateDevice();

    /// <summary>The backend under test (created on first use, once per fixture).</summary>
    protected IBackend<T> Device => _device ??= CreateDevice();

    /// <summary>The reference backend (one thread, so its order of additions is fixed).</summary>
    protected CpuBackend<T> Cpu => _cpu ??= new CpuBackend<T>(new CpuBackendOptions { Threads = 1 });

    /// <summary>Disposes both backends.</summary>
    [OneTimeTearDown]
    public void DisposeBackends()
    {
        _device?.Dispose();
        _cpu?.Dispose();
    }

    /// <summary>n uniform values in [lo, hi), rounded to T, from a fixed seed.</summary>
    protected static T[] Uniform(long n, ulong seed, double lo = -1, double hi = 1)
    {
        var r = new RandomStream(seed);
        var v = new T[n];
        for (long i = 0; i < n; i++) v[i] = T.CreateTruncating(lo + (hi - lo) * r.NextDouble());
        return v;
    }

    /// <summary>The same host data as a tensor on each backend.</summary>
    protected (Tensor<T> Dev, Tensor<T> Cpu) Pair(T[] data, params int[] shape) => (Device.FromHost(data, shape), Cpu.FromHost(data, shape));

    /// <summary>Asserts the device tensor matches the CPU one (see the class remarks for the tolerance).</summary>
    protected void AssertParity(Tensor<T> dev, Tensor<T> cpu, string what) => AssertClose(Device.ToArray(dev), Cpu.ToArray(cpu), what);

    /// <summary>Asserts the arrays match within the parity tolerance; ±∞ and NaN must match exactly.</summary>
    protected static void AssertClose(T[] actual, T[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: length");
        double max = 0;
        foreach (var e in expected) if (T.IsFinite(e)) max = Math.Max(max, Math.Abs(double.CreateTruncating(e)));
        int bad = 0, worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]), e = double.CreateTruncating(expected[i]);
            double bound = Rel * (Math.Abs(e) + max);
            bool ok = double.IsNaN(e) ? double.IsNaN(a) : double.IsInfinity(e) ? a == e : double.IsFinite(a) && Math.Abs(a - e) <= bound;
            if (ok) continue;
            bad++;
            double ratio = double.IsFinite(a) && double.IsFinite(e) ? Math.Abs(a - e) / Math.Max(bound, double.Epsilon) : double.PositiveInfinity;
            if (worst < 0 || ratio > worstRatio) { worst = i; worstRatio = ratio; }
        }
        if (bad > 0)
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what} ({typeof(T).Name}): {bad} of {actual.Length} elements differ from the CPU beyond {Rel:G3}·(|cpu| + {max:G3}); " +
                $"worst [{worst}]: cpu {expected[worst]}, device {actual[worst]} ({worstRatio:G3}× the bound)."));
    }

    private static Exception? Thrown(Action action)
    {
        try { action(); }
        catch (Exception e) when (e is not AssertionException and not IgnoreException) { return e; }
        return null;
    }

    /// <summary>Runs an op that must throw on both backends and asserts the messages are identical.</summary>
    protected void AssertSameError(Action<IBackend<T>> call, string what)
    {
        var onCpu = Thrown(() => call(Cpu)) ?? throw new AssertionException($"{what}: the CPU backend must throw");
        var onDevice = Thrown(() => call(Device));
        Assert.That(onDevice, Is.Not.Null, $"{what}: the CUDA backend must throw ({onCpu.GetType().Name}: {onCpu.Message})");
        Assert.That(onDevice!.GetType(), Is.EqualTo(onCpu.GetType()), $"{what}: exception type");
        Assert.That(onDevice.Message, Is.EqualTo(onCpu.Message), $"{what}: message");
    }
}
