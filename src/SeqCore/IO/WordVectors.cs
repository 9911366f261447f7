using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace SeqCore.IO;

/// <summary>
/// A table of word vectors as pretrained-embedding files hold them: words (distinct, non-empty, without whitespace) and
/// a float32 vector of one width per word. Reads and writes <see cref="WordVectorFormat"/>s. Reading refuses a wrong
/// number of values on a line, a value that is not a number or not finite, a duplicate word, and a header whose
/// counts disagree with the file (checked against the file size before anything is sized by them):
/// <see cref="InvalidDataException"/> naming the file and the line (for binary files, the entry and byte offset).
/// </summary>
public sealed class WordVectors
{
    /// <summary>Longest word read from a binary file, in bytes (word2vec's C tool allows 100).</summary>
    private const int MaxWordBytes = 4096;

    /// <summary>Widest vector accepted from a header or a line.</summary>
    public const int MaxDimension = 1 << 16;

    private readonly float[] _values;
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates the table: <paramref name="values"/> is <c>[words, dimension]</c> row-major, every value finite.</summary>
    public WordVectors(IReadOnlyList<string> words, int dimension, float[] values)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(values);
        if (dimension <= 0 || dimension > MaxDimension) throw new ArgumentOutOfRangeException(nameof(dimension), $"WordVectors: the dimension must be 1…{MaxDimension}, got {dimension}.");
        if (values.LongLength != (long)words.Count * dimension)
            throw new ArgumentException($"WordVectors: {words.Count} words × {dimension} need {(long)words.Count * dimension} values, got {values.LongLength}.", nameof(values));
        _index = new Dictionary<string, int>(words.Count, StringComparer.Ordinal);
        for (int i = 0; i < words.Count; i++)
        {
            string w = words[i];
            if (string.IsNullOrEmpty(w) || w.Any(char.IsWhiteSpace)) throw new ArgumentException($"WordVectors: word {i} is empty or holds whitespace ('{w}').", nameof(words));
            if (!_index.TryAdd(w, i)) throw new ArgumentException($"WordVectors: '{w}' appears twice (entries {_index[w] + 1} and {i + 1}).", nameof(words));
        }
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0) throw new ArgumentException($"WordVectors: the value {bad % dimension} of '{words[bad / dimension]}' is not finite.", nameof(values));
        Words = words.ToArray();
        Dimension = dimension;
        _values = values;
    }

    /// <summary>The words, in file order.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>Vector width.</summary>
    public int Dimension { get; }

    /// <summary>The vector of word <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Vector(int index) => _values.AsSpan(checked(index * Dimension), Dimension);

    /// <summary>The index of <paramref name="word"/> (exact match), or −1.</summary>
    public int IndexOf(string word) => _index.TryGetValue(word, out int i) ? i : -1;

    /// <summary>
    /// Copies the vectors of the words of <paramref name="tokens"/> (the model's tokens by id) into the rows of
    /// <paramref name="table"/> <c>[rows, Dimension]</c> (rows ≥ tokens; rows past them, e.g. a padding row, are left
    /// alone): a token is looked up as it is, then lower-cased. Rows of
    /// tokens the file does not hold keep what they have (the model's own initialisation). Returns how many rows were
    /// copied and how many were not.
    /// </summary>
    public (int Found, int Missing) CopyInto<T>(IBackend<T> backend, Tensor<T> table, IReadOnlyList<string> tokens) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(tokens);
        if (table.Length % Dimension != 0 || table.Length / Dimension < tokens.Count)
            throw new ArgumentException($"WordVectors: the embedding of {table.Length} values is not {tokens.Count} or more rows of {Dimension}; the file's width must equal the embedding size.");
        var host = backend.ToArray(table);
        int found = 0;
        for (int t = 0; t < tokens.Count; t++)
        {
            int i = IndexOf(tokens[t]);
            if (i < 0) i = IndexOf(tokens[t].ToLowerInvariant());
            if (i < 0) continue;
            var row = Vector(i);
            for (int j = 0; j < Dimension; j++) host[(long)t * Dimension + j] = T.CreateTruncating(row[j]);
            found++;
        }
        backend.CopyFromHost(host, table);
        return (found, tokens.Count - found);
    }

    /// <summary>The format of a file by its start: a first line of two integers followed by text lines is word2vec text,
    /// followed by bytes that are not text is word2vec binary; anything else is GloVe text.</summary>
    public static WordVectorFormat Detect(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = Open(path);
        var head = new byte[4096];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        int eol = Array.IndexOf(head, (byte)'\n', 0, n);
        if (eol < 0 || !TryHeader(Encoding.UTF8.GetString(head, 0, eol), out _, out _)) return WordVectorFormat.GloveText;
        for (int i = eol + 1; i < n; i++)
            if (head[i] is < 0x20 and not ((byte)'\n' or (byte)'\r' or (byte)'\t') || head[i] == 0x7F) return WordVectorFormat.Word2VecBinary;
        return WordVectorFormat.Word2VecText;
    }

    /// <summary>Reads <paramref name="path"/> in <paramref name="format"/>.</summary>
    /// <exception cref="InvalidDataException">Missing or malformed; the message names the file and the line.</exception>
    public static WordVectors Read(string path, WordVectorFormat format)
    {
        ArgumentNullException.ThrowIfNull(path);
        return format == WordVectorFormat.Word2VecBinary ? ReadBinary(path) : ReadText(path, format == WordVectorFormat.Word2VecText);
    }

    /// <summary>Writes the table to <paramref name="path"/> in <paramref name="format"/>, atomically.</summary>
    public void Write(string path, WordVectorFormat format)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, stream =>
        {
            if (format != WordVectorFormat.GloveText) stream.Write(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Words.Count} {Dimension}\n")));
            var line = new StringBuilder();
            var floats = new byte[4 * Dimension];
            for (int i = 0; i < Words.Count; i++)
            {
                line.Clear().Append(Words[i]);
                if (format == WordVectorFormat.Word2VecBinary)
                {
                    stream.Write(Encoding.UTF8.GetBytes(line.Append(' ').ToString()));
                    var row = Vector(i);
                    for (int j = 0; j < Dimension; j++) BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(4 * j), row[j]);
                    stream.Write(floats);
                    stream.WriteByte((byte)'\n');
                    continue;
                }
                foreach (float v in Vector(i)) line.Append(' ').Append(v.ToString("R", CultureInfo.InvariantCulture));
                stream.Write(Encoding.UTF8.GetBytes(line.Append('\n').ToString()));
            }
        }, createDirectory: true);
    }

    private static FileStream Open(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new InvalidDataException($"file not found: {full}");
        try { return File.OpenRead(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidDataException($"{full}: {e.Message}", e); }
    }

    private static bool TryHeader(string line, out long count, out int dimension)
    {
        string[] parts = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
        count = 0;
        dimension = 0;
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out count)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out dimension);
    }

    /// <summary>The header's counts, checked against the file: a positive width up to <see cref="MaxDimension"/>, and
    /// no more entries than <paramref name="bytesLeft"/> can hold at <paramref name="minBytesPerValue"/> per value.</summary>
    private static (int Count, int Dimension) Header(string name, string line, long bytesLeft, int minBytesPerValue)
    {
        if (!TryHeader(line, out long count, out int dimension))
            throw new InvalidDataException($"{name}:1: the header must be two integers \"count dim\", got \"{Clip(line)}\".");
        if (dimension <= 0 || dimension > MaxDimension)
            throw new InvalidDataException($"{name}:1: the header's dimension {dimension} is outside 1…{MaxDimension}.");
        // Each entry needs a word byte, a separator and its values: more entries than that fit are a corrupt header.
        long perEntry = 2 + (long)minBytesPerValue * dimension;
        if (count > bytesLeft / perEntry)
            throw new InvalidDataException($"{name}:1: the header announces {count} words of {dimension} values, more than the file's {bytesLeft} remaining bytes can hold.");
        return ((int)count, dimension);
    }

    private static WordVectors ReadText(string path, bool header)
    {
        string name = Path.GetFullPath(path);
        long size;
        using (var probe = Open(path)) size = probe.Length;
        var words = new List<string>();
        var values = new List<float>();
        int count = -1, dimension = -1, lineNumber = 0;
        IEnumerable<string> lines;
        try { lines = Utf8Text.ReadLines(name).ToArray(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidDataException($"{name}: {e.Message}", e); }
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            lineNumber++;
            if (header && lineNumber == 1)
            {
                // In text each value takes at least two bytes: a digit and a separator.
                (count, dimension) = Header(name, line, size - Encoding.UTF8.GetByteCount(line), 2);
                continue;
            }
            if (string.IsNullOrWhiteSpace(line)) continue;
            string[] parts = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (dimension < 0) dimension = parts.Length - 1;
            if (dimension <= 0 || dimension > MaxDimension)
                throw new InvalidDataException($"{name}:{lineNumber}: a line must be a word and its values; this one has {parts.Length - 1} values.");
            if (parts.Length - 1 != dimension)
                throw new InvalidDataException($"{name}:{lineNumber}: '{Clip(parts[0])}' has {parts.Length - 1} values, expected {dimension}.");
            if (seen.TryGetValue(parts[0], out int first))
                throw new InvalidDataException($"{name}:{lineNumber}: the word '{Clip(parts[0])}' appears twice (first on line {first}).");
            if (count >= 0 && words.Count == count)
                throw new InvalidDataException($"{name}:{lineNumber}: the header announces {count} words, but the file holds more.");
            seen[parts[0]] = lineNumber;
            words.Add(parts[0]);
            for (int j = 1; j < parts.Length; j++)
            {
                if (!float.TryParse(parts[j], NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                    throw new InvalidDataException($"{name}:{lineNumber}: value {j} of '{Clip(parts[0])}' is not a number: \"{Clip(parts[j])}\".");
                if (!float.IsFinite(v))
                    throw new InvalidDataException($"{name}:{lineNumber}: value {j} of '{Clip(parts[0])}' is not finite: \"{Clip(parts[j])}\".");
                values.Add(v);
            }
        }
        if (count >= 0 && words.Count != count)
            throw new InvalidDataException($"{name}:{lineNumber}: the header announces {count} words, but the file holds {words.Count}.");
        if (words.Count == 0) throw new InvalidDataException($"{name}: the file holds no word vectors.");
        return new WordVectors(words, dimension, values.ToArray());
    }

    private static WordVectors ReadBinary(string path)
    {
        string name = Path.GetFullPath(path);
        using var stream = Open(path);
        var reader = new BufferedStream(stream, 1 << 16);
        var bytes = new List<byte>();
        int b;
        while ((b = reader.ReadByte()) >= 0 && b != '\n')
        {
            if (bytes.Count > 256) throw new InvalidDataException($"{name}:1: the header line is not \"count dim\".");
            bytes.Add((byte)b);
        }
        string headerLine = Encoding.UTF8.GetString(bytes.ToArray());
        // In binary each value takes four bytes.
        var (count, dimension) = Header(name, headerLine, stream.Length - bytes.Count - 1, 4);
        var words = new string[count];
        var values = new float[(long)count * dimension];
        var seen = new Dictionary<string, int>(count, StringComparer.Ordinal);
        var floats = new byte[4 * dimension];
        var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
        for (int i = 0; i < count; i++)
        {
            long offset = reader.Position;
            string Where() => $"{name}: entry {i + 1} (byte {offset})";
            bytes.Clear();
            while ((b = reader.ReadByte()) >= 0 && b != ' ')
            {
                if (bytes.Count == 0 && b == '\n') continue; // the newline that ends the previous vector
                if (bytes.Count == MaxWordBytes) throw new InvalidDataException($"{Where()}: no space after {MaxWordBytes} bytes of word; the file is not word2vec binary.");
                bytes.Add((byte)b);
            }
            if (b < 0) throw new InvalidDataException($"{Where()}: the file ends after {i} of the {count} words the header announces.");
            string word;
            try { word = utf8.GetString(bytes.ToArray()); }
            catch (DecoderFallbackException) { throw new InvalidDataException($"{Where()}: the word is not valid UTF-8."); }
            if (word.Length == 0 || word.Any(char.IsWhiteSpace)) throw new InvalidDataException($"{Where()}: the word is empty or holds whitespace.");
            if (!seen.TryAdd(word, i + 1)) throw new InvalidDataException($"{Where()}: the word '{Clip(word)}' appears twice (first as entry {seen[word]}).");
            if (reader.ReadAtLeast(floats, floats.Length, throwOnEndOfStream: false) != floats.Length)
                throw new InvalidDataException($"{Where()}: the file ends inside the {dimension} values of '{Clip(word)}'.");
            for (int j = 0; j < dimension; j++)
            {
                float v = BinaryPrimitives.ReadSingleLittleEndian(floats.AsSpan(4 * j));
                if (!float.IsFinite(v)) throw new InvalidDataException($"{Where()}: value {j + 1} of '{Clip(word)}' is not finite ({v}).");
                values[(long)i * dimension + j] = v;
            }
            words[i] = word;
        }
        while ((b = reader.ReadByte()) >= 0)
            if (b is not ('\n' or '\r')) throw new InvalidDataException($"{name}: byte {reader.Position - 1}: data after the {count} words the header announces.");
        if (count == 0) throw new InvalidDataException($"{name}: the file holds no word vectors.");
        return new WordVectors(words, dimension, values);
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
