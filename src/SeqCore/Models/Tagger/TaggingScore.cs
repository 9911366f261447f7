namespace SeqCore.Models;

/// <summary>Token and sentence accuracy of predicted tags against the reference tags.</summary>
public sealed record TaggingScore(long Tokens, long CorrectTokens, int Sentences, int CorrectSentences)
{
    /// <summary>Share of the tokens tagged right.</summary>
    public double TokenAccuracy => Tokens == 0 ? 0 : (double)CorrectTokens / Tokens;

    /// <summary>Share of the sentences with every token tagged right.</summary>
    public double SentenceAccuracy => Sentences == 0 ? 0 : (double)CorrectSentences / Sentences;

    /// <summary>Scores <paramref name="predicted"/> against <paramref name="reference"/> (tag ids; same shapes).</summary>
    public static TaggingScore Of(IReadOnlyList<int[]> reference, IReadOnlyList<int[]> predicted)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(predicted);
        if (reference.Count != predicted.Count) throw new ArgumentException($"TaggingScore: {reference.Count} reference sentences but {predicted.Count} predicted.");
        long tokens = 0, correct = 0;
        int sentences = 0;
        for (int i = 0; i < reference.Count; i++)
        {
            if (reference[i].Length != predicted[i].Length) throw new ArgumentException($"TaggingScore: sentence {i} has {reference[i].Length} tags but {predicted[i].Length} predicted.");
            int right = 0;
            for (int t = 0; t < reference[i].Length; t++) if (reference[i][t] == predicted[i][t]) right++;
            tokens += reference[i].Length;
            correct += right;
            if (right == reference[i].Length) sentences++;
        }
        return new TaggingScore(tokens, correct, reference.Count, sentences);
    }
}
