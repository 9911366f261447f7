using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
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
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>Reads every tensor and the metadata of a file.</summary>
    public static (IReadOnlyDictionary<string, SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the file: {e.Message}", e);
        }
        if (bytes.Length < 8) throw new InvalidDataException($"{path}: not a safetensors file: {bytes.Length} bytes is shorter than the 8-byte header length.");
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > bytes.Length)
            throw new InvalidDataException($"{path}: header length {headerLength} does not fit in a file of {bytes.Length} bytes (truncated or not safetensors).");
        JsonObject header;
        try { header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength))?.AsObject() ?? throw new InvalidDataException("empty header"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: the header is not a JSON object: {e.Message}", e);
        }
        long dataStart = 8 + headerLength, dataLength = bytes.Length - dataStart;
        var tensors = new Dictionary<string, SafeTensor>();
        var metadata = new Dictionary<string, string>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (k, v) in node?.AsObject() ?? new JsonObject()) metadata[k] = v?.GetValue<string>() ?? "";
                continue;
            }
            tensors[name] = ReadTensor(path, name, node, bytes, dataStart, dataLength);
        }
        return (tensors, metadata);
    }

    private static SafeTensor ReadTensor(string path, string name, JsonNode? node, byte[] bytes, long dataStart, long dataLength)
    {
        string dtype;
        int[] shape;
        long begin, end;
        try
        {
            dtype = node!["dtype"]!.GetValue<string>();
            shape = node["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
            var offsets = node["data_offsets"]!.AsArray();
            begin = offsets[0]!.GetValue<long>();
            end = offsets[1]!.GetValue<long>();
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or JsonException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' needs dtype, shape and data_offsets in the header.", e);
        }
        int size = dtype switch
        {
            "F64" or "I64" => 8,
            "F32" or "I32" => 4,
            "F16" or "BF16" => 2,
            _ => throw new InvalidDataException($"{path}: tensor '{name}' has dtype {dtype}; supported are F64, F32, F16, BF16, I64, I32."),
        };
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new InvalidDataException($"{path}: tensor '{name}' has a negative dimension in shape [{string.Join(", ", shape)}].");
            count *= d;
        }
        if (begin < 0 || end < begin || end > dataLength || end - begin != count * size)
            throw new InvalidDataException($"{path}: tensor '{name}' ({dtype} [{string.Join(", ", shape)}], {count * size} bytes) has data offsets [{begin}, {end}) that do not match its size or the {dataLength} data bytes (truncated file?).");
        var span = bytes.AsSpan((int)(dataStart + begin), (int)(end - begin));
        var data = new double[count];
        for (int i = 0; i < count; i++)
        {
            var s = span.Slice(i * size, size);
            data[i] = dtype switch
            {
                "F64" => BinaryPrimitives.ReadDoubleLittleEndian(s),
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(s),
                "F16" => (double)BinaryPrimitives.ReadHalfLittleEndian(s),
                "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(s) << 16),
                "I64" => BinaryPrimitives.ReadInt64LittleEndian(s),
                _ => BinaryPrimitives.ReadInt32LittleEndian(s),
            };
        }
        return new SafeTensor(name, dtype, shape, data);
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
