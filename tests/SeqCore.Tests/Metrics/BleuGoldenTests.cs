using System.Text.Json;
using SeqCore.Metrics;

namespace SeqCore.Tests.Metrics;

/// <summary>
/// BLEU, chrF and the 13a tokenizer against sacreBLEU itself: Golden/bleu_golden.json, written by
/// tests/golden/make_bleu_golden.py with sacreBLEU 2.6.0 (30 one-segment corpora, the 30 segments as one corpus with
/// 1, 2 and 3 reference streams; 122 tokenizer inputs). Scores agree within 1e-9, counts and score lines exactly.
/// </summary>
public class BleuGoldenTests
{
    private const double Tolerance = 1e-9;

    private static JsonElement Golden() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "bleu_golden.json"))).RootElement;

    private static IEnumerable<TestCaseData> Cases() =>
        Golden().GetProperty("cases").EnumerateArray().Select(c => new TestCaseData(c).SetArgDisplayNames(c.GetProperty("name").GetString()!));

    [TestCaseSource(nameof(Cases))]
    public void MatchesSacreBleu(JsonElement golden)
    {
        string[] hypotheses = Strings(golden.GetProperty("hypotheses"));
        IReadOnlyList<string>[] references = [.. golden.GetProperty("references").EnumerateArray().Select(Strings)];
        var expected = golden.GetProperty("bleu");
        var bleu = Bleu.Corpus(hypotheses, references);
        Assert.Multiple(() =>
        {
            Assert.That(bleu.Score, Is.EqualTo(expected.GetProperty("score").GetDouble()).Within(Tolerance), "BLEU");
            Assert.That(bleu.Counts, Is.EqualTo(Ints(expected.GetProperty("counts"))), "counts");
            Assert.That(bleu.Totals, Is.EqualTo(Ints(expected.GetProperty("totals"))), "totals");
            Assert.That(bleu.Precisions, Is.EqualTo(Doubles(expected.GetProperty("precisions"))).Within(Tolerance), "precisions");
            Assert.That(bleu.BrevityPenalty, Is.EqualTo(expected.GetProperty("bp").GetDouble()).Within(Tolerance), "BP");
            Assert.That(bleu.Ratio, Is.EqualTo(expected.GetProperty("ratio").GetDouble()).Within(Tolerance), "ratio");
            Assert.That(bleu.HypothesisLength, Is.EqualTo(expected.GetProperty("sys_len").GetInt32()), "hyp_len");
            Assert.That(bleu.ReferenceLength, Is.EqualTo(expected.GetProperty("ref_len").GetInt32()), "ref_len");
            Assert.That(bleu.Format(), Is.EqualTo(expected.GetProperty("format").GetString()), "BLEU line");
            Assert.That(bleu.Signature, Is.EqualTo(expected.GetProperty("signature").GetString()), "BLEU signature");

            var chrf = ChrF.Corpus(hypotheses, references);
            var expectedChrF = golden.GetProperty("chrf");
            Assert.That(chrf.Score, Is.EqualTo(expectedChrF.GetProperty("score").GetDouble()).Within(Tolerance), "chrF2");
            Assert.That(chrf.Format(), Is.EqualTo(expectedChrF.GetProperty("format").GetString()), "chrF line");
            Assert.That(chrf.Signature, Is.EqualTo(expectedChrF.GetProperty("signature").GetString()), "chrF signature");
            double eps = ChrF.Corpus(hypotheses, references, new ChrFSettings(EpsSmoothing: true)).Score;
            Assert.That(eps, Is.EqualTo(golden.GetProperty("chrf_eps").GetProperty("score").GetDouble()).Within(Tolerance), "chrF2, eps smoothing");
        });
    }

    [Test]
    public void TokenizerMatchesSacreBleu()
    {
        var cases = Golden().GetProperty("tokenizer13a").EnumerateArray().ToList();
        Assert.That(cases, Has.Count.GreaterThan(100));
        Assert.Multiple(() =>
        {
            foreach (var c in cases)
                Assert.That(Tokenizer13a.Tokenize(c.GetProperty("input").GetString()!), Is.EqualTo(c.GetProperty("tokens").GetString()), c.GetProperty("input").GetString());
        });
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];
    private static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];
}
