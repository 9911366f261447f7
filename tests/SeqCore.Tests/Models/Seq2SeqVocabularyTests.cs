using SeqCore.Models;

namespace SeqCore.Tests.Models;

/// <summary>The word and BPE vocabularies of seq2seq: special ids, learning from the given pairs only, decoding back to
/// the text, the JSON round trip, and the original character layout kept.</summary>
public class Seq2SeqVocabularyTests
{
    private static readonly (string Source, string Target)[] Pairs =
    [
        ("el perro come.", "the dog eats."),
        ("el gato come, ¿no?", "the cat eats, no?"),
        ("Dios creó el cielo.", "God created the heaven."),
    ];

    [TestCase(Seq2SeqTokens.Word, true)]
    [TestCase(Seq2SeqTokens.Word, false)]
    [TestCase(Seq2SeqTokens.Bpe, true)]
    [TestCase(Seq2SeqTokens.Bpe, false)]
    [TestCase(Seq2SeqTokens.Character, true)]
    public void EncodesWithTheSpecialIdsAndDecodesBackToTheText(Seq2SeqTokens tokens, bool joint)
    {
        var vocab = Seq2SeqVocabulary.Build(Pairs, tokens, joint, merges: 40);
        Assert.That(vocab.Tokens, Is.EqualTo(tokens));
        Assert.That(vocab.Joint, Is.EqualTo(joint));
        Assert.That(vocab.SourceEnd, Is.EqualTo(Seq2SeqVocabulary.Eos));
        int first = tokens == Seq2SeqTokens.Word ? 4 : 3;
        foreach (var (source, target) in Pairs)
        {
            var s = vocab.EncodeSource(source);
            Assert.That(s[^1], Is.EqualTo(Seq2SeqVocabulary.Eos));
            Assert.That(s[..^1], Has.All.GreaterThanOrEqualTo(first).And.All.LessThan(vocab.SourceSize));
            var t = vocab.EncodeTarget(target);
            Assert.That(t, Has.All.GreaterThanOrEqualTo(first).And.All.LessThan(vocab.TargetSize));
            Assert.That(vocab.DecodeTarget([.. t, Seq2SeqVocabulary.Eos, t[0]]), Is.EqualTo(target));
            if (joint) Assert.That(vocab.EncodeTarget(source), Is.EqualTo(s[..^1]), "one id per token on both sides");
        }
        if (joint) Assert.That(vocab.SourceSize, Is.EqualTo(vocab.TargetSize));
    }

    [Test]
    public void WordsOutsideTheTrainingPairsAreUnknownAndSpacingIsKept()
    {
        var vocab = Seq2SeqVocabulary.Build(Pairs, Seq2SeqTokens.Word, joint: false, merges: 0);
        var ids = vocab.EncodeTarget("the dog eats the bird.");
        Assert.That(ids.Count(id => id == 3), Is.EqualTo(1), "' bird' was never seen");
        Assert.That(vocab.DecodeTarget(ids), Is.EqualTo("the dog eats the <unk>."));
        Assert.That(vocab.TargetLabel(3), Is.EqualTo("<unk>"));
        Assert.That(vocab.TargetLabel(Seq2SeqVocabulary.Bos), Is.EqualTo("<s>"));
        // Per side: a Spanish word is not a target word.
        Assert.That(vocab.EncodeTarget("perro"), Is.EqualTo(new[] { 3 }));
    }

    [Test]
    public void BpeCoversUnseenTextAndDecodesUtf8()
    {
        var vocab = Seq2SeqVocabulary.Build(Pairs, Seq2SeqTokens.Bpe, joint: true, merges: 30);
        const string unseen = "Ñandú 漢字 — ok";
        Assert.That(vocab.DecodeTarget(vocab.EncodeTarget(unseen)), Is.EqualTo(unseen));
        Assert.That(vocab.SourceSize, Is.GreaterThan(3 + 256).And.LessThanOrEqualTo(3 + 256 + 30), "3 specials, 256 bytes, at most 30 merges");
        // Plot labels read each token's bytes as UTF-8: " ok" with its space, and the halves of 'Ñ' as U+FFFD.
        var ids = vocab.EncodeTarget(unseen);
        Assert.That(string.Concat(ids.Select(vocab.TargetLabel)).Replace("\uFFFD", ""), Does.EndWith(" ok"));
        var halves = vocab.EncodeTarget("Ñ");
        Assert.That(halves.Select(vocab.TargetLabel), Is.All.EqualTo("\uFFFD"), "two byte tokens, neither a character alone");
        Assert.That(vocab.TargetLabel(vocab.EncodeTarget(" ok")[^1]), Does.Not.Contain("Ġ"));
    }

