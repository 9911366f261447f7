using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SeqCore.Text;

namespace SeqCore.Tests.Text;

/// <summary>
/// GPT-2 encoding against ids written by the reference JavaScript encoder (npm gpt-3-encoder 1.1.4) through
/// tests/golden/make_gpt2_golden.js.
/// </summary>
public class Gpt2GoldenTests
{
    public sealed record Case(string Name, string Text, int[] Ids, bool DecodesBack)
    {
        public override string ToString() => Name;
    }

    static readonly Lazy<ByteLevelBpeTokenizer> s_gpt2 = new(() => ByteLevelBpeTokenizer.LoadGpt2(
        Path.Combine(Folder, "encoder.json"), Path.Combine(Folder, "vocab.bpe")));

    internal static string Folder => Path.Combine(AppContext.BaseDirectory, "Golden", "gpt2");

    internal static ByteLevelBpeTokenizer Gpt2 => s_gpt2.Value;

    public static IEnumerable<Case> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "encoded.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var units = c.GetProperty("units").EnumerateArray().Select(u => (char)u.GetInt32()).ToArray();
            var ids = c.GetProperty("ids").EnumerateArray().Select(u => u.GetInt32()).ToArray();
            yield return new Case(c.GetProperty("name").GetString()!, new string(units), ids, c.GetProperty("decodes_back").GetBoolean());
        }
    }

    [Test]
    public void Vocabulary_has_gpt2_size()
    {
        Assert.That(Gpt2.VocabularySize, Is.EqualTo(50257));
        Assert.That(Gpt2.MergeCount, Is.EqualTo(50000));
        Assert.That(Gpt2.TokenToId("<|endoftext|>"), Is.EqualTo(50256));
    }

    [TestCaseSource(nameof(Cases))]
    public void Encodes_to_reference_ids_and_decodes_back(Case c)
    {
        Assert.That(Gpt2.Encode(c.Text), Is.EqualTo(c.Ids), $"{c.Name}: ids differ from the reference encoder");
        // The reference decodes back exactly unless the text holds unpaired surrogates (UTF-8 turns them into U+FFFD).
        string expected = c.DecodesBack ? c.Text : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(c.Text));
        Assert.That(c.DecodesBack || expected != c.Text, Is.True, $"{c.Name}: the reference failed to decode back a well-formed text");
        Assert.That(Gpt2.Decode(c.Ids), Is.EqualTo(expected), $"{c.Name}: decode");
    }

    [Test]
    public void Golden_file_covers_the_listed_kinds_of_text()
    {
        var names = Cases().Select(c => c.Name).ToHashSet();
        Assert.That(names, Is.SupersetOf(new[] { "empty", "emoji", "cjk", "rtl", "contractions", "contractions-upper", "non-bmp-letters", "kjv-genesis-1" }));
    }

    /// <summary>
    /// Where .NET's UTF-16 regex and JavaScript's code-point regex agree (no characters outside the BMP, no U+0085 or
    /// U+FEFF), the scanner must cut exactly where <see cref="Regex"/> with the GPT-2 pattern does.
    /// </summary>
    [Test]
    public void PreTokenizer_matches_dotnet_regex_on_bmp_text()
    {
        var regex = new Regex(Gpt2PreTokenizer.Pattern, RegexOptions.CultureInvariant);
        int compared = 0;
        foreach (var c in Cases())
        {
            if (c.Text.Any(ch => char.IsSurrogate(ch) || ch == '\u0085' || ch == '\ufeff')) continue;
            var expected = regex.Matches(c.Text).Select(m => m.Value).ToArray();
            var actual = Gpt2PreTokenizer.Split(c.Text).Select(r => c.Text[r]).ToArray();
            Assert.That(actual, Is.EqualTo(expected), c.Name);
            compared++;
        }
        Assert.That(compared, Is.GreaterThan(20));
    }

    [Test]
    public void PreTokenizer_treats_non_bmp_letters_as_letters()
    {
        // A UTF-16 regex would cut " 𝐀𝐁" into " " + "𝐀𝐁" (surrogates are not \p{L}); JavaScript with /u keeps one piece.
        const string text = "x 𝐀𝐁c 😀!";
        var pieces = Gpt2PreTokenizer.Split(text).Select(r => text[r]).ToArray();
        Assert.That(pieces, Is.EqualTo(new[] { "x", " 𝐀𝐁c", " 😀!" }));
    }

    [Test]
    public void Hand_checked_ids()
    {
        // "Hello" is GPT-2 token 15496, " world" 995 (well-known ids, independent of the golden file).
        Assert.That(Gpt2.Encode("Hello world"), Is.EqualTo(new[] { 15496, 995 }));
        Assert.That(Gpt2.Encode(""), Is.Empty);
    }
}
