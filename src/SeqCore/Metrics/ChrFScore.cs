namespace SeqCore.Metrics;

/// <summary>A corpus chrF score and the statistics it was computed from.</summary>
/// <param name="Score">chrF on a 0–100 scale.</param>
/// <param name="HypothesisNGrams">Per order n = 1 … CharOrder: the hypothesis character n-grams, summed over the corpus
/// (a segment's count is 0 for an order its reference has no n-gram of).</param>
/// <param name="ReferenceNGrams">Per order: the reference character n-grams, summed over the corpus.</param>
/// <param name="Matches">Per order: the clipped matches, summed over the corpus.</param>
/// <param name="Settings">The settings it was computed with.</param>
/// <param name="ReferenceStreams">How many references each segment has (sacreBLEU's <c>nrefs</c>).</param>
public sealed record ChrFScore(double Score, IReadOnlyList<int> HypothesisNGrams, IReadOnlyList<int> ReferenceNGrams, IReadOnlyList<int> Matches,
    ChrFSettings Settings, int ReferenceStreams)
{
    /// <summary>The metric's name as sacreBLEU gives it, e.g. <c>chrF2</c>.</summary>
    public string Name => $"chrF{Settings.Beta}";

    /// <summary>sacreBLEU's signature of the settings, without its <c>version</c> field (this is not sacreBLEU):
    /// e.g. <c>nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no</c>.</summary>
    public string Signature =>
        $"nrefs:{ReferenceStreams}|case:mixed|eff:{(Settings.EpsSmoothing ? "no" : "yes")}|nc:{Settings.CharOrder}|nw:0|space:{(Settings.KeepWhitespace ? "yes" : "no")}";

    /// <summary>sacreBLEU's score line, e.g. <c>chrF2 = 59.73</c>; with <paramref name="signature"/>,
    /// <c>chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no = 59.73</c>, as sacreBLEU's command line prints it.</summary>
    public string Format(bool signature = false) => $"{Name}{(signature ? "|" + Signature : "")} = {BleuScore.Fixed(Score, 2)}";

    /// <summary>The line of <see cref="Format"/>.</summary>
    public override string ToString() => Format();
}
