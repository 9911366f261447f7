using SeqCore.Metrics;

namespace SeqCore.Tests.Metrics;

/// <summary>Corpus chrF: hand-worked examples, sacreBLEU's published test cases (sacrebleu/test/test_chrf.py, which
/// use β = 3 and both smoothing modes) and the edge cases.</summary>
public class ChrFTests
{
    private const double Published = 1e-4; // test_chrf.py's EPSILON

    private static ChrFScore Score(string[] hypotheses, string[] references, ChrFSettings settings) =>
        ChrF.Corpus(hypotheses, [references], settings);

    [Test]
    public void HandWorked()
    {
        // abc | abd: 1-grams P = R = 2/3, 2-grams 1/2, 3-grams 0; orders 4–6 have no n-grams on either side and are
        // left out. Mean P = mean R = (2/3 + 1/2 + 0)/3 = 7/18, and F_β = P when P = R.
        var s = ChrF.Corpus(["abc"], ["abd"]);
        Assert.That(s.Score, Is.EqualTo(100.0 * 7 / 18).Within(1e-12));
        Assert.That(s.Matches, Is.EqualTo(new[] { 2, 1, 0, 0, 0, 0 }));
        Assert.That(s.Format(), Is.EqualTo("chrF2 = 38.89"));
        Assert.That(s.Signature, Is.EqualTo("nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no"));
    }

    [Test]
    public void RecallWeighsMoreThanPrecision()
    {
        // ab | abcd: 1-grams P = 1, R = 1/2; 2-grams P = 1, R = 1/3; 3-grams have no hypothesis n-gram (left out).
        // P = 1, R = 5/12: F2 = 5·P·R / (4·P + R).
        double p = 1, r = 5.0 / 12;
        Assert.That(ChrF.Corpus(["ab"], ["abcd"]).Score, Is.EqualTo(100 * 5 * p * r / (4 * p + r)).Within(1e-12));
    }

    [Test]
    public void EdgeCases()
    {
        Assert.That(ChrF.Corpus([""], ["reference"]).Score, Is.Zero, "empty hypothesis");
        Assert.That(ChrF.Corpus([], Array.Empty<string>()).Score, Is.Zero, "empty corpus");
        Assert.That(ChrF.Corpus(["xyz"], ["abc"]).Score, Is.Zero, "no match");
        Assert.That(ChrF.Corpus(["a b c"], ["abc"]).Score, Is.EqualTo(100.0).Within(1e-12), "whitespace is removed");
        Assert.That(ChrF.Corpus(["🙂🚀"], ["🙂🚀"]).HypothesisNGrams, Is.EqualTo(new[] { 2, 1, 0, 0, 0, 0 }), "code points, not UTF-16 units");
        var twoReferences = ChrF.Corpus(["abc"], [(IReadOnlyList<string>)["xyz"], ["abc"]]);
        Assert.That(twoReferences.Score, Is.EqualTo(100.0).Within(1e-12), "the best reference is taken");
        Assert.That(twoReferences.ReferenceStreams, Is.EqualTo(2));
        Assert.Throws<ArgumentException>(() => ChrF.Corpus(["a"], ["a", "b"]));
    }

    // test_chrf.py test_cases: β = 3, eps_smoothing = True.
    [TestCase(new[] { "abcdefg" }, new[] { "hijklmnop" }, 0.0)]
    [TestCase(new[] { "a" }, new[] { "b" }, 0.0)]
    [TestCase(new[] { "" }, new[] { "b" }, 0.0)]
    [TestCase(new[] { "" }, new[] { "ref" }, 0.0)]
    [TestCase(new[] { "" }, new[] { "reference" }, 0.0)]
    [TestCase(new[] { "aa" }, new[] { "ab" }, 8.3333)]
    [TestCase(new[] { "a", "b" }, new[] { "a", "c" }, 8.3333)]
    [TestCase(new[] { "a" }, new[] { "a" }, 16.6667)]
    [TestCase(new[] { "a b c" }, new[] { "a b c" }, 50.0)]
    [TestCase(new[] { "a b c" }, new[] { "abc" }, 50.0)]
    [TestCase(new[] { " risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ." },
        new[] { "risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists ." }, 63.361730)]
    [TestCase(new[] { " Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. " },
        new[] { "Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich." }, 64.1302698)]
    [TestCase(new[] { "Niemand hat die Absicht, eine Mauer zu errichten" }, new[] { "Niemand hat die Absicht, eine Mauer zu errichten" }, 100.0)]
    public void PublishedEpsSmoothing(string[] hypotheses, string[] references, double expected) =>
        Assert.That(Score(hypotheses, references, new ChrFSettings(Beta: 3, EpsSmoothing: true)).Score, Is.EqualTo(expected).Within(Published));

    // test_chrf.py test_cases_effective_order: β = 3, sacreBLEU 2.x's default averaging.
    [TestCase(new[] { "a" }, new[] { "a" }, 100.0)]
    [TestCase(new[] { "" }, new[] { "reference" }, 0.0)]
    [TestCase(new[] { "a b c" }, new[] { "a b c" }, 100.0)]
    [TestCase(new[] { "a b c" }, new[] { "abc" }, 100.0)]
    [TestCase(new[] { "" }, new[] { "c" }, 0.0)]
    [TestCase(new[] { "a", "b" }, new[] { "a", "c" }, 50.0)]
    [TestCase(new[] { "aa" }, new[] { "ab" }, 25.0)]
    public void PublishedEffectiveOrder(string[] hypotheses, string[] references, double expected) =>
        Assert.That(Score(hypotheses, references, new ChrFSettings(Beta: 3)).Score, Is.EqualTo(expected).Within(Published));

    // test_chrf.py test_cases_keep_whitespace: β = 3, whitespace kept.
    [TestCase("Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.",
        "Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.", 67.3481606)]
    [TestCase("risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .",
        "risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .", 65.2414427)]
    public void PublishedKeepWhitespace(string hypothesis, string reference, double expected) =>
        Assert.That(Score([hypothesis], [reference], new ChrFSettings(Beta: 3, KeepWhitespace: true)).Score, Is.EqualTo(expected).Within(Published));

    // test_chrf.py test_sentence_level_chrf: β = 2, eps_smoothing = True, one segment.
    [TestCase("Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
        "Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.", 39.14078509)]
    [TestCase("Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
        "A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.", 31.22557079)]
    [TestCase("Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
        "Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.", 57.15704367)]
    public void PublishedSentenceLevel(string hypothesis, string reference, double expected) =>
        Assert.That(Score([hypothesis], [reference], new ChrFSettings(EpsSmoothing: true)).Score, Is.EqualTo(expected).Within(Published));
}
