using System.Numerics;
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
                        for (int j = 0; j < n; j++) y[j] = Uniform(w0[j], w1[j]) < P0 ? P1 : T.Zero;
                        break;
                }
            }
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
