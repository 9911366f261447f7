using System.Runtime.CompilerServices;

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
