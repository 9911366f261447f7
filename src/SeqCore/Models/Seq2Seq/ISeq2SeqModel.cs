using System.Numerics;

namespace SeqCore.Models;

/// <summary>
/// A sequence-to-sequence model as decoding and evaluation see it, whatever its family (the recurrent
/// <see cref="Seq2Seq{T}"/>, the encoder–decoder transformer): its vocabularies, the longest target it was trained on,
/// and a batch of sources encoded into an <see cref="IBeamScorer"/>. Greedy decoding and beam search
/// (<see cref="BeamSearch"/>) drive every family through this contract.
/// </summary>
public interface ISeq2SeqModel<T> : ISequenceModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The source and target vocabularies (null until set); their sizes must match the config.</summary>
    Seq2SeqVocabulary? Vocabulary { get; set; }

    /// <summary>The longest target the model was trained on, in tokens (0 = unknown).</summary>
    int MaxTargetLength { get; set; }

    /// <summary>
    /// Encodes <paramref name="sources"/> (source ids, each ending with the source end token) once and returns a scorer
    /// of <c>sources.Count × beamWidth</c> rows: rows <c>i·k … i·k+k−1</c> decode source i (k = <paramref name="beamWidth"/>).
    /// Each row's attention (<see cref="IBeamScorer.Attention"/>) covers its own source's positions. The caller disposes it.
    /// </summary>
    IBeamScorer CreateScorer(IReadOnlyList<int[]> sources, int beamWidth);
}
