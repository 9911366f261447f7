using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace SeqCore.IO;

/// <summary>One tensor read from a safetensors file, converted to double on the host.</summary>
public sealed record SafeTensor(string Name, string DType, int[] Shape, double[] Data);

/// <summary>
/// Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header mapping each
/// name to dtype, shape and byte offsets, an optional <c>__metadata__</c> map of strings, then the raw data).
/// Reads F32, F64, F16, BF16, I64 and I32; writes F32 or F64. Writes go to a temporary file that is renamed into
/// place, so a failure never leaves a half-written file. Every error names the file and what is wrong.
/// </summary>
public static class SafeTensors
{
    /// <summary>The largest header <see cref="Read"/> accepts, in bytes (100 MB, as the reference implementation);
    /// a longer one is refused before it is read.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const int ChunkBytes = 1 << 20;

    /// <summary>
    /// Reads every tensor and the metadata of a file. Only the header is read whole; it is checked completely (see the
    /// errors below) before each tensor is read from its offset, so a corrupt or hostile file costs no more memory than
    /// its tensors' values. Files over 2 GB are read.
    /// </summary>
    /// <exception cref="InvalidDataException">The file cannot be read; it is shorter than 8 bytes; the header length
    /// exceeds the file or <see cref="MaxHeaderBytes"/>; the header is not a JSON object, repeats a key, has a
    /// <c>__metadata__</c> that is not an object of strings, or a tensor entry without a supported dtype, a shape of
    /// non-negative 32-bit integers whose size fits 64 bits and one array, and data offsets that match that size and lie
    /// within the data; or the tensors' data overlap, leave gaps, or do not end where the file does. The message names
    /// the file and the tensor or key, quoting at most 200 characters of any value from the file.</exception>
    public static (IReadOnlyDictionary<string, SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            return ReadOpened(path, stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the file: {e.Message}", e);
        }
    }

    /// <summary>Reads the one tensor <paramref name="name"/> from its offset after checking the whole header as
    /// <see cref="Read"/> does; no other tensor's data is read, so this costs the tensor's values on any file size
    /// (files over 2 GB included).</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read"/>, or the file holds no tensor of that name.</exception>
    public static SafeTensor ReadTensor(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            var ((entries, _), dataStart) = ReadHeaderOpened(path, stream);
            var entry = entries.Find(e => e.Name == name)
                ?? throw new InvalidDataException($"{path}: no tensor named {FileText.Quote(name)}.");
            stream.Position = dataStart + entry.Begin;
            return new SafeTensor(entry.Name, entry.DType, entry.Shape, ReadValues(stream, entry, new byte[ChunkBytes]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the file: {e.Message}", e);
        }
    }

    /// <summary>The header alone: every tensor's entry (name, dtype, shape, offsets) and the metadata, checked as
    /// <see cref="Read"/> checks them, without reading any tensor data. Cheap on any file size.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read"/>.</exception>
    internal static (List<SafeTensorEntry> Entries, Dictionary<string, string> Metadata) ReadHeader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            return ReadHeaderOpened(path, stream).Header;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the file: {e.Message}", e);
        }
    }

    private static ((List<SafeTensorEntry> Entries, Dictionary<string, string> Metadata) Header, long DataStart) ReadHeaderOpened(string path, FileStream stream)
    {
        long fileLength = stream.Length;
        if (fileLength < 8) throw new InvalidDataException($"{path}: not a safetensors file: {fileLength} bytes is shorter than the 8-byte header length.");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0 || headerLength > (ulong)(fileLength - 8))
            throw new InvalidDataException($"{path}: header length {headerLength} does not fit in a file of {fileLength} bytes (truncated or not safetensors).");
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"{path}: header length {headerLength} is over the limit of {MaxHeaderBytes} bytes (SafeTensors.MaxHeaderBytes).");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        return (SafeTensorsHeader.Parse(path, json, fileLength - dataStart), dataStart);
    }

    private static (IReadOnlyDictionary<string, SafeTensor>, IReadOnlyDictionary<string, string>) ReadOpened(string path, FileStream stream)
    {
        var ((entries, metadata), dataStart) = ReadHeaderOpened(path, stream);
        var tensors = new Dictionary<string, SafeTensor>();
        var buffer = new byte[ChunkBytes];
        foreach (var entry in entries)
        {
            stream.Position = dataStart + entry.Begin;
            tensors[entry.Name] = new SafeTensor(entry.Name, entry.DType, entry.Shape, ReadValues(stream, entry, buffer));
        }
        return (tensors, metadata);
    }

    /// <summary>Reads one tensor's values from the stream's position, a chunk of whole elements at a time.</summary>
    private static double[] ReadValues(FileStream stream, SafeTensorEntry entry, byte[] buffer)
    {
        var data = new double[entry.Count];
        int perChunk = buffer.Length / entry.ElementSize;
        for (long done = 0; done < entry.Count; done += perChunk)
        {
            int n = (int)Math.Min(perChunk, entry.Count - done);
            var bytes = buffer.AsSpan(0, n * entry.ElementSize);
            stream.ReadExactly(bytes);
            Decode(entry.DType, bytes, data.AsSpan((int)done, n));
        }
        return data;
    }

    private static void Decode(string dtype, ReadOnlySpan<byte> bytes, Span<double> values)
    {
        switch (dtype)
        {
            case "F64": for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]); break;
            case "F32": for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]); break;
            case "F16": for (int i = 0; i < values.Length; i++) values[i] = (double)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]); break;
            case "BF16": for (int i = 0; i < values.Length; i++) values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16); break;
            case "I64": for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]); break;
            case "I32": for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]); break;
            default: throw new InvalidOperationException($"SafeTensors: no decoder for dtype {dtype}."); // the header parser admits only the above
        }
    }

    /// <summary>
    /// Writes tensors (in the given order) as F32 or F64 with string metadata, atomically: the data goes to
    /// <c>path.tmp-*</c> first and is renamed over <paramref name="path"/> only once complete.
    /// </summary>
    public static void Write(string path, IEnumerable<(string Name, int[] Shape, double[] Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, bool float64 = false)
    {
        var list = tensors.ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        int size = float64 ? 8 : 4;
        long offset = 0;
        foreach (var (name, shape, data) in list)
        {
            long count = shape.Aggregate(1L, (a, d) => a * d);
            if (count != data.Length)
                throw new ArgumentException($"SafeTensors.Write({path}): tensor '{name}' has shape [{string.Join(", ", shape)}] ({count} elements) but {data.Length} values.");
            if (header.ContainsKey(name)) throw new ArgumentException($"SafeTensors.Write({path}): tensor name '{name}' appears twice.");
            header[name] = new JsonObject
            {
                ["dtype"] = float64 ? "F64" : "F32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + count * size),
            };
            offset += count * size;
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - headerBytes.Length % 8) % 8; // the format allows trailing spaces; aligned data is friendlier to mmap
        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(len, headerBytes.Length + pad);
            stream.Write(len);
            stream.Write(headerBytes);
            for (int i = 0; i < pad; i++) stream.WriteByte((byte)' ');
            var buffer = new byte[size];
            foreach (var (_, _, data) in list)
                foreach (double v in data)
                {
                    if (float64) BinaryPrimitives.WriteDoubleLittleEndian(buffer, v);
                    else BinaryPrimitives.WriteSingleLittleEndian(buffer, (float)v);
                    stream.Write(buffer);
                }
        });
    }
}
