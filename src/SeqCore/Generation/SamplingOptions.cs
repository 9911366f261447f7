namespace SeqCore.Generation;

/// <summary>
/// How the next token is chosen from the logits. Temperature 0 is greedy (the arg-max); otherwise the logits are divided
/// by the temperature, cut to the <see cref="TopK"/> largest (0 = all), turned into probabilities, cut to the nucleus
/// of <see cref="TopP"/> (1 = all), renormalised and sampled.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Softmax temperature ≥ 0; 0 = greedy.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the K most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability sums to at least P (nucleus sampling,
    /// Holtzman et al. 2019); 1 keeps all. In (0, 1].</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Greedy decoding.</summary>
    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the setting that is out of range.</summary>
    public void Validate()
    {
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), $"Sampling: temperature must be a finite number ≥ 0, got {Temperature}.");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), $"Sampling: top-k must be ≥ 0, got {TopK}.");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), $"Sampling: top-p must be in (0, 1], got {TopP}.");
    }
}
