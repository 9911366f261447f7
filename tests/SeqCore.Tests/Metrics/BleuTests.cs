using SeqCore.Metrics;

namespace SeqCore.Tests.Metrics;

/// <summary>Corpus BLEU: hand-worked examples, sacreBLEU's published test cases (sacrebleu/test/test_bleu.py) and the
/// edge cases.</summary>
public class BleuTests
{
    private const double Tight = 1e-9;

    // sacreBLEU's README example, used by test_bleu.py: three segments, two reference streams.
    private static readonly string[] ReadmeHypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
    private static readonly string[][] ReadmeReferences =
    [
        ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
        ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
    ];

    [Test]
    public void HandWorkedOneSegment()
    {
        // the cat sat on a mat | the cat sat on the mat: 1-grams 5/6, 2-grams 3/5 (the cat, cat sat, sat on),
        // 3-grams 2/4, 4-grams 1/3; equal lengths, so BP = 1 and BLEU = 100·(5/6·3/5·2/4·1/3)^(1/4) = 100·12^(−1/4).
        var s = Bleu.Corpus(["the cat sat on a mat"], ["the cat sat on the mat"]);
        Assert.That(s.Counts, Is.EqualTo(new[] { 5, 3, 2, 1 }));
        Assert.That(s.Totals, Is.EqualTo(new[] { 6, 5, 4, 3 }));
        Assert.That(s.BrevityPenalty, Is.EqualTo(1.0));
        Assert.That(s.Score, Is.EqualTo(100 * Math.Pow(12, -0.25)).Within(Tight));
        Assert.That(s.Format(), Is.EqualTo("BLEU = 53.73 83.3/60.0/50.0/33.3 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)"));
    }

    [Test]
    public void CountsAreSummedOverTheCorpusBeforeThePrecisions()
    {
        // Segment 1 matches fully (4 words), segment 2 not at all (2 words): the corpus precisions are 4/6, 3/4, 2/2,
        // 1/1 (segment 2 has no 3- or 4-grams), not an average of two sentence scores.
        var s = Bleu.Corpus(["a b c d", "x y"], ["a b c d", "p q"]);
        Assert.That(s.Counts, Is.EqualTo(new[] { 4, 3, 2, 1 }));
        Assert.That(s.Totals, Is.EqualTo(new[] { 6, 4, 2, 1 }));
        Assert.That(s.Score, Is.EqualTo(100 * Math.Pow(4.0 / 6 * 3 / 4, 0.25)).Within(Tight));
    }

    [Test]
    public void FewerThanFourOrdersMatchedAreSmoothedByHalves()
    {
        // a b x c d | a b y c d: 1-grams 4/5, 2-grams 2/4, 3-grams 0/3, 4-grams 0/2. The first unmatched order counts
        // 1/2 match, the second 1/4 (sacreBLEU's 'exp'): p3 = 100/(2·3), p4 = 100/(4·2).
        var s = Bleu.Corpus(["a b x c d"], ["a b y c d"]);
        Assert.That(s.Counts, Is.EqualTo(new[] { 4, 2, 0, 0 }));
        Assert.That(s.Precisions, Is.EqualTo(new[] { 80.0, 50.0, 100.0 / 6, 12.5 }).Within(Tight));
        Assert.That(s.Score, Is.EqualTo(Math.Pow(80.0 * 50 * (100.0 / 6) * 12.5, 0.25)).Within(Tight));
        // sacreBLEU's test_raw_bleu case 3 statistics, scored with its default smoothing: p4 = 100/(2·1).
        var fest = Bleu.Corpus(["this is a fest"], ["this is a test"]);
        Assert.That(fest.Score, Is.EqualTo(100 * Math.Pow(0.75 * (2.0 / 3) * 0.5 * 0.5, 0.25)).Within(Tight));
    }

    [Test]
    public void HypothesisLongerThanTheReferenceHasNoBrevityPenalty()
    {
        var s = Bleu.Corpus(["the cat sat on the mat today"], ["the cat sat on the mat"]);
        Assert.That(s.BrevityPenalty, Is.EqualTo(1.0));
        Assert.That(s.Ratio, Is.EqualTo(7.0 / 6).Within(Tight));
        Assert.That(s.Score, Is.EqualTo(100 * Math.Pow(6.0 / 7 * 5 / 6 * 4 / 5 * 3 / 4, 0.25)).Within(Tight));
    }

    [Test]
    public void ShorterHypothesisPaysTheBrevityPenalty()
    {
        // Every n-gram matches; c = 4, r = 6: BP = exp(1 − 6/4).
        var s = Bleu.Corpus(["the cat sat on"], ["the cat sat on the mat"]);
        Assert.That(s.BrevityPenalty, Is.EqualTo(Math.Exp(-0.5)).Within(Tight));
        Assert.That(s.Score, Is.EqualTo(100 * Math.Exp(-0.5)).Within(Tight));
    }

    [Test]
    public void EmptyHypothesisScoresZeroWithZeroPenalty()
    {
        var s = Bleu.Corpus([""], ["a reference"]);
        Assert.That((s.Score, s.BrevityPenalty, s.HypothesisLength, s.ReferenceLength), Is.EqualTo((0.0, 0.0, 0, 2)));
        Assert.That(s.Format(), Is.EqualTo("BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 0.000 ratio = 0.000 hyp_len = 0 ref_len = 2)"));
    }

