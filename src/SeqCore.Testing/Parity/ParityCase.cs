using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// One GPU-versus-CPU comparison: <see cref="Run"/> builds its inputs from a fixed seed on the given backend, runs one
/// <see cref="IBackend{T}"/> operation and returns every output (and any returned scalar) as doubles. The same function
/// runs on both backends and the results are compared element by element.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <param name="Op">The <see cref="IBackend{T}"/> member exercised, e.g. <c>Softmax</c>.</param>
/// <param name="Name">The case, e.g. <c>Softmax[33x1000]</c>.</param>
/// <param name="Run">Builds inputs, runs the op, returns the outputs.</param>
internal sealed record ParityCase<T>(string Op, string Name, Func<IBackend<T>, double[]> Run) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Bit-for-bit agreement required (integer-exact kernels: the random fills, copies, gathers).</summary>
    public bool Exact { get; init; }

    /// <summary>
    /// Relative tolerance: element i passes when <c>|gpu − cpu| ≤ tol·(|cpu| + 0.01·max|cpu|) + floor</c>, with
    /// <c>floor</c> 1e-6·tol (so exact zeros compare). 0 means the default: 1e-5 for float, 1e-12 for double.
    /// </summary>
    public double Tolerance { get; init; }

    /// <summary>The tolerance that applies to this element type.</summary>
    public double EffectiveTolerance => Tolerance != 0 ? Tolerance : typeof(T) == typeof(float) ? 1e-5 : 1e-12;

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>The outcome of one parity case.</summary>
/// <param name="Name">The case.</param>
/// <param name="Passed">True when every element is within tolerance.</param>
/// <param name="Elements">Elements compared.</param>
/// <param name="WorstIndex">The element with the largest error relative to its allowance, or −1.</param>
/// <param name="Cpu">The CPU value there.</param>
/// <param name="Gpu">The GPU value there.</param>
/// <param name="Message">What failed, or null.</param>
internal sealed record ParityResult(string Name, bool Passed, int Elements, int WorstIndex, double Cpu, double Gpu, string? Message)
{
    /// <inheritdoc />
    public override string ToString() => Passed
        ? $"{Name}: ok ({Elements} elements)"
        : $"{Name}: FAILED {Message}";
}

/// <summary>Tensors created by a case on one backend, disposed together; host data in and out as doubles.</summary>
internal sealed class ParityScope<T>(IBackend<T> backend) : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Tensor<T>> _owned = [];

    public IBackend<T> B => backend;

    /// <summary>A tensor holding seeded uniform values in [lo, hi), rounded to T.</summary>
    public Tensor<T> Rand(int seed, int[] shape, double lo = -2, double hi = 2)
    {
        var t = backend.Allocate(shape);
        _owned.Add(t);
        backend.CopyFromHost(Values(seed, t.Length, lo, hi), t);
        return t;
    }

    /// <summary>A tensor holding exactly <paramref name="values"/>.</summary>
    public Tensor<T> From(double[] values, params int[] shape)
    {
        var t = backend.Allocate(shape);
        _owned.Add(t);
        backend.CopyFromHost(Array.ConvertAll(values, T.CreateTruncating), t);
        return t;
    }

    /// <summary>A tensor filled with <paramref name="value"/> (NaN catches an op that skips an element it should write).</summary>
    public Tensor<T> Full(double value, params int[] shape)
    {
        var t = backend.Allocate(shape);
        _owned.Add(t);
        backend.Fill(T.CreateTruncating(value), t);
        return t;
    }

    public static T[] Values(int seed, long n, double lo, double hi)
    {
        var r = new RandomStream((ulong)seed * 7919 + 17);
        var v = new T[n];
        for (long i = 0; i < n; i++) v[i] = T.CreateTruncating(lo + (hi - lo) * r.NextDouble());
        return v;
    }

    /// <summary>The tensors' contents, concatenated, followed by <paramref name="scalars"/>.</summary>
    public double[] Read(Tensor<T>[] tensors, params double[] scalars)
    {
        var all = new List<double>();
        foreach (var t in tensors)
        {
            var h = new T[t.Length];
            backend.CopyToHost(t, h);
            all.AddRange(h.Select(double.CreateTruncating));
        }
        all.AddRange(scalars);
        return [.. all];
    }

    public double[] Read(params Tensor<T>[] tensors) => Read(tensors, []);

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
    }
}
