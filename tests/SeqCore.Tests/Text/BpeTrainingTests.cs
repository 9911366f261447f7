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

/// <summary>The incremental pair counts of <see cref="ByteLevelBpeTokenizer.Train"/> learn exactly the merges of the
/// plain algorithm that recounts every piece for every merge (kept here as the reference).</summary>
public class BpeIncrementalTrainingTests
{
    private static readonly string Bible = Path.Combine(AppContext.BaseDirectory, "Data", "bible_es_en.tsv");

    private static List<(string, string)> ReferenceMerges(string corpus, int mergeCount, int minFrequency)
    {
        var pieceCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var range in Gpt2PreTokenizer.Split(corpus.AsSpan()))
            pieceCounts[corpus[range]] = pieceCounts.GetValueOrDefault(corpus[range]) + 1;
        var words = new List<List<int>>();
        var counts = new List<int>();
        foreach (var (p, c) in pieceCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            words.Add([.. System.Text.Encoding.UTF8.GetBytes(p).Select(b => (int)b)]);
            counts.Add(c);
        }
        var tokens = Enumerable.Range(0, 256).Select(b => ByteLevelBpeTokenizer.ByteToUnicode((byte)b).ToString()).ToList();
        var merges = new List<(string, string)>();
        for (int step = 0; step < mergeCount; step++)
        {
            var pairCounts = new Dictionary<long, long>();
            for (int w = 0; w < words.Count; w++)
                for (int i = 0; i + 1 < words[w].Count; i++)
                {
                    long k = ((long)words[w][i] << 32) | (uint)words[w][i + 1];
                    pairCounts[k] = pairCounts.GetValueOrDefault(k) + counts[w];
                }
            long best = -1, bestCount = 0;
            foreach (var (k, c) in pairCounts)
                if (c > bestCount || (c == bestCount && k < best)) { best = k; bestCount = c; }
            if (best < 0 || bestCount < minFrequency) break;
            int left = (int)(best >> 32), right = (int)(best & 0xFFFFFFFF);
            string merged = tokens[left] + tokens[right];
            int id = tokens.IndexOf(merged);
            if (id < 0) { id = tokens.Count; tokens.Add(merged); }
            merges.Add((tokens[left], tokens[right]));
            foreach (var word in words)
            {
                int o = 0;
                for (int r = 0; r < word.Count; r++)
                {
                    if (r + 1 < word.Count && word[r] == left && word[r + 1] == right) { word[o++] = id; r++; }
                    else word[o++] = word[r];
                }
                word.RemoveRange(o, word.Count - o);
            }
        }
        return merges;
    }

    [TestCase(400, 2)]
    [TestCase(60, 1)]
    public void LearnsTheMergesOfTheReference(int merges, int minFrequency)
    {
        // Spanish and English verses: multi-byte characters, repeated letters (overlapping pairs) and punctuation runs.
        string corpus = string.Join("\n", File.ReadLines(Bible).Skip(1).Take(400).Select(l => l.Split('\t')).SelectMany(f => f[1..]));
        Assert.That(ByteLevelBpeTokenizer.Train(corpus, merges, minFrequency).Merges, Is.EqualTo(ReferenceMerges(corpus, merges, minFrequency)));
        const string repeats = "aaaa aaa aa a abab ababab bbb aaaa";
        Assert.That(ByteLevelBpeTokenizer.Train(repeats, 20, 1).Merges, Is.EqualTo(ReferenceMerges(repeats, 20, 1)));
    }
}
