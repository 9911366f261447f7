using System.Numerics;

namespace SeqCore.Models;

/// <summary>
/// The diacritic-restoration result on a set of verses: the model's <see cref="DiacriticsScore"/> next to the two
/// baselines, the no-change one (the stripped text as it is) and <see cref="MostFrequentFormBaseline"/> trained on the
/// training verses.
/// </summary>
public sealed record DiacriticsReport(DiacriticsScore Model, DiacriticsScore MostFrequentForm, DiacriticsScore NoChange, int Verses)
{
    /// <summary>Restores <paramref name="verses"/> (original texts) with <paramref name="tagger"/> and scores it and the
    /// baselines (the word baseline learnt from <paramref name="trainingVerses"/>).</summary>
    public static DiacriticsReport Of<T>(TextTagger<T> tagger, IReadOnlyList<string> verses, IEnumerable<string> trainingVerses)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tagger);
        ArgumentNullException.ThrowIfNull(verses);
        var stripped = verses.Select(Diacritics.Strip).ToArray();
        var restored = Restore(tagger, stripped);
        var baseline = MostFrequentFormBaseline.Train(trainingVerses);
        return new DiacriticsReport(
            DiacriticsScore.Of(verses, restored),
            DiacriticsScore.Of(verses, [.. stripped.Select(baseline.Restore)]),
            DiacriticsScore.Of(verses, stripped),
            verses.Count);
    }

    /// <summary>The texts with the marks <paramref name="tagger"/> (a diacritics model) predicts put back; each text is
    /// stripped first, so marked input is accepted too.</summary>
    public static string[] Restore<T>(TextTagger<T> tagger, IReadOnlyList<string> texts) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tagger);
        ArgumentNullException.ThrowIfNull(texts);
        if (tagger.Vocabulary.Unit != TaggerVocabulary.CharTokens || !tagger.Vocabulary.Tags.SequenceEqual(Diacritics.Tags))
            throw new ArgumentException($"the tagger is not a diacritics model (char tokens and the tags {string.Join(" ", Diacritics.Tags)}).");
        var stripped = texts.Select(Diacritics.Strip).ToArray();
        var result = new string[texts.Count];
        var nonEmpty = Enumerable.Range(0, texts.Count).Where(i => stripped[i].Length > 0).ToArray();
        var marks = tagger.Predict([.. nonEmpty.Select(i => TaggerVocabulary.Split(stripped[i], TaggerVocabulary.CharTokens))]);
        for (int i = 0; i < texts.Count; i++) result[i] = stripped[i];
        for (int j = 0; j < nonEmpty.Length; j++) result[nonEmpty[j]] = Diacritics.Restore(stripped[nonEmpty[j]], marks[j]);
        return result;
    }
}
