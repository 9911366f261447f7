using SeqCore.Training;

namespace SeqCore.Models;

/// <summary>
/// An endless stream of word2vec training examples, as <see cref="Word2VecTrainable{T}"/> consumes them: per example
/// <see cref="InputsPerExample"/> input-word ids (−1 pads) whose input vectors are averaged, and K = k + 1 output-word
/// ids, the positive first. <see cref="SkipGramSampler"/> gives one input (the center) and the context as the positive;
/// <see cref="CbowSampler"/> gives the context window and the center as the positive.
/// </summary>
public interface IWord2VecSampler
{
    /// <summary>Negatives per example (k).</summary>
    int Negatives { get; }

    /// <summary>Input ids per example (C): 1 for skip-gram, 2·window for CBOW.</summary>
    int InputsPerExample { get; }

    /// <summary>Completed passes over the corpus.</summary>
    int Epoch { get; }

    /// <summary>Fraction of the current epoch's sentences consumed.</summary>
    double EpochProgress { get; }

    /// <summary>About how many examples one epoch gives (turns epochs into steps).</summary>
    long EstimatedPairsPerEpoch();

    /// <summary>Fills the next B examples: <paramref name="inputs"/> <c>[B, C]</c> and <paramref name="outputs"/> <c>[B, k+1]</c>.</summary>
    void Next(Span<int> inputs, Span<int> outputs);

    /// <summary>Writes where the stream stands into <paramref name="state"/>.</summary>
    void SaveState(TrainableState state);

    /// <summary>Puts the stream back where <see cref="SaveState"/> found it (same corpus and settings).</summary>
    void RestoreState(TrainableState state);
}
