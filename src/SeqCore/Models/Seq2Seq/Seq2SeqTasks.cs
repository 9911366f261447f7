using System.Globalization;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>
/// Built-in generators of (source, target) string pairs, so a seq2seq recipe needs no external data. Every task is
/// deterministic for a seed and gives distinct sources.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>dates</c>: a date between 1950-01-01 and 2049-12-31 written in one of eight styles ("3 March 1987",
/// "March 3, 1987", "Tuesday, 3 March 1987", "03/03/87" (day first; two-digit years 50–99 are 19xx, 00–49 are 20xx),
/// "1987-3-3", "3 mar 1987", "Mar 03 1987", "03.03.1987") → ISO "1987-03-03".</item>
/// <item><c>reverse</c>: a string of 3–12 lowercase letters → the same letters reversed.</item>
/// <item><c>numbers</c>: an integer 0–9999 in British English words ("three hundred and twelve") → its digits ("312").</item>
/// </list>
/// </remarks>
internal static class Seq2SeqTasks
{
    /// <summary>The task names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["dates", "reverse", "numbers"];

    /// <summary><paramref name="count"/> pairs with distinct sources for <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task, or more pairs than the task has distinct sources.</exception>
    public static IReadOnlyList<(string Source, string Target)> Generate(string task, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), $"Seq2SeqTasks: the count must be positive, got {count}.");
        Func<RandomStream, (string, string)> draw = task switch
        {
            "dates" => Date,
            "reverse" => Reverse,
            "numbers" => Number,
            _ => throw new ArgumentException($"unknown task '{task}'; expected one of {string.Join(", ", Names)}."),
        };
        int limit = task == "numbers" ? 10_000 : int.MaxValue;
        if (count > limit) throw new ArgumentException($"task '{task}' has only {limit} distinct sources; asked for {count}.");
        var random = new RandomStream(seed);
        var seen = new HashSet<string>();
        var pairs = new List<(string, string)>(count);
        while (pairs.Count < count)
        {
            var pair = draw(random);
            if (seen.Add(pair.Item1)) pairs.Add(pair);
        }
        return pairs;
    }

    private static readonly string[] MonthNames = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames[..12];
    private static readonly string[] MonthAbbreviations = CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedMonthNames[..12];

    private static (string, string) Date(RandomStream random)
    {
        var first = new DateTime(1950, 1, 1);
        int days = (int)(new DateTime(2049, 12, 31) - first).TotalDays + 1;
        var d = first.AddDays(random.NextInt(days));
        string month = MonthNames[d.Month - 1], mon = MonthAbbreviations[d.Month - 1];
        var c = CultureInfo.InvariantCulture;
        string source = random.NextInt(8) switch
        {
            0 => $"{d.Day} {month} {d.Year}",
            1 => $"{month} {d.Day}, {d.Year}",
            2 => $"{d.DayOfWeek}, {d.Day} {month} {d.Year}",
            3 => string.Create(c, $"{d.Day:00}/{d.Month:00}/{d.Year % 100:00}"),
            4 => $"{d.Year}-{d.Month}-{d.Day}",
            5 => $"{d.Day} {mon.ToLowerInvariant()} {d.Year}",
            6 => string.Create(c, $"{mon} {d.Day:00} {d.Year}"),
            _ => string.Create(c, $"{d.Day:00}.{d.Month:00}.{d.Year}"),
        };
        return (source, d.ToString("yyyy-MM-dd", c));
    }

    private static (string, string) Reverse(RandomStream random)
    {
        var chars = new char[3 + random.NextInt(10)];
        for (int i = 0; i < chars.Length; i++) chars[i] = (char)('a' + random.NextInt(26));
        var source = new string(chars);
        Array.Reverse(chars);
        return (source, new string(chars));
    }

    private static (string, string) Number(RandomStream random)
    {
        int n = random.NextInt(10_000);
        return (NumberWords(n), n.ToString(CultureInfo.InvariantCulture));
    }

    private static readonly string[] Units =
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
    private static readonly string[] Tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

    /// <summary>British English words for 0–9999, e.g. 312 → "three hundred and twelve", 2005 → "two thousand and five".</summary>
    public static string NumberWords(int n)
    {
        if (n is < 0 or > 9999) throw new ArgumentOutOfRangeException(nameof(n), $"NumberWords covers 0–9999, got {n}.");
        if (n == 0) return Units[0];
        var parts = new List<string>();
        if (n >= 1000) parts.Add($"{Units[n / 1000]} thousand");
        int rest = n % 1000;
        if (rest >= 100) parts.Add($"{Units[rest / 100]} hundred");
        int below = rest % 100;
        if (below > 0)
        {
            string words = below < 20 ? Units[below] : Tens[below / 10] + (below % 10 > 0 ? "-" + Units[below % 10] : "");
            parts.Add(parts.Count > 0 ? "and " + words : words);
        }
        return string.Join(" ", parts);
    }
}
