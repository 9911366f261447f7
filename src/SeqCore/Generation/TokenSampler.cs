using SeqCore.Random;

namespace SeqCore.Generation;

/// <summary>
/// Picks a token from a row of logits by <see cref="SamplingOptions"/>, drawing one uniform number per token from a
/// Philox <see cref="RandomStream"/>, so the same seed gives the same tokens on every machine.
/// </summary>
public sealed class TokenSampler
{
    private readonly SamplingOptions _options;
    private readonly RandomStream _random;
    private double[] _probabilities = [];

    /// <summary>Creates a sampler; <paramref name="random"/> advances by one number per sampled token.</summary>
    public TokenSampler(SamplingOptions options, RandomStream random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        _options = options;
        _random = random;
    }

    /// <summary>The index of the largest logit (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<double> logits)
    {
        if (logits.IsEmpty) throw new ArgumentException("TokenSampler: no logits.", nameof(logits));
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /// <summary>
    /// The probabilities the sampler draws from (after temperature, top-k and top-p), written into
    /// <paramref name="probabilities"/> (zero outside the kept set). Exposed so tests can check each rule.
    /// </summary>
    public static void Distribution(ReadOnlySpan<double> logits, SamplingOptions options, Span<double> probabilities)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int v = logits.Length;
        if (v == 0 || probabilities.Length != v) throw new ArgumentException($"TokenSampler: {v} logits and {probabilities.Length} probabilities.");
        probabilities.Clear();
        if (options.Temperature == 0)
        {
            probabilities[ArgMax(logits)] = 1;
            return;
        }
        // Sort by logit, largest first (ties by index, so the order is deterministic).
        var order = new int[v];
        for (int i = 0; i < v; i++) order[i] = i;
        var keys = logits.ToArray();
        Array.Sort(order, (a, b) => keys[b].CompareTo(keys[a]) is var c && c != 0 ? c : a.CompareTo(b));
        int kept = options.TopK > 0 ? Math.Min(options.TopK, v) : v;
        // Softmax of logit/temperature over the kept tokens, stable: subtract the largest.
        double max = logits[order[0]] / options.Temperature, sum = 0;
        for (int r = 0; r < kept; r++)
        {
            double p = Math.Exp(logits[order[r]] / options.Temperature - max);
            probabilities[order[r]] = p;
            sum += p;
        }
        for (int r = 0; r < kept; r++) probabilities[order[r]] /= sum;
        if (options.TopP < 1)
        {
            // The nucleus: the shortest prefix of the sorted tokens whose mass reaches top-p (at least one token).
            double mass = 0;
            int nucleus = 0;
            while (nucleus < kept && (nucleus == 0 || mass < options.TopP)) mass += probabilities[order[nucleus++]];
            for (int r = nucleus; r < kept; r++) probabilities[order[r]] = 0;
            for (int r = 0; r < nucleus; r++) probabilities[order[r]] /= mass;
        }
    }

    /// <summary>Picks the next token from <paramref name="logits"/> <c>[V]</c>.</summary>
    public int Sample(ReadOnlySpan<double> logits)
    {
        if (_options.Temperature == 0) return ArgMax(logits);
        if (_probabilities.Length != logits.Length) _probabilities = new double[logits.Length];
        Distribution(logits, _options, _probabilities);
        double u = _random.NextDouble(), cumulative = 0;
        int last = -1;
        for (int i = 0; i < _probabilities.Length; i++)
        {
            if (_probabilities[i] == 0) continue;
            cumulative += _probabilities[i];
            last = i;
            if (u < cumulative) return i;
        }
        return last; // u within rounding of 1
    }
}
