namespace SeqCore.Metrics;

/// <summary>
/// The settings of chrF; the defaults are sacreBLEU 2.x's <c>CHRF()</c>, the metric it reports as chrF2.
/// </summary>
/// <param name="CharOrder">Character n-grams of order 1 … this (sacreBLEU's <c>char_order</c>, default 6).</param>
/// <param name="Beta">Recall weighs β times as much as precision (default 2, hence "chrF2").</param>
/// <param name="KeepWhitespace">Count whitespace inside character n-grams (sacreBLEU's <c>whitespace</c>; off by
/// default: whitespace is removed first).</param>
/// <param name="EpsSmoothing">Average the per-order F-scores with ε = 1e-16 for empty orders, as chrF++.py, NLTK and
/// Moses do (sacreBLEU's <c>eps_smoothing</c>; off by default: sacreBLEU 2.x averages precision and recall over the
/// orders that have both hypothesis and reference n-grams, then takes one F-score).</param>
public sealed record ChrFSettings(int CharOrder = 6, int Beta = 2, bool KeepWhitespace = false, bool EpsSmoothing = false)
{
    /// <summary>sacreBLEU's defaults: chrF2.</summary>
    public static ChrFSettings Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for an order or β below 1.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(CharOrder, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Beta, 1);
    }
}
