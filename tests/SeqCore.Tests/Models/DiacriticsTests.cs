using SeqCore.Models;

namespace SeqCore.Tests.Models;

/// <summary>
/// The pieces of the diacritic-restoration task: stripping and restoring marks letter for letter (case kept), the
/// most-frequent-form baseline, the letter and word accuracy, the tag-file reader and its bad-input messages — each
/// against values worked out by hand.
/// </summary>
public class DiacriticsTests
{
    [Test]
    public void Strip_removes_every_mark_keeping_length_and_case_and_the_marks_restore_the_text()
    {
        const string text = "ÉL DIJO: ¿Está la Niña en Güímar? Ñandú, fué, vîno.";
        Assert.That(Diacritics.Strip(text), Is.EqualTo("EL DIJO: ¿Esta la Nina en Guimar? Nandu, fue, vino."));
        string[] marks = Diacritics.MarksOf("Güímar Ñ");
        Assert.That(marks, Is.EqualTo(new[] { "none", "diaeresis", "acute", "none", "none", "none", "none", "tilde" }));
        Assert.That(Diacritics.Restore(Diacritics.Strip(text), Diacritics.MarksOf(text)), Is.EqualTo(text));
    }

    [Test]
    public void A_mark_the_letter_cannot_carry_leaves_it_unchanged()
    {
        Assert.That(Diacritics.Apply('e', "tilde"), Is.EqualTo('e'));
        Assert.That(Diacritics.Apply('n', "acute"), Is.EqualTo('n'));
        Assert.That(Diacritics.Apply('U', "diaeresis"), Is.EqualTo('Ü'));
        Assert.That(Diacritics.Apply('x', "acute"), Is.EqualTo('x'));
        Assert.That(Diacritics.Restore("que", ["none", "tilde", "acute"]), Is.EqualTo("qué"));
    }

    [Test]
    public void The_word_baseline_takes_each_words_most_frequent_form_and_keeps_the_case()
    {
        // "el" ×2 beats "él" ×1; "está" ×2 beats "esta" ×1; "niño" once; "mañana" once.
        var baseline = MostFrequentFormBaseline.Train(["el niño está", "Él está aquí", "el y esta mañana"]);
        Assert.That(baseline.Count, Is.EqualTo(6)); // el (and él), nino, esta (and está), aqui, y, manana
        Assert.That(baseline.FormOf("EL"), Is.EqualTo("el"));
        Assert.That(baseline.Restore("El NINO esta en la manana, aqui."), Is.EqualTo("El NIÑO está en la mañana, aquí."));
    }

    [Test]
    public void Letter_and_word_accuracy_count_the_markable_letters_and_the_letter_runs()
    {
        string[] originals = ["La niña está.", "Sí"];
        string[] restored = ["La nina está.", "Si"];
        var score = DiacriticsScore.Of(originals, restored);
        // Markable letters (stripped: a e i o u n, either case): L-a, n-i-n-a, e-s-t-a → a, n, i, n, a, e, a = 7; "Si" → i = 1.
        Assert.That(score.Letters, Is.EqualTo(8));
        Assert.That(score.CorrectLetters, Is.EqualTo(6)); // ñ and í missed
        Assert.That(score.Words, Is.EqualTo(4));
        Assert.That(score.CorrectWords, Is.EqualTo(2)); // "La", "está"
        Assert.That(score.WordAccuracy, Is.EqualTo(0.5));
    }

    [Test]
    public void Token_and_sentence_accuracy()
    {
        var score = TaggingScore.Of([[0, 1, 2], [1, 1]], [[0, 1, 1], [1, 1]]);
        Assert.That((score.Tokens, score.CorrectTokens, score.Sentences, score.CorrectSentences), Is.EqualTo((5L, 4L, 2, 1)));
    }

    [Test]
    public void Tag_files_read_word_and_char_tokens_and_name_the_line_of_a_fault()
    {
        string path = Path.Combine(Path.GetTempPath(), $"seqcore-tags-{Guid.NewGuid():N}.tags");
        try
        {
            File.WriteAllText(path, "la niña canta\tDET NOUN VERB\n\nel gato\tDET NOUN\n");
            var words = TagFile.Read(path, TaggerVocabulary.WordTokens);
            Assert.That(words.Select(s => s.Tokens.Count), Is.EqualTo(new[] { 3, 2 }));
            Assert.That(words[1].Source, Is.EqualTo($"{path}:3"));
            var vocabulary = TaggerVocabulary.Build(TaggerVocabulary.WordTokens, words);
            Assert.That(vocabulary.Tags, Is.EqualTo(new[] { "DET", "NOUN", "VERB" }));
            Assert.That(vocabulary.EncodeTokens(["gato", "zorro"])[1], Is.Zero, "unknown words map to <unk>");

            File.WriteAllText(path, "ab c\tx y z x\n");
            Assert.That(TagFile.Read(path, TaggerVocabulary.CharTokens)[0].Tokens, Is.EqualTo(new[] { "a", "b", " ", "c" }));

            File.WriteAllText(path, "el gato\tDET NOUN\nla niña\n");
            var e = Assert.Throws<InvalidDataException>(() => TagFile.Read(path, TaggerVocabulary.WordTokens));
            Assert.That(e!.Message, Is.EqualTo($"{path}:2: expected 'tokens<TAB>tags', found no tab."));
        }
        finally { File.Delete(path); }
    }
}
