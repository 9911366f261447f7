using System.Buffers;
using System.Text.Unicode;

namespace SeqCore.IO;

/// <summary>
/// Reads a text file that must be UTF-8 (a leading byte-order mark is skipped). Bytes that are not UTF-8 are refused
/// with the byte offset of the first one, rather than silently replaced by U+FFFD: a corpus in another encoding would
/// otherwise train on replacement characters without anyone noticing.
/// </summary>
internal static class Utf8Text
{
    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>The whole text of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file holds bytes that are not UTF-8; the message names the file and the
    /// byte offset (0-based, from the start of the file).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static string ReadAllText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = File.ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith(ByteOrderMark) ? ByteOrderMark.Length : 0;
        var text = new char[bytes.Length - start];
        var status = Utf8.ToUtf16(bytes.AsSpan(start), text, out int read, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            long offset = start + read;
            string found = string.Join(' ', bytes.Skip((int)offset).Take(4).Select(b => $"0x{b:X2}"));
            throw new InvalidDataException($"{path}: not valid UTF-8 at byte offset {offset} (bytes {found}); SeqCore reads text as UTF-8 and refuses other bytes rather than replacing them: convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8).");
        }
        return new string(text, 0, written);
    }

    /// <summary>The lines of <paramref name="path"/> (split at <c>\n</c>, <c>\r\n</c> or <c>\r</c>, as
    /// <see cref="File.ReadLines(string)"/> does).</summary>
    /// <exception cref="InvalidDataException">The file holds bytes that are not UTF-8 (see <see cref="ReadAllText"/>).</exception>
    public static IEnumerable<string> ReadLines(string path)
    {
        using var reader = new StringReader(ReadAllText(path));
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine()) yield return line;
    }
}
