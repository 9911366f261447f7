using System.Numerics;
using System.Runtime.Intrinsics;
using SeqCore.Random;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    private enum Distribution { Uniform, Normal, Bernoulli }

    /// <inheritdoc />
    public void FillUniform(RandomStream random, T low, T high, Tensor<T> y)
    {
        if (!(high >= low)) throw new ArgumentException($"FillUniform: need low ≤ high, got low={low}, high={high}.");
        RunRandom("FillUniform", Distribution.Uniform, random, low, high, y);
    }

    /// <inheritdoc />
    public void FillNormal(RandomStream random, T mean, T std, Tensor<T> y)
    {
        if (!(std >= T.Zero)) throw new ArgumentException($"FillNormal: std must be ≥ 0, got {std}.");
        RunRandom("FillNormal", Distribution.Normal, random, mean, std, y);
    }

    /// <inheritdoc />
    public void FillBernoulliMask(RandomStream random, T keepProbability, T scale, Tensor<T> y)
    {
        if (!(keepProbability >= T.Zero && keepProbability <= T.One))
            throw new ArgumentException($"FillBernoulliMask: keep probability must be in [0, 1], got {keepProbability}.");
        RunRandom("FillBernoulliMask", Distribution.Bernoulli, random, keepProbability, scale, y);
    }

    private void RunRandom(string op, Distribution kind, RandomStream random, T p0, T p1, Tensor<T> y)
    {
        ArgumentNullException.ThrowIfNull(random);
        T* py = Ptr(y, op, "y");
        var job = JobCache<RandomJob>.Get();
        job.Kind = kind; job.Seed = random.Seed; job.Start = random.Take(y.Length);
        job.P0 = p0; job.P1 = p1; job.Y = py; job.N = y.Length;
        int chunks = (int)((y.Length + RandomJob.Chunk - 1) / RandomJob.Chunk);
        if (y.Length < Pointwise.ParallelThreshold) for (int c = 0; c < chunks; c++) job.Execute(c);
        else _pool.Run(job, chunks);
    }

    /// <summary>Element i uses the Philox words of counter Start + i (docs/random.md).</summary>
    private sealed class RandomJob : IParallelJob
    {
        public const long Chunk = 1 << 14;
        public Distribution Kind;
        public ulong Seed, Start;
        public T P0, P1;
        public T* Y;
        public long N;

        /// <summary>Counters generated together (four stack buffers of this many words).</summary>
        private const int Block = 256;

        public void Execute(int chunk)
        {
            Span<uint> w0 = stackalloc uint[Block], w1 = stackalloc uint[Block], w2 = stackalloc uint[Block], w3 = stackalloc uint[Block];
            long end = Math.Min(N, (chunk + 1) * Chunk);
            for (long begin = chunk * Chunk; begin < end; begin += Block)
            {
                int n = (int)Math.Min(Block, end - begin);
                Philox.GenerateBlock(Seed, Start + (ulong)begin, w0[..n], w1[..n], w2[..n], w3[..n]);
                T* y = Y + begin;
                switch (Kind)
                {
                    case Distribution.Uniform:
                        for (int j = 0; j < n; j++) y[j] = UniformIn(P0, P1, Uniform(w0[j], w1[j]));
                        break;
                    case Distribution.Normal:
                        for (int j = 0; j < n; j++) y[j] = P0 + P1 * T.CreateTruncating(Philox.StandardNormal(w0[j], w1[j], w2[j], w3[j]));
                        break;
                    default:
                        int done = typeof(T) == typeof(float) ? BernoulliSingle(w0[..n], (float*)y, (float)(object)P0, (float)(object)P1) : 0;
                        for (int j = done; j < n; j++) y[j] = Uniform(w0[j], w1[j]) < P0 ? P1 : T.Zero;
                        break;
                }
            }
        }

        /// <summary>The float Bernoulli rule eight at a time: <c>u = (w0 >> 8)·2⁻²⁴</c> (exact in float), <c>y = u &lt; p ?
        /// scale : 0</c>. Returns how many elements it wrote (a multiple of 8; the caller finishes the rest).</summary>
        private static int BernoulliSingle(ReadOnlySpan<uint> w0, float* y, float keep, float scale)
        {
            if (!Vector256.IsHardwareAccelerated) return 0;
            var p = Vector256.Create(keep);
            var s = Vector256.Create(scale);
            var unit = Vector256.Create(1.0f / 16777216f);
            int j = 0;
            for (; j <= w0.Length - 8; j += 8)
            {
                var u = Vector256.ConvertToSingle((Vector256.Create(w0[j..]) >>> 8).AsInt32()) * unit;
                Vector256.ConditionalSelect(Vector256.LessThan(u, p), s, Vector256<float>.Zero).Store(y + j);
            }
            return j;
        }

        /// <summary>
        /// low + (high − low)·u, kept below <paramref name="high"/>: when |low| is large next to the range, the product
        /// can round up to high itself, and the next representable value below high is used instead.
        /// </summary>
        private static T UniformIn(T low, T high, T u)
        {
            T v = low + (high - low) * u;
            return v >= high && high > low ? T.BitDecrement(high) : v;
        }

        /// <summary>float: 24 bits of word 0; double: 53 bits of words 0–1.</summary>
        private static T Uniform(uint w0, uint w1) => typeof(T) == typeof(float)
            ? T.CreateTruncating(Philox.UniformSingle(w0))
            : T.CreateTruncating(Philox.UniformDouble(w0, w1));
    }
}
