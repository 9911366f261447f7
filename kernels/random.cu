// Random fills (IBackend.cs, docs/random.md): element i of a fill uses the Philox4x32-10 words of counter start + i
// under the stream's seed, exactly as src/SeqCore/Random/Philox.cs, so a GPU fill equals the CPU's for the same stream.
// Uniform and Bernoulli are bit-exact (integer arithmetic plus correctly rounded products kept apart from FMA); normal
// goes through log, sqrt and cos in double, which CUDA's libm computes to within an ulp of the host's.
#include "common.cuh"

namespace sc
{
struct Words
{
    unsigned w0, w1, w2, w3;
};

/// Philox4x32-10: counter (lo(counter), hi(counter), 0, 0), key (lo(seed), hi(seed)).
__device__ __forceinline__ Words philox(unsigned long long seed, unsigned long long counter)
{
    unsigned c0 = (unsigned)counter, c1 = (unsigned)(counter >> 32), c2 = 0, c3 = 0;
    unsigned k0 = (unsigned)seed, k1 = (unsigned)(seed >> 32);
    for (int round = 0; round < 10; round++)
    {
        if (round > 0)
        {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        unsigned long long p0 = (unsigned long long)0xD2511F53u * c0, p1 = (unsigned long long)0xCD9E8D57u * c2;
        unsigned hi0 = (unsigned)(p0 >> 32), lo0 = (unsigned)p0, hi1 = (unsigned)(p1 >> 32), lo1 = (unsigned)p1;
        unsigned n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
    }
    return Words{c0, c1, c2, c3};
}

__device__ __forceinline__ double uniform_double(unsigned w0, unsigned w1)
{
    return (double)((((unsigned long long)(w0 >> 6)) << 27) | (w1 >> 5)) * (1.0 / 9007199254740992.0);
}

/// float: top 24 bits of word 0; double: 53 bits of words 0–1.
template <class T> __device__ __forceinline__ T uniform01(Words w);
template <> __device__ __forceinline__ float uniform01<float>(Words w) { return (float)(w.w0 >> 8) * (1.0f / 16777216.0f); }
template <> __device__ __forceinline__ double uniform01<double>(Words w) { return uniform_double(w.w0, w.w1); }

__device__ __forceinline__ float next_below(float v) { return nextafterf(v, -INFINITY); }
__device__ __forceinline__ double next_below(double v) { return nextafter(v, -(double)INFINITY); }

template <class T> __device__ void fill_uniform(unsigned long long seed, unsigned long long start, T low, T high, T* y, i64 n)
{
    const T range = high - low;
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        T v = add_rn(low, mul_rn(range, uniform01<T>(philox(seed, start + (unsigned long long)i))));
        y[i] = v >= high && high > low ? next_below(high) : v; // keep below high when the product rounds up to it
    }
}

/// Box–Muller in double: z = √(−2 ln u1)·cos(2π u2), u1 ∈ (0, 1] from words 0–1, u2 from words 2–3; y = mean + std·z.
template <class T> __device__ void fill_normal(unsigned long long seed, unsigned long long start, T mean, T std, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        Words w = philox(seed, start + (unsigned long long)i);
        double u1 = 1.0 - uniform_double(w.w0, w.w1), u2 = uniform_double(w.w2, w.w3);
        double z = __dmul_rn(sqrt(__dmul_rn(-2.0, log(u1))), cos(__dmul_rn(6.283185307179586, u2)));
        y[i] = add_rn(mean, mul_rn(std, T(z)));
    }
}

template <class T> __device__ void fill_bernoulli(unsigned long long seed, unsigned long long start, T keep, T scale, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride())
        y[i] = uniform01<T>(philox(seed, start + (unsigned long long)i)) < keep ? scale : T(0);
}
} // namespace sc

SC_ENTRIES(fill_uniform, (unsigned long long seed, unsigned long long start, T low, T high, T* y, i64 n), (seed, start, low, high, y, n))
SC_ENTRIES(fill_normal, (unsigned long long seed, unsigned long long start, T mean, T std, T* y, i64 n), (seed, start, mean, std, y, n))
SC_ENTRIES(fill_bernoulli, (unsigned long long seed, unsigned long long start, T keep, T scale, T* y, i64 n), (seed, start, keep, scale, y, n))

SC_EMU_REGISTER(sc_fill_uniform_f32, sc_fill_uniform_f64, sc_fill_normal_f32, sc_fill_normal_f64, sc_fill_bernoulli_f32, sc_fill_bernoulli_f64)
