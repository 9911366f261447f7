using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SeqCore.Random;

/// <summary>
/// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers: as easy as
/// 1, 2, 3" (SC 2011). A pure function of (key, counter), so every element of a fill can be computed
/// independently, in any order, on any backend, and still give the same numbers.
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57; // round multipliers
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85; // Weyl key increments

    /// <summary>The four 32-bit words for 64-bit <paramref name="counter"/> under 64-bit <paramref name="seed"/>.
    /// The 128-bit counter is (lo(counter), hi(counter), 0, 0); the key is (lo(seed), hi(seed)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint W0, uint W1, uint W2, uint W3) Generate(ulong seed, ulong counter)
        => Philox4x32(((uint)counter, (uint)(counter >> 32), 0u, 0u), ((uint)seed, (uint)(seed >> 32)));

    /// <summary>The raw Philox4x32-10 bijection of a 128-bit counter under a 64-bit key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint W0, uint W1, uint W2, uint W3) Philox4x32((uint C0, uint C1, uint C2, uint C3) counter, (uint K0, uint K1) key)
    {
        var (c0, c1, c2, c3) = counter;
        var (k0, k1) = key;
        for (int round = 0; round < 10; round++)
        {
            if (round > 0) { k0 += W0; k1 += W1; }
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0);
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>
    /// The four words of the counters <paramref name="first"/> … <paramref name="first"/> + n − 1 (n = the spans'
    /// length): <c>w0[i], w1[i], w2[i], w3[i]</c> are <see cref="Generate"/>'s for counter <c>first + i</c>. With
    /// AVX-512, sixteen counters at a time (two independent groups of eight 64-bit lanes, each 32×32→64-bit product one
    /// <c>vpmuludq</c>); with AVX2, eight (two groups of four); the rest one by one.
    /// </summary>
    internal static void GenerateBlock(ulong seed, ulong first, Span<uint> w0, Span<uint> w1, Span<uint> w2, Span<uint> w3)
    {
        int n = w0.Length;
        if (w1.Length != n || w2.Length != n || w3.Length != n) throw new ArgumentException("Philox.GenerateBlock: the four word spans differ in length.");
        int i = 0;
        Span<ulong> k0 = stackalloc ulong[10], k1 = stackalloc ulong[10];
        uint key0 = (uint)seed, key1 = (uint)(seed >> 32);
        for (int r = 0; r < 10; r++)
        {
            if (r > 0) { key0 += W0; key1 += W1; }
            k0[r] = key0;
            k1[r] = key1;
        }
        if (Avx512F.IsSupported && n >= 16)
        {
            var low = Vector512.Create(0xFFFFFFFFUL);
            var m0 = Vector512.Create((ulong)M0).AsUInt32();
            var m1 = Vector512.Create((ulong)M1).AsUInt32();
            var lanes = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
            for (; i <= n - 16; i += 16)
            {
                var ca = Vector512.Create(first + (ulong)i) + lanes;
                var cb = ca + Vector512.Create(8UL);
                Vector512<ulong> a0 = ca & low, a1 = ca >>> 32, a2 = Vector512<ulong>.Zero, a3 = Vector512<ulong>.Zero;
                Vector512<ulong> b0 = cb & low, b1 = cb >>> 32, b2 = Vector512<ulong>.Zero, b3 = Vector512<ulong>.Zero;
                for (int r = 0; r < 10; r++)
                {
                    var kk0 = Vector512.Create(k0[r]);
                    var kk1 = Vector512.Create(k1[r]);
                    var pa0 = Avx512F.Multiply(a0.AsUInt32(), m0);
                    var pa1 = Avx512F.Multiply(a2.AsUInt32(), m1);
                    var pb0 = Avx512F.Multiply(b0.AsUInt32(), m0);
                    var pb1 = Avx512F.Multiply(b2.AsUInt32(), m1);
                    (a0, a1, a2, a3) = ((pa1 >>> 32) ^ a1 ^ kk0, pa1 & low, (pa0 >>> 32) ^ a3 ^ kk1, pa0 & low);
                    (b0, b1, b2, b3) = ((pb1 >>> 32) ^ b1 ^ kk0, pb1 & low, (pb0 >>> 32) ^ b3 ^ kk1, pb0 & low);
                }
                Vector512.Narrow(a0, b0).CopyTo(w0[i..]);
                Vector512.Narrow(a1, b1).CopyTo(w1[i..]);
                Vector512.Narrow(a2, b2).CopyTo(w2[i..]);
                Vector512.Narrow(a3, b3).CopyTo(w3[i..]);
            }
        }
        if (Avx2.IsSupported && n - i >= 8)
        {
            var low = Vector256.Create(0xFFFFFFFFUL);
            var m0 = Vector256.Create((ulong)M0).AsUInt32();
            var m1 = Vector256.Create((ulong)M1).AsUInt32();
            var lanes = Vector256.Create(0UL, 1, 2, 3);
            for (; i <= n - 8; i += 8)
            {
                var ca = Vector256.Create(first + (ulong)i) + lanes;
                var cb = ca + Vector256.Create(4UL);
                Vector256<ulong> a0 = ca & low, a1 = ca >>> 32, a2 = Vector256<ulong>.Zero, a3 = Vector256<ulong>.Zero;
                Vector256<ulong> b0 = cb & low, b1 = cb >>> 32, b2 = Vector256<ulong>.Zero, b3 = Vector256<ulong>.Zero;
                for (int r = 0; r < 10; r++)
                {
                    var kk0 = Vector256.Create(k0[r]);
                    var kk1 = Vector256.Create(k1[r]);
                    var pa0 = Avx2.Multiply(a0.AsUInt32(), m0);
                    var pa1 = Avx2.Multiply(a2.AsUInt32(), m1);
                    var pb0 = Avx2.Multiply(b0.AsUInt32(), m0);
                    var pb1 = Avx2.Multiply(b2.AsUInt32(), m1);
                    (a0, a1, a2, a3) = ((pa1 >>> 32) ^ a1 ^ kk0, pa1 & low, (pa0 >>> 32) ^ a3 ^ kk1, pa0 & low);
                    (b0, b1, b2, b3) = ((pb1 >>> 32) ^ b1 ^ kk0, pb1 & low, (pb0 >>> 32) ^ b3 ^ kk1, pb0 & low);
                }
                Vector256.Narrow(a0, b0).CopyTo(w0[i..]);
                Vector256.Narrow(a1, b1).CopyTo(w1[i..]);
                Vector256.Narrow(a2, b2).CopyTo(w2[i..]);
                Vector256.Narrow(a3, b3).CopyTo(w3[i..]);
            }
        }
        for (; i < n; i++) (w0[i], w1[i], w2[i], w3[i]) = Generate(seed, first + (ulong)i);
    }

    /// <summary>Uniform float in [0, 1) from the top 24 bits of word 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float UniformSingle(uint w0) => (w0 >> 8) * (1.0f / 16777216f);

    /// <summary>Uniform double in [0, 1) from 53 bits: the top 26 of word 0 and the top 27 of word 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double UniformDouble(uint w0, uint w1) =>
        ((((ulong)(w0 >> 6)) << 27) | (w1 >> 5)) * (1.0 / 9007199254740992.0);

    /// <summary>A standard normal from all four words by Box–Muller, in double:
    /// <c>u1 ∈ (0, 1]</c> from words 0–1, <c>u2 ∈ [0, 1)</c> from words 2–3, <c>z = √(−2 ln u1)·cos(2π u2)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double StandardNormal(uint w0, uint w1, uint w2, uint w3)
    {
        double u1 = 1.0 - UniformDouble(w0, w1);
        double u2 = UniformDouble(w2, w3);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
