using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

/// <summary>
/// The standard normal CDF Φ(x) = ½·erfc(−x/√2) and density φ(x) in float, eight lanes at a time, for the exact GELU.
/// With z = |x|/√2: for z ≤ 1, erf(z) = z·A(z²); above, erfc(z) = e^(−z²)·B(1/z) (no cancellation in the lower tail).
/// A and B are least-squares fits (tests/golden/fit_erf_float.py prints them and their error, ≤ 4.4e-9 absolute, far
/// below float rounding); the scalar form evaluates the same polynomials so both paths agree.
/// </summary>
internal static class NormalCdfFloat
{
    private const float InvSqrt2 = 0.70710678118654752f, InvSqrt2Pi = 0.39894228040143268f;
    private const float A0 = 1.128379167e+00f, A1 = -3.761262988e-01f, A2 = 1.128362573e-01f, A3 = -2.685539946e-02f,
        A4 = 5.191218389e-03f, A5 = -8.034846758e-04f, A6 = 7.933494243e-05f;
    private const float B0 = 2.926261463e-04f, B1 = 5.586768751e-01f, B2 = 4.451758159e-02f, B3 = -4.810591399e-01f,
        B4 = 5.181747255e-01f, B5 = -2.714609128e-01f, B6 = 4.870541200e-02f, B7 = 1.684301583e-02f, B8 = -7.106619120e-03f;

    /// <summary>Φ(x), and φ(x) = e^(−x²/2)/√(2π) in <paramref name="pdf"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Cdf(Vector256<float> x, out Vector256<float> pdf)
    {
        Vector256<float> z = Vector256.Abs(x) * Vector256.Create(InvSqrt2);
        Vector256<float> s = z * z;
        Vector256<float> e = VectorMath.ExpSingle(-s);
        pdf = e * Vector256.Create(InvSqrt2Pi);

        Vector256<float> a = Vector256.Create(A6);
        // Vector256.FusedMultiplyAdd is an intrinsic, not a call: with a helper here the JIT ran out of inlining budget
        // once Cdf was inlined into the pointwise loops and left the helper as fifteen calls.
        a = Vector256.FusedMultiplyAdd(a, s, Vector256.Create(A5)); a = Vector256.FusedMultiplyAdd(a, s, Vector256.Create(A4));
        a = Vector256.FusedMultiplyAdd(a, s, Vector256.Create(A3)); a = Vector256.FusedMultiplyAdd(a, s, Vector256.Create(A2));
        a = Vector256.FusedMultiplyAdd(a, s, Vector256.Create(A1)); a = Vector256.FusedMultiplyAdd(a, s, Vector256.Create(A0));
        Vector256<float> halfErf = Vector256.Create(0.5f) * z * a;

        Vector256<float> w = Vector256<float>.One / Vector256.Max(z, Vector256<float>.One);
        Vector256<float> b = Vector256.Create(B8);
        b = Vector256.FusedMultiplyAdd(b, w, Vector256.Create(B7)); b = Vector256.FusedMultiplyAdd(b, w, Vector256.Create(B6));
        b = Vector256.FusedMultiplyAdd(b, w, Vector256.Create(B5)); b = Vector256.FusedMultiplyAdd(b, w, Vector256.Create(B4));
        b = Vector256.FusedMultiplyAdd(b, w, Vector256.Create(B3)); b = Vector256.FusedMultiplyAdd(b, w, Vector256.Create(B2));
        b = Vector256.FusedMultiplyAdd(b, w, Vector256.Create(B1)); b = Vector256.FusedMultiplyAdd(b, w, Vector256.Create(B0));
        Vector256<float> halfErfc = Vector256.Create(0.5f) * e * b;

        // Upper half (x ≥ 0): Φ = ½ + ½erf(z) = 1 − ½erfc(z); lower half: Φ = ½ − ½erf(z) = ½erfc(z).
        Vector256<float> small = Vector256.LessThanOrEqual(z, Vector256<float>.One);
        Vector256<float> half = Vector256.Create(0.5f);
        Vector256<float> upper = Vector256.ConditionalSelect(small, half + halfErf, Vector256<float>.One - halfErfc);
        Vector256<float> lower = Vector256.ConditionalSelect(small, half - halfErf, halfErfc);
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), upper, lower);
    }

    /// <summary>The scalar form of <see cref="Cdf(Vector256{float}, out Vector256{float})"/> (same polynomials).</summary>
    public static float Cdf(float x, out float pdf)
    {
        float z = MathF.Abs(x) * InvSqrt2, s = z * z, e = MathF.Exp(-s);
        pdf = e * InvSqrt2Pi;
        float r;
        if (z <= 1f)
        {
            float a = A6;
            a = MathF.FusedMultiplyAdd(a, s, A5); a = MathF.FusedMultiplyAdd(a, s, A4); a = MathF.FusedMultiplyAdd(a, s, A3);
            a = MathF.FusedMultiplyAdd(a, s, A2); a = MathF.FusedMultiplyAdd(a, s, A1); a = MathF.FusedMultiplyAdd(a, s, A0);
            float halfErf = 0.5f * z * a;
            r = x >= 0 ? 0.5f + halfErf : 0.5f - halfErf;
        }
        else
        {
            float w = 1f / z, b = B8;
            b = MathF.FusedMultiplyAdd(b, w, B7); b = MathF.FusedMultiplyAdd(b, w, B6); b = MathF.FusedMultiplyAdd(b, w, B5);
            b = MathF.FusedMultiplyAdd(b, w, B4); b = MathF.FusedMultiplyAdd(b, w, B3); b = MathF.FusedMultiplyAdd(b, w, B2);
            b = MathF.FusedMultiplyAdd(b, w, B1); b = MathF.FusedMultiplyAdd(b, w, B0);
            float halfErfc = 0.5f * e * b;
            r = x >= 0 ? 1f - halfErfc : halfErfc;
        }
        return float.IsNaN(x) ? float.NaN : r;
    }
}