    [Test]
    public void BpeIsLearnedFromTheGivenPairsOnly()
    {
        var small = Seq2SeqVocabulary.Build(Pairs[..1], Seq2SeqTokens.Bpe, joint: false, merges: 500);
        var large = Seq2SeqVocabulary.Build(Pairs, Seq2SeqTokens.Bpe, joint: false, merges: 500);
        Assert.That(small.TargetSize, Is.LessThan(large.TargetSize), "merges stop when no pair repeats");
        Assert.That(large.EncodeTarget("God created").Length, Is.LessThan(small.EncodeTarget("God created").Length));
    }

    [TestCase(Seq2SeqTokens.Word, true)]
    [TestCase(Seq2SeqTokens.Word, false)]
    [TestCase(Seq2SeqTokens.Bpe, false)]
    [TestCase(Seq2SeqTokens.Character, true)]
    [TestCase(Seq2SeqTokens.Character, false)]
    public void RoundTripsThroughJson(Seq2SeqTokens tokens, bool joint)
    {
        var vocab = Seq2SeqVocabulary.Build(Pairs, tokens, joint, merges: 20);
        var again = Seq2SeqVocabulary.FromJson(vocab.ToJson(), "test");
        Assert.That(again.ToJson(), Is.EqualTo(vocab.ToJson()));
        Assert.That((again.Tokens, again.Joint, again.SourceSize, again.TargetSize, again.SourceEnd),
            Is.EqualTo((vocab.Tokens, vocab.Joint, vocab.SourceSize, vocab.TargetSize, vocab.SourceEnd)));
        foreach (var (s, t) in Pairs)
        {
            Assert.That(again.EncodeSource(s), Is.EqualTo(vocab.EncodeSource(s)));
            Assert.That(again.EncodeTarget(t), Is.EqualTo(vocab.EncodeTarget(t)));
        }
    }

    [Test]
    public void CharactersPerSideKeepTheOriginalLayout()
    {
        var vocab = Seq2SeqVocabulary.Build(Pairs, Seq2SeqTokens.Character, joint: false, merges: 0);
        Assert.That(vocab.ToJson(), Is.EqualTo(Seq2SeqVocabulary.Build(Pairs).ToJson()));
        Assert.That(vocab.SourceEnd, Is.EqualTo(Seq2SeqVocabulary.SourceEos));
        Assert.That(vocab.ToJson(), Does.Contain("\"type\":\"seq2seq-char\""));
    }

    [TestCase("{\"type\":\"seq2seq\",\"tokens\":\"syllable\",\"joint\":true,\"shared\":[]}", "syllable")]
    [TestCase("{\"type\":\"seq2seq\",\"tokens\":\"word\",\"joint\":false,\"source\":[\"a\"]}", "'target'")]
    [TestCase("{\"type\":\"seq2seq\",\"tokens\":\"word\",\"joint\":true,\"shared\":[\"a\",\"a\"]}", "twice")]
    [TestCase("{\"type\":\"seq2seq\",\"tokens\":\"bpe\",\"joint\":true,\"shared\":{\"vocabulary\":[],\"merges\":[]}}", "byte")]
    [TestCase("{\"type\":\"nonsense\"}", "nonsense")]
    public void MalformedJsonNamesTheFault(string json, string expected)
    {
        Assert.That(() => Seq2SeqVocabulary.FromJson(json, "ckpt"),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("ckpt").And.Message.Contains(expected));
    }
}
