using System.Globalization;

namespace SeqCore.Metrics;

/// <summary>
/// A corpus BLEU score and the statistics it was computed from, as sacreBLEU's <c>BLEUScore</c> reports them.
/// </summary>
/// <param name="Score">BLEU on a 0–100 scale.</param>
/// <param name="Counts">Matched (clipped) n-grams summed over the corpus, for n = 1 … max order.</param>
/// <param name="Totals">Hypothesis n-grams summed over the corpus, for n = 1 … max order.</param>
/// <param name="Precisions">The n-gram precisions in percent, smoothed (see <see cref="Bleu.FromStatistics"/>).</param>
/// <param name="BrevityPenalty">exp(1 − r/c) when the hypotheses are shorter than the references, else 1.</param>
/// <param name="HypothesisLength">c: the hypothesis tokens of the corpus.</param>
/// <param name="ReferenceLength">r: the reference tokens of the corpus (per segment, the reference length closest to
/// the hypothesis length, the shorter one on a tie).</param>
/// <param name="ReferenceStreams">How many references each segment has (sacreBLEU's <c>nrefs</c>).</param>
public sealed record BleuScore(double Score, IReadOnlyList<int> Counts, IReadOnlyList<int> Totals, IReadOnlyList<double> Precisions,
    double BrevityPenalty, int HypothesisLength, int ReferenceLength, int ReferenceStreams)
{
    /// <summary>c / r, or 0 when the references are empty.</summary>
    public double Ratio => ReferenceLength == 0 ? 0 : (double)HypothesisLength / ReferenceLength;

    /// <summary>sacreBLEU's signature of the settings, without its <c>version</c> field (this is not sacreBLEU):
    /// e.g. <c>nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp</c>.</summary>
    public string Signature => $"nrefs:{ReferenceStreams}|case:mixed|eff:no|tok:13a|smooth:exp";

    /// <summary>sacreBLEU's score line, e.g.
    /// <c>BLEU = 22.05 55.1/28.1/16.2/10.0 (BP = 1.000 ratio = 1.012 hyp_len = 1234 ref_len = 1219)</c>; with
    /// <paramref name="signature"/>, <c>BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp = 22.05 …</c>, as sacreBLEU's
    /// command line prints it.</summary>
    public string Format(bool signature = false) =>
        $"BLEU{(signature ? "|" + Signature : "")} = {Fixed(Score, 2)} {string.Join('/', Precisions.Select(p => Fixed(p, 1)))} " +
        $"(BP = {Fixed(BrevityPenalty, 3)} ratio = {Fixed(Ratio, 3)} hyp_len = {HypothesisLength} ref_len = {ReferenceLength})";

    /// <summary>The line of <see cref="Format"/>.</summary>
    public override string ToString() => Format();

    /// <summary>Fixed-point text with <paramref name="digits"/> decimals; .NET rounds the exact binary value half to
    /// even, as Python's <c>f"{x:.2f}"</c> does (6.25 → "6.2").</summary>
    internal static string Fixed(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
