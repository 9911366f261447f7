using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>
/// The training data of a sequence-to-sequence model: held-out and training pairs, their vocabularies and every pair
/// encoded. <see cref="Load"/> reads <c>source&lt;TAB&gt;target</c> pairs from a TSV file, shuffles them with a seeded
/// stream, holds out the first <see cref="HeldOutCount"/> and builds both character vocabularies from all pairs;
/// <see cref="Create"/> takes splits and vocabularies made elsewhere (e.g. by book, learned on the training split).
/// <see cref="Pairs"/> and <see cref="Examples"/> hold the held-out pairs first, then the training pairs.
/// </summary>
public sealed class Seq2SeqPairs
{
    private Seq2SeqPairs(string path, List<(string Source, string Target)> pairs, int heldOut, Seq2SeqVocabulary vocabulary)
    {
        Path = path;
        Pairs = pairs;
        HeldOutCount = heldOut;
        Vocabulary = vocabulary;
        Examples = [.. pairs.Select(p => new Seq2SeqExample(Vocabulary.EncodeSource(p.Source), Vocabulary.EncodeTarget(p.Target)))];
        Train = [.. Examples.Skip(heldOut)];
        HeldOut = [.. Examples.Take(heldOut)];
        MaxTargetLength = Examples.Max(e => e.Target.Length);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>All pairs, shuffled; the first <see cref="HeldOutCount"/> are held out.</summary>
    public IReadOnlyList<(string Source, string Target)> Pairs { get; }

    /// <summary>Pairs held out for evaluation.</summary>
    public int HeldOutCount { get; }

    /// <summary>The vocabularies of every pair.</summary>
    public Seq2SeqVocabulary Vocabulary { get; }

    /// <summary><see cref="Pairs"/> as ids.</summary>
    public IReadOnlyList<Seq2SeqExample> Examples { get; }

    /// <summary>The training examples.</summary>
    public IReadOnlyList<Seq2SeqExample> Train { get; }

    /// <summary>The held-out examples.</summary>
    public IReadOnlyList<Seq2SeqExample> HeldOut { get; }

    /// <summary>The longest target, in tokens.</summary>
    public int MaxTargetLength { get; }

    /// <summary>
    /// Reads <paramref name="path"/>, shuffles the pairs with a stream seeded from <paramref name="seed"/> and holds out
    /// <c>round(N·heldOutFraction)</c> of them (at least one when the fraction is positive).
    /// <see cref="InvalidDataException"/> names the file (and line) for a missing or malformed file;
    /// <see cref="ArgumentException"/> when the held-out share leaves nothing to train on.
    /// </summary>
    public static Seq2SeqPairs Load(string path, double heldOutFraction, ulong seed)
    {
        var pairs = Read(path);
        var (train, heldOut) = Split(path, pairs, heldOutFraction, seed);
        return Create(path, train, heldOut, Seq2SeqVocabulary.Build(pairs));
    }

    /// <summary>
    /// Shuffles <paramref name="pairs"/> (in place) with a stream seeded from <paramref name="seed"/> and holds out
    /// <c>round(N·heldOutFraction)</c> of them (at least one when the fraction is positive): the split of <see cref="Load"/>.
    /// <see cref="ArgumentException"/> naming <paramref name="path"/> when the held-out share leaves nothing to train on.
    /// </summary>
    public static (List<TPair> Train, List<TPair> HeldOut) Split<TPair>(string path, List<TPair> pairs, double heldOutFraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (heldOutFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(heldOutFraction), $"the held-out fraction must be in [0, 1), got {heldOutFraction}.");
        Shuffle(pairs, new RandomStream(seed ^ 0xda7a_5eedUL));
        int held = heldOutFraction > 0 ? Math.Max(1, (int)Math.Round(pairs.Count * heldOutFraction)) : 0;
        if (held >= pairs.Count)
            throw new ArgumentException($"{path}: {pairs.Count} pair{(pairs.Count == 1 ? "" : "s")} leave nothing to train on after holding out {held}.");
        return (pairs.GetRange(held, pairs.Count - held), pairs.GetRange(0, held));
    }

    /// <summary>The data of given splits and vocabularies; <see cref="ArgumentException"/> when a pair cannot be encoded
    /// (a character vocabulary lacks one of its characters) or there is nothing to train on.</summary>
    public static Seq2SeqPairs Create(string path, IReadOnlyList<(string Source, string Target)> train,
        IReadOnlyList<(string Source, string Target)> heldOut, Seq2SeqVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (train.Count == 0) throw new ArgumentException($"{path}: there are no training pairs.");
        return new Seq2SeqPairs(path, [.. heldOut, .. train], heldOut.Count, vocabulary);
    }

    /// <summary>The pairs of a TSV file, one <c>source&lt;TAB&gt;target</c> per line (blank lines skipped).</summary>
    /// <exception cref="InvalidDataException">Missing or unreadable file, bytes that are not UTF-8 (with the byte offset), a line without exactly one tab, an empty side,
    /// or no pairs at all; the message names the file and the line.</exception>
    public static List<(string Source, string Target)> Read(string path) => [.. ReadNumbered(path).Select(p => (p.Source, p.Target))];

    /// <summary><see cref="Read"/> with each pair's 1-based line number, for messages.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read"/>.</exception>
    public static List<(string Source, string Target, int Line)> ReadNumbered(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InvalidDataException($"file not found: {path}");
        var pairs = new List<(string, string, int)>();
        int number = 0;
        try
        {
            foreach (var raw in IO.Utf8Text.ReadLines(path))
            {
                number++;
                string line = raw.EndsWith('\r') ? raw[..^1] : raw;
                if (line.Length == 0) continue;
                int tab = line.IndexOf('\t');
                if (tab < 0)
                    throw new InvalidDataException($"{path}:{number}: expected 'source<TAB>target', found no tab in \"{Clip(line)}\".");
                if (line.IndexOf('\t', tab + 1) >= 0)
                    throw new InvalidDataException($"{path}:{number}: expected one tab between source and target, found more in \"{Clip(line)}\".");
                string source = line[..tab], target = line[(tab + 1)..];
                if (source.Length == 0 || target.Length == 0)
                    throw new InvalidDataException($"{path}:{number}: the {(source.Length == 0 ? "source" : "target")} is empty.");
                pairs.Add((source, target, number));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidDataException($"cannot read {path}: {e.Message}", e); }
        if (pairs.Count == 0) throw new InvalidDataException($"{path}: no 'source<TAB>target' pairs (the file is empty or blank).");
        return pairs;
    }

    private static string Clip(string line) => line.Length <= 40 ? line : line[..40] + "…";

    private static void Shuffle<TItem>(List<TItem> items, RandomStream random)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
