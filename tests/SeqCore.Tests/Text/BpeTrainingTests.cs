using SeqCore.Text;

namespace SeqCore.Tests.Text;

public class BpeTrainingTests
{
    static string Corpus => string.Join("\n", Gpt2GoldenTests.Cases().Where(c => c.Name.StartsWith("kjv-", StringComparison.Ordinal)).Select(c => c.Text));

    static string Tmp(string name) => Path.Combine(TestContext.CurrentContext.WorkDirectory, $"tok-{name}-{Guid.NewGuid():N}.json");

    [Test]
    public void Hand_checked_merges()
    {
        // Pieces "ab", " ab", " ab", " cd": (a,b) occurs 3 times, then (Ġ,ab) twice; everything else once.
        var bpe = ByteLevelBpeTokenizer.Train("ab ab ab cd", mergeCount: 10, minFrequency: 2);
        Assert.That(bpe.Merges, Is.EqualTo(new[] { ("a", "b"), ("Ġ", "ab") }));
        Assert.That(bpe.VocabularySize, Is.EqualTo(258));
        Assert.That(bpe.Encode(" ab ab cd"), Is.EqualTo(new[] { 257, 257, 32, 'c', 'd' }));
    }

    [Test]
    public void Ties_go_to_the_smallest_id_pair()
    {
        // All pairs occur once. Ids are byte values: Ġ (space) = 32, w = 119, x = 120, y = 121, z = 122.
        var bpe = ByteLevelBpeTokenizer.Train("xy zw", mergeCount: 3, minFrequency: 1);
        Assert.That(bpe.Merges, Is.EqualTo(new[] { ("Ġ", "z"), ("x", "y"), ("Ġz", "w") }));
    }

    [Test]
    public void Training_is_deterministic_and_round_trips()
    {
        string corpus = Corpus;
        var a = ByteLevelBpeTokenizer.Train(corpus, 300);
        var b = ByteLevelBpeTokenizer.Train(corpus, 300);
        Assert.That(a.Merges, Is.EqualTo(b.Merges));
        Assert.That(a.Tokens, Is.EqualTo(b.Tokens));
        Assert.That(a.MergeCount, Is.EqualTo(300));
        var ids = a.Encode(corpus);
        Assert.That(ids.Length, Is.LessThan(System.Text.Encoding.UTF8.GetByteCount(corpus) / 2), "300 merges should at least halve the byte count of the corpus they were learned on");
        Assert.That(a.Decode(ids), Is.EqualTo(corpus));
        foreach (var text in new[] { "", "Unseen wörds, 日本語 and 😀 emoji\n\t end  ", "x\ud800y" })
            Assert.That(a.Decode(a.Encode(text)), Is.EqualTo(System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text))));
    }

    [Test]
    public void Save_and_load_give_the_same_tokenizer()
    {
        string corpus = Corpus;
        var bpe = ByteLevelBpeTokenizer.Train(corpus, 100);
        string path = Tmp("bpe");
        try
        {
            bpe.Save(path);
            var loaded = ByteLevelBpeTokenizer.Load(path);
            Assert.That(loaded.Tokens, Is.EqualTo(bpe.Tokens));
            Assert.That(loaded.Merges, Is.EqualTo(bpe.Merges));
            Assert.That(loaded.Encode(corpus), Is.EqualTo(bpe.Encode(corpus)));
            Assert.That(TokenizerFile.Load(path), Is.InstanceOf<ByteLevelBpeTokenizer>());
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".tmp-*"), Is.Empty, "temporary file left behind");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Gpt2_vocabulary_saves_and_loads_in_the_tokenizer_format()
    {
        string path = Tmp("gpt2");
        try
        {
            Gpt2GoldenTests.Gpt2.Save(path);
            var loaded = ByteLevelBpeTokenizer.Load(path);
            foreach (var c in Gpt2GoldenTests.Cases().Take(12))
                Assert.That(loaded.Encode(c.Text), Is.EqualTo(c.Ids), c.Name);
        }
        finally { File.Delete(path); }
    }
}

public class BpeLongPieceTests
{
    /// <summary>The queue-based merge for long pieces must agree with the plain repeated scan, piece by piece.</summary>
    [Test]
    public void Long_piece_path_matches_the_plain_scan()
    {
        var gpt2 = Gpt2GoldenTests.Gpt2;
        var trained = ByteLevelBpeTokenizer.Train(string.Join("\n", Gpt2GoldenTests.Cases().Where(c => c.Name.StartsWith("kjv-", StringComparison.Ordinal)).Select(c => c.Text)), 200);
        var random = new System.Random(7);
        const string alphabet = "aaabbcdeeefghilmnoorsttuy";
        for (int trial = 0; trial < 40; trial++)
        {
            int n = 1 + random.Next(400);
            var bytes = System.Text.Encoding.UTF8.GetBytes(new string(Enumerable.Range(0, n).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray()));
            Assert.That(gpt2.BpeLong(bytes), Is.EqualTo(gpt2.BpeShort(bytes)), $"gpt2 trial {trial}");
            Assert.That(trained.BpeLong(bytes), Is.EqualTo(trained.BpeShort(bytes)), $"trained trial {trial}");
        }
    }
}
