using System.Numerics;
using SeqCore.Cpu;

namespace SeqCore.Tests.Support;

/// <summary>
/// Base of the generic CPU fixtures: one backend per thread count, created on first use and disposed after the
/// fixture, plus conversions between double references and T.
/// </summary>
public abstract class CpuFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<int, CpuBackend<T>> _backends = [];

    /// <summary>The fixture's backend with <paramref name="threads"/> threads.</summary>
    protected CpuBackend<T> Cpu(int threads)
    {
        if (!_backends.TryGetValue(threads, out var b))
            _backends[threads] = b = new CpuBackend<T>(new CpuBackendOptions { Threads = threads });
        return b;
    }

    /// <summary>Disposes the fixture's backends.</summary>
    [OneTimeTearDown]
    public void DisposeBackends()
    {
        foreach (var b in _backends.Values) b.Dispose();
        _backends.Clear();
    }

    /// <summary>This element type's comparison tolerance.</summary>
    protected static (double Abs, double Rel) Tol => Tolerance.For<T>();

    /// <summary>True for float.</summary>
    protected static bool IsSingle => typeof(T) == typeof(float);

    /// <summary>Rounds doubles to T.</summary>
    protected static T[] ToT(double[] v) => Array.ConvertAll(v, T.CreateTruncating);

    /// <summary>Widens T to double exactly.</summary>
    protected static double[] ToDouble(T[] v) => Array.ConvertAll(v, double.CreateTruncating);

    /// <summary>Rounds to T and back, so a reference sees exactly what the backend sees.</summary>
    protected static double[] RoundTrip(double[] v) => ToDouble(ToT(v));

    /// <summary>One double rounded to T and back.</summary>
    protected static double RoundTrip(double v) => double.CreateTruncating(T.CreateTruncating(v));

    /// <summary>A tensor of the given shape holding <paramref name="values"/> rounded to T.</summary>
    protected static Tensor<T> Upload(CpuBackend<T> b, double[] values, params int[] shape) => b.FromHost(ToT(values), shape);

    /// <summary>A tensor filled with NaN, so an op that fails to write an element is caught.</summary>
    protected static Tensor<T> Poisoned(CpuBackend<T> b, params int[] shape)
    {
        var t = b.Allocate(shape);
        var nan = new T[t.Length];
        Array.Fill(nan, T.NaN);
        b.CopyFromHost(nan, t);
        return t;
    }
}
