namespace SeqCore.Models;

/// <summary>
/// A padded batch of (source, target) id sequences laid out for <see cref="Seq2Seq{T}"/>: sources batch-first (the
/// encoder runs batch-first), targets time-major (the decoder steps through time).
/// </summary>
public sealed class Seq2SeqBatch
{
    /// <summary>The ignore index of target padding in <see cref="Targets"/> (PyTorch's default).</summary>
    public const int IgnoreIndex = -100;

    /// <summary>Builds the batch. Sources already end with the source <c>&lt;eos&gt;</c> (see
    /// <see cref="Seq2SeqVocabulary.EncodeSource"/>); targets are bare (no <c>&lt;bos&gt;</c>/<c>&lt;eos&gt;</c>).</summary>
    public Seq2SeqBatch(IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets) : this(sources, targets, 0) { }

    /// <summary>Builds the batch with at least <paramref name="targetSteps"/> decoder steps (the extra steps are padding,
    /// ignored by the loss) and at least <paramref name="sourceSteps"/> source steps (padding, masked): a data-parallel
    /// rank pads its rows to the whole batch's lengths, so that the draws of teacher forcing and dropout line up with
    /// one process's.</summary>
    internal Seq2SeqBatch(IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets, int targetSteps, int sourceSteps = 0)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(targets);
        if (sources.Count == 0 || sources.Count != targets.Count)
            throw new ArgumentException($"Seq2SeqBatch: need as many targets as sources (at least one), got {sources.Count} and {targets.Count}.");
        Batch = sources.Count;
        SourceSteps = Math.Max(sourceSteps, sources.Max(s => s.Length));
        TargetSteps = Math.Max(targetSteps, targets.Max(t => t.Length) + 1);
        if (sources.Any(s => s.Length == 0)) throw new ArgumentException("Seq2SeqBatch: a source is empty (it must end with <eos>).");
        SourceLengths = [.. sources.Select(s => s.Length)];
        SourceIds = new int[Batch * SourceSteps];
        for (int b = 0; b < Batch; b++) sources[b].CopyTo(SourceIds, b * SourceSteps);
        DecoderInputs = new int[TargetSteps * Batch];
        Targets = new int[TargetSteps * Batch];
        Array.Fill(Targets, IgnoreIndex);
        for (int b = 0; b < Batch; b++)
        {
            var y = targets[b];
            DecoderInputs[b] = Seq2SeqVocabulary.Bos;
            for (int t = 0; t < y.Length; t++)
            {
                DecoderInputs[(t + 1) * Batch + b] = y[t];
                Targets[t * Batch + b] = y[t];
            }
            Targets[y.Length * Batch + b] = Seq2SeqVocabulary.Eos;
        }
        TargetTokens = targets.Sum(t => t.Length + 1);
    }

    /// <summary>B.</summary>
    public int Batch { get; }
    /// <summary>S: the longest source, <c>&lt;eos&gt;</c> included.</summary>
    public int SourceSteps { get; }
    /// <summary>T: the longest target plus its <c>&lt;eos&gt;</c>.</summary>
    public int TargetSteps { get; }
    /// <summary><c>[B]</c> source lengths (1..S).</summary>
    public int[] SourceLengths { get; }
    /// <summary><c>[B, S]</c> source ids, padded with <see cref="Seq2SeqVocabulary.Pad"/>.</summary>
    public int[] SourceIds { get; }
    /// <summary><c>[T, B]</c> teacher-forced decoder inputs: <c>&lt;bos&gt;, y_1 … y_n</c>, then padding.</summary>
    public int[] DecoderInputs { get; }
    /// <summary><c>[T, B]</c> targets: <c>y_1 … y_n, &lt;eos&gt;</c>, then <see cref="IgnoreIndex"/>.</summary>
    public int[] Targets { get; }
    /// <summary>Number of counted target tokens (each target's length + 1 for <c>&lt;eos&gt;</c>).</summary>
    public int TargetTokens { get; }
}
