using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace SeqCore.Cli;

/// <summary>How verbs write: Spectre.Console for people, one JSON object per line for scripts.</summary>
internal static class Output
{
    /// <summary>JSON settings shared by every <c>--json</c> output: snake_case names, one line per object.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes <paramref name="value"/> as one line of JSON and flushes, so a reader sees each case as it ends.</summary>
    public static void WriteJsonLine<TValue>(TextWriter writer, TValue value)
    {
        writer.WriteLine(JsonSerializer.Serialize(value, Json));
        writer.Flush();
    }

    /// <summary>
    /// A Spectre console that writes to <paramref name="writer"/>. Colours and live updates only when the
    /// writer is the process's own terminal; a redirected stream or a <see cref="StringWriter"/> gets plain text
    /// at a fixed width of 120 columns, so logs and tests see the same table.
    /// </summary>
    public static IAnsiConsole Console(TextWriter writer)
    {
        bool terminal = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal) console.Profile.Width = 120;
        return console;
    }

    /// <summary>Formats a rate or a time with three significant figures, e.g. 1.23, 45.6, 789.</summary>
    public static string Sig3(double x) => x switch
    {
        double.NaN => "-",
        >= 100 or <= -100 => x.ToString("F0", System.Globalization.CultureInfo.InvariantCulture),
        >= 10 or <= -10 => x.ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
        >= 1 or <= -1 => x.ToString("F2", System.Globalization.CultureInfo.InvariantCulture),
        _ => x.ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
    };
}
