using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SeqCore.Cli.Outputs;

/// <summary>A kind of file a verb writes, and how to recognise an existing one: an output replaces an existing file
/// only when it is of the same kind (or with <c>--force</c>).</summary>
internal sealed record Artefact(string Name, Func<string, bool> Recognises)
{
    /// <summary>The safetensors header of a file is read only up to this size (the reader's own cap).</summary>
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>A SeqCore checkpoint: a safetensors file whose <c>__metadata__</c> has <c>seqcore.format</c>.</summary>
    public static readonly Artefact Checkpoint = new("SeqCore checkpoint", IsCheckpoint);

    /// <summary>An SVG image (text starting with <c>&lt;svg</c> or an XML declaration).</summary>
    public static readonly Artefact Svg = new("SVG image", path => FirstText(path).StartsWith("<svg", StringComparison.Ordinal) || FirstText(path).StartsWith("<?xml", StringComparison.Ordinal));

    /// <summary>A TSV of pairs: its first line is <c>source&lt;TAB&gt;target</c>.</summary>
    public static readonly Artefact PairsTsv = new("TSV of source<TAB>target pairs", path => FirstText(path).Split('\n')[0].Count(c => c == '\t') == 1);

    /// <summary>Plain text, one line each (translations): a file whose first line holds no tab and that is not a checkpoint.</summary>
    public static readonly Artefact TextLines = new("text file of lines", path => !FirstText(path).Split('\n')[0].Contains('\t') && !IsCheckpoint(path));

    private static bool IsCheckpoint(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> length = stackalloc byte[8];
            if (file.ReadAtLeast(length, 8, throwOnEndOfStream: false) < 8) return false;
            long n = BinaryPrimitives.ReadInt64LittleEndian(length);
            if (n <= 0 || n > MaxHeaderBytes || n > file.Length - 8) return false;
            var header = new byte[n];
            file.ReadExactly(header);
            return JsonNode.Parse(header)?["__metadata__"]?[IO.Checkpoint.FormatKey] is JsonValue v
                && v.TryGetValue(out string? format) && format == IO.Checkpoint.FormatName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The first kilobyte of a file as text, leading white space removed ("" when unreadable).</summary>
    private static string FirstText(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            var bytes = new byte[1024];
            int n = file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            return Encoding.UTF8.GetString(bytes, 0, n).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }
}
