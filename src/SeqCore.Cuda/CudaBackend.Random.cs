using SeqCore.Random;

namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void FillUniform(RandomStream random, T low, T high, Tensor<T> y)
    {
        if (!(high >= low)) throw new ArgumentException($"FillUniform: need low ≤ high, got low={low}, high={high}.");
        RunRandom("FillUniform", "fill_uniform", random, low, high, y);
    }

    /// <inheritdoc />
    public void FillNormal(RandomStream random, T mean, T std, Tensor<T> y)
    {
        if (!(std >= T.Zero)) throw new ArgumentException($"FillNormal: std must be ≥ 0, got {std}.");
        RunRandom("FillNormal", "fill_normal", random, mean, std, y);
    }

    /// <inheritdoc />
    public void FillBernoulliMask(RandomStream random, T keepProbability, T scale, Tensor<T> y)
    {
        if (!(keepProbability >= T.Zero && keepProbability <= T.One))
            throw new ArgumentException($"FillBernoulliMask: keep probability must be in [0, 1], got {keepProbability}.");
        RunRandom("FillBernoulliMask", "fill_bernoulli", random, keepProbability, scale, y);
    }

    /// <summary>Element i gets the Philox words of counter <c>random.Take(n) + i</c> (docs/random.md), as on the CPU.</summary>
    private void RunRandom(string op, string kernel, RandomStream random, T p0, T p1, Tensor<T> y)
    {
        ArgumentNullException.ThrowIfNull(random);
        ulong py = Ptr(y, op, "y");
        ulong seed = random.Seed, start = random.Take(y.Length);
        long n = y.Length;
        void** args = stackalloc void*[] { &seed, &start, &p0, &p1, &py, &n };
        LaunchElements(kernel, n, args);
    }
}
