using System.Text.RegularExpressions;

namespace SeqCore.Metrics;

/// <summary>
/// The <c>13a</c> tokenizer: the tokenization of NIST's <c>mteval-v13a.pl</c>, which sacreBLEU uses by default for
/// BLEU (<c>sacrebleu/tokenizers/tokenizer_13a.py</c> and <c>tokenizer_re.py</c>). Tokens are separated by single
/// spaces in the result.
/// </summary>
public static partial class Tokenizer13a
{
    /// <summary>Tokenizes one segment.</summary>
    public static string Tokenize(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        // Language-independent part of mteval-v13a: drop <skipped>, join hyphenated line breaks, unescape four entities
        // (&amp; before &lt; and &gt;, so "&amp;lt;" becomes "<", as mteval does).
        line = line.Replace("<skipped>", "", StringComparison.Ordinal)
                   .Replace("-\n", "", StringComparison.Ordinal)
                   .Replace("\n", " ", StringComparison.Ordinal);
        if (line.Contains('&', StringComparison.Ordinal))
            line = line.Replace("&quot;", "\"", StringComparison.Ordinal)
                       .Replace("&amp;", "&", StringComparison.Ordinal)
                       .Replace("&lt;", "<", StringComparison.Ordinal)
                       .Replace("&gt;", ">", StringComparison.Ordinal);
        line = $" {line} ";

        // Language-dependent part (Western languages), mteval-v13a's four substitutions in order.
        line = Symbol().Replace(line, " $1 ");
        line = PeriodCommaAfterNonDigit().Replace(line, "$1 $2 ");
        line = PeriodCommaBeforeNonDigit().Replace(line, " $1 $2");
        line = DashAfterDigit().Replace(line, "$1 $2 ");
        return string.Join(' ', PythonText.Split(line));
    }

    // Every ASCII symbol except ' - . , and the digits and letters: {|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ /
    [GeneratedRegex(@"([\{-\~\[-\` -\&\(-\+\:-\@\/])", RegexOptions.CultureInvariant)]
    private static partial Regex Symbol();

    // A period or comma is split off unless preceded by a digit …
    [GeneratedRegex(@"([^0-9])([\.,])", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodCommaAfterNonDigit();

    // … or followed by one (so 3.14 and 1,000 stay whole).
    [GeneratedRegex(@"([\.,])([^0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodCommaBeforeNonDigit();

    // A dash after a digit is split off (1990-91 → 1990 - 91).
    [GeneratedRegex(@"([0-9])(-)", RegexOptions.CultureInvariant)]
    private static partial Regex DashAfterDigit();
}
