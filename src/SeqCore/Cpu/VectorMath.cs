using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SeqCore.Cpu;

/// <summary>
/// Generic wrappers over the per-type SIMD intrinsics (T is float or double). The <c>typeof</c> tests are
/// JIT-time constants, so each instantiation compiles to the single intrinsic it needs.
/// </summary>
internal static class VectorMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector256.Exp(x.AsSingle()).As<float, T>();
        return Vector256.Exp(x.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log<T>(Vector256<T> x) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector256.Log(x.AsSingle()).As<float, T>();
        return Vector256.Log(x.AsDouble()).As<double, T>();
    }

    /// <summary><c>a·b + c</c>, fused where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged
    {
        if (Fma.IsSupported)
        {
            if (typeof(T) == typeof(float)) return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }
        return a * b + c;
    }

    /// <summary>1 / (1 + e^-x); exact to a few ulp (no cancellation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sigmoid<T>(Vector256<T> x) where T : unmanaged, INumber<T>
        => Vector256<T>.One / (Vector256<T>.One + Exp(-x));

    /// <summary>
    /// tanh(x) = sign(x)·(1 − e)/(1 + e) with e = exp(−2|x|). Near 0 the numerator loses relative (not absolute)
    /// precision, so small |x| (below 2^-4) uses the odd Taylor series x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835,
    /// whose truncation error there is below 1e-13 relative.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh<T>(Vector256<T> x) where T : unmanaged, INumber<T>
    {
        Vector256<T> ax = Vector256.Abs(x);
        Vector256<T> e = Exp(Vector256.Create(T.CreateTruncating(-2.0)) * ax);
        Vector256<T> big = (Vector256<T>.One - e) / (Vector256<T>.One + e);
        big = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), -big, big);
        Vector256<T> x2 = x * x;
        Vector256<T> p = Vector256.Create(T.CreateTruncating(62.0 / 2835.0));
        p = MultiplyAdd(p, x2, Vector256.Create(T.CreateTruncating(-17.0 / 315.0)));
        p = MultiplyAdd(p, x2, Vector256.Create(T.CreateTruncating(2.0 / 15.0)));
        p = MultiplyAdd(p, x2, Vector256.Create(T.CreateTruncating(-1.0 / 3.0)));
        Vector256<T> small = MultiplyAdd(p * x2, x, x);
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(T.CreateTruncating(0.0625))), small, big);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T HorizontalMax<T>(Vector256<T> v) where T : unmanaged, INumber<T>
    {
        T m = v.GetElement(0);
        for (int i = 1; i < Vector256<T>.Count; i++) m = T.Max(m, v.GetElement(i));
        return m;
    }
}
