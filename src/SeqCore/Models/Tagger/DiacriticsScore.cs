namespace SeqCore.Models;

/// <summary>
/// How well a restoration matches the original texts: character accuracy on the letters that can carry a mark (a e i o u
/// n of the stripped text, either case) and word accuracy (a word, a maximal run of letters of the original, is right
/// when every one of its characters is).
/// </summary>
public sealed record DiacriticsScore(long Letters, long CorrectLetters, long Words, long CorrectWords)
{
    /// <summary>Share of the letters that can carry a mark restored right.</summary>
    public double LetterAccuracy => Letters == 0 ? 0 : (double)CorrectLetters / Letters;

    /// <summary>Share of the words restored exactly.</summary>
    public double WordAccuracy => Words == 0 ? 0 : (double)CorrectWords / Words;

    /// <summary>Scores <paramref name="restored"/> against <paramref name="originals"/> (same count, each the same length).</summary>
    public static DiacriticsScore Of(IReadOnlyList<string> originals, IReadOnlyList<string> restored)
    {
        ArgumentNullException.ThrowIfNull(originals);
        ArgumentNullException.ThrowIfNull(restored);
        if (originals.Count != restored.Count) throw new ArgumentException($"DiacriticsScore: {originals.Count} originals but {restored.Count} restored texts.");
        long letters = 0, correctLetters = 0, words = 0, correctWords = 0;
        for (int n = 0; n < originals.Count; n++)
        {
            string original = originals[n], guess = restored[n];
            if (guess.Length != original.Length) throw new ArgumentException($"DiacriticsScore: text {n} has {original.Length} characters but its restoration {guess.Length}.");
            for (int i = 0; i < original.Length; i++)
            {
                if (!Diacritics.CanCarryMark(Diacritics.Strip(original[i]).Base)) continue;
                letters++;
                if (guess[i] == original[i]) correctLetters++;
            }
            foreach (var (start, length) in Diacritics.Words(original))
            {
                words++;
                if (original.AsSpan(start, length).SequenceEqual(guess.AsSpan(start, length))) correctWords++;
            }
        }
        return new DiacriticsScore(letters, correctLetters, words, correctWords);
    }
}
