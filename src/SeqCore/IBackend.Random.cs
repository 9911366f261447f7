using System.Numerics;
using SeqCore.Random;

namespace SeqCore;

/// <summary>Random fills: every backend draws the same numbers from the same stream (docs/random.md gives the exact stream).</summary>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Uniform in <c>[low, high)</c>; consumes <c>y.Length</c> counters of <paramref name="random"/>.</summary>
    void FillUniform(RandomStream random, T low, T high, Tensor<T> y);

    /// <summary>Normal with the given mean and standard deviation (Box–Muller); consumes <c>y.Length</c> counters.</summary>
    void FillNormal(RandomStream random, T mean, T std, Tensor<T> y);

    /// <summary>
    /// A dropout mask: <c>y = scale</c> with probability <paramref name="keepProbability"/>, else 0
    /// (inverted dropout uses <c>scale = 1/keep</c>); consumes <c>y.Length</c> counters.
    /// </summary>
    void FillBernoulliMask(RandomStream random, T keepProbability, T scale, Tensor<T> y);
}