    [Test]
    public void EmptyCorpusScoresZero()
    {
        var s = Bleu.Corpus([], Array.Empty<string>());
        Assert.That((s.Score, s.BrevityPenalty, s.Ratio, s.HypothesisLength, s.ReferenceLength), Is.EqualTo((0.0, 1.0, 0.0, 0, 0)));
    }

    [Test]
    public void NoMatchesScoresZero()
    {
        var s = Bleu.Corpus(["completely different words"], ["nothing matches at all"]);
        Assert.That(s.Score, Is.Zero);
        Assert.That(s.Precisions, Is.All.Zero);
        Assert.That(s.Totals, Is.EqualTo(new[] { 3, 2, 1, 0 }));
    }

    [Test]
    public void CorpusShorterThanFourWordsScoresZeroEvenWhenItMatches()
    {
        // No 3- or 4-grams exist: p3 = p4 = 0 and sacreBLEU floors log 0, so BLEU is 0 although every n-gram matched.
        var s = Bleu.Corpus(["Two words"], ["Two words"]);
        Assert.That(s.Precisions, Is.EqualTo(new[] { 100.0, 100.0, 0.0, 0.0 }));
        Assert.That(s.Score, Is.Zero);
    }

    [Test]
    public void SeveralReferencesClipByTheLargestCountAndTakeTheClosestLength()
    {
        // "the" may be credited twice (the second reference has it twice); lengths 2 and 4 are equally close to 3:
        // the shorter one is taken, so r = 2 and there is no penalty.
        var s = Bleu.Corpus(["the the the"], [(IReadOnlyList<string>)["the cat"], ["the the dog x"]]);
        Assert.That(s.Counts[0], Is.EqualTo(2));
        Assert.That(s.ReferenceLength, Is.EqualTo(2));
        Assert.That(s.BrevityPenalty, Is.EqualTo(1.0));
        Assert.That(s.ReferenceStreams, Is.EqualTo(2));
        Assert.That(s.Signature, Is.EqualTo("nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp"));
    }

    [Test]
    public void PublishedCorpusCases()
    {
        // test_corpus_bleu_cases: the default (= tokenize '13a' = smooth_method 'none' here) and empty hypotheses.
        var s = Bleu.Corpus(ReadmeHypotheses, ReadmeReferences);
        Assert.That(s.Score, Is.EqualTo(48.530827).Within(1e-6));
        Assert.That(Bleu.Corpus(["", "", ""], ReadmeReferences).Score, Is.Zero);
        Assert.That(s.Format(signature: true), Is.EqualTo(
            "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"));
        // test_raw_bleu_cases 1 and 2 (no smoothing is involved in either).
        Assert.That(Bleu.Corpus(["this is a test", "another test"], ["ref1", "ref2"]).Score, Is.Zero);
        Assert.That(Bleu.Corpus(["this is a test"], ["this is a test"]).Score, Is.EqualTo(100.0).Within(Tight));
    }

    [Test]
    public void PublishedStatistics()
    {
        // test_case_statistics (no punctuation, so 13a tokens are the 'none' tokens).
        var s = Bleu.Corpus(["am I am a character sequence"], ["I am a symbol string sequence a a"]);
        Assert.That(s.Counts, Is.EqualTo(new[] { 4, 2, 1, 0 }));
        Assert.That(s.Totals, Is.EqualTo(new[] { 6, 5, 4, 3 }));
        // test_case_scoring.
        Assert.That(Bleu.FromStatistics([9, 7, 5, 3], [10, 8, 6, 4], 11, 11).Score / 100, Is.EqualTo(0.8375922397).Within(1e-8));
    }

    [TestCase(1, "77.65")]
    [TestCase(2, "60.50")]
    [TestCase(3, "53.93")]
    [TestCase(4, "48.53")]
    [TestCase(5, "46.14")]
    [TestCase(6, "43.28")]
    public void PublishedMaxOrders(int order, string expected) =>
        Assert.That(BleuScore.Fixed(Bleu.Corpus(ReadmeHypotheses, ReadmeReferences, order).Score, 2), Is.EqualTo(expected));

    [Test]
    public void BadInputIsRefused()
    {
        Assert.Throws<ArgumentException>(() => Bleu.Corpus(["a", "b"], ["a"]));
        Assert.Throws<ArgumentException>(() => Bleu.Corpus(["a"], Array.Empty<IReadOnlyList<string>>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Bleu.Corpus(["a"], [(IReadOnlyList<string>)["a"]], maxOrder: 0));
        Assert.Throws<ArgumentException>(() => Bleu.FromStatistics([1, 2], [3], 1, 1));
    }

    [Test]
    public void FormatRoundsHalfToEvenLikePython()
    {
        // 100·1/16 = 6.25 exactly: Python's f"{6.25:.1f}" is "6.2".
        Assert.That(BleuScore.Fixed(6.25, 1), Is.EqualTo("6.2"));
        Assert.That(BleuScore.Fixed(18.75, 1), Is.EqualTo("18.8"));
    }
}
