using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>
/// Length-bucketed batches bounded by tokens rather than sentences: the examples are sorted by (source length, target
/// length, index) and cut greedily into batches whose padded size — rows × (longest source + longest target + 1, the
/// target's <c>&lt;/s&gt;</c>) — stays at most <see cref="MaxTokens"/>. The batches are fixed; each epoch visits all of
/// them once, in an order shuffled by a stream seeded from the seed and the epoch, so every example is seen exactly
/// once an epoch and a run is deterministic. The state is (<see cref="Epoch"/>, <see cref="Position"/>).
/// </summary>
public sealed class Seq2SeqTokenBatches
{
    private readonly int[][] _batches;
    private readonly ulong _seed;
    private int[] _order;

    /// <summary>Plans the batches of <paramref name="examples"/>; <see cref="ArgumentException"/> names the first example
    /// that alone needs more than <paramref name="maxTokens"/> padded tokens.</summary>
    public Seq2SeqTokenBatches(IReadOnlyList<Seq2SeqExample> examples, int maxTokens, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        if (examples.Count == 0) throw new ArgumentException("Seq2SeqTokenBatches: there are no examples.");
        MaxTokens = maxTokens;
        _seed = seed;
        _batches = Plan(examples, maxTokens);
        _order = Order(0);
    }

    /// <summary>The bound on a batch's padded source + target tokens.</summary>
    public int MaxTokens { get; }

    /// <summary>The batches as example indices, in planning (length) order.</summary>
    public IReadOnlyList<int[]> Batches => _batches;

    /// <summary>The current epoch (0-based).</summary>
    public int Epoch { get; private set; }

    /// <summary>Batches of the current epoch already given out.</summary>
    public int Position { get; private set; }

    /// <summary>The padded tokens of a batch: rows × (longest source + longest target + 1).</summary>
    public static long PaddedTokens(IReadOnlyList<Seq2SeqExample> examples, IReadOnlyList<int> batch)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(batch);
        int source = 0, target = 0;
        foreach (int i in batch) (source, target) = (Math.Max(source, examples[i].Source.Length), Math.Max(target, examples[i].Target.Length + 1));
        return (long)batch.Count * (source + target);
    }

    /// <summary>The indices of the next batch; after the last batch of an epoch the next epoch begins in a new order.</summary>
    public int[] Next()
    {
        if (Position == _batches.Length) Seek(Epoch + 1, 0);
        return _batches[_order[Position++]];
    }

    /// <summary>The batch order of <paramref name="epoch"/>, as indices into <see cref="Batches"/>.</summary>
    public int[] Order(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var order = Enumerable.Range(0, _batches.Length).ToArray();
        var random = new RandomStream(_seed ^ 0xb0c4_e75eUL ^ ((ulong)epoch * 0x9e37_79b9_7f4a_7c15UL));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>Moves to batch <paramref name="position"/> of <paramref name="epoch"/> (a resumed run's state).</summary>
    public void Seek(int epoch, int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (position < 0 || position > _batches.Length)
            throw new ArgumentOutOfRangeException(nameof(position), $"Seq2SeqTokenBatches: position {position} is outside 0..{_batches.Length}.");
        if (epoch != Epoch) _order = Order(epoch);
        Epoch = epoch;
        Position = position;
    }

    private static int[][] Plan(IReadOnlyList<Seq2SeqExample> examples, int maxTokens)
    {
        var sorted = Enumerable.Range(0, examples.Count)
            .OrderBy(i => examples[i].Source.Length).ThenBy(i => examples[i].Target.Length).ThenBy(i => i).ToArray();
        var batches = new List<int[]>();
        var current = new List<int>();
        int source = 0, target = 0;
        foreach (int i in sorted)
        {
            int s = Math.Max(source, examples[i].Source.Length), t = Math.Max(target, examples[i].Target.Length + 1);
            if ((long)(current.Count + 1) * (s + t) > maxTokens && current.Count > 0)
            {
                batches.Add([.. current]);
                current.Clear();
                (s, t) = (examples[i].Source.Length, examples[i].Target.Length + 1);
            }
            if (s + t > maxTokens)
                throw new ArgumentException($"example {i + 1} needs {s + t} tokens ({s} source, {t} target with </s>), more than the batch bound of {maxTokens}.");
            current.Add(i);
            (source, target) = (s, t);
        }
        batches.Add([.. current]);
        return [.. batches];
    }
}
