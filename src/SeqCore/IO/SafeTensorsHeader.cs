using System.Text.Json;

namespace SeqCore.IO;

/// <summary>One tensor's entry in a safetensors header: its dtype, shape, element count and byte range
/// <c>[Begin, End)</c> within the data section.</summary>
internal sealed record SafeTensorEntry(string Name, string DType, int ElementSize, int[] Shape, long Count, long Begin, long End);

/// <summary>
/// Parses and checks the JSON header of a safetensors file before any tensor data is read: no key may appear twice in
/// any object; <c>__metadata__</c> is an object of strings; each tensor has a supported dtype, a shape of integers in
/// 0..2³¹−1 whose product (checked 64-bit arithmetic) fits one array, and data offsets that match its byte size; the
/// tensors' byte ranges tile the data section exactly (no overlap, no gap, nothing after the last one). Every error is
/// an <see cref="InvalidDataException"/> naming the file and the tensor or key, quoting at most
/// <see cref="FileText.MaxQuotedChars"/> characters of any value from the file.
/// </summary>
internal static class SafeTensorsHeader
{
    /// <summary>The name of the header's metadata object.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Every tensor's name and shape in <paramref name="path"/>; <see cref="InvalidDataException"/> names the
    /// file when it is unreadable, corrupt or truncated.</summary>
    public static IReadOnlyDictionary<string, int[]> TensorShapes(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return SafeTensors.ReadHeader(path).Entries.ToDictionary(e => e.Name, e => e.Shape);
    }

    /// <summary>The tensors (in header order) and metadata described by <paramref name="json"/>, checked against a data
    /// section of <paramref name="dataLength"/> bytes.</summary>
    public static (List<SafeTensorEntry> Entries, Dictionary<string, string> Metadata) Parse(string path, ReadOnlyMemory<byte> json, long dataLength)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
            throw new InvalidDataException($"{path}: the header is not valid UTF-8 text.");
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: the header is not a JSON object: {FileText.Cut(e.Message)}", e); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: the header is not a JSON object but a JSON {Kind(root)}.");
            var entries = new List<SafeTensorEntry>();
            var metadata = new Dictionary<string, string>();
            foreach (var (name, node) in Properties(path, root, "the header"))
            {
                if (name == MetadataKey) ReadMetadata(path, node, metadata);
                else entries.Add(ReadEntry(path, name, node, dataLength));
            }
            CheckLayout(path, entries, dataLength);
            return (entries, metadata);
        }
    }

    /// <summary>The properties of a JSON object in order, refusing a key that appears twice.</summary>
    private static List<(string Name, JsonElement Value)> Properties(string path, JsonElement obj, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var properties = new List<(string, JsonElement)>();
        foreach (var p in obj.EnumerateObject())
        {
            if (!seen.Add(p.Name))
                throw new InvalidDataException($"{path}: {where} has the key {FileText.Quote(p.Name)} twice; duplicate JSON keys are refused.");
            properties.Add((p.Name, p.Value));
        }
        return properties;
    }

    private static void ReadMetadata(string path, JsonElement node, Dictionary<string, string> metadata)
    {
        if (node.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: '{MetadataKey}' is a JSON {Kind(node)}; it must be an object of strings.");
        foreach (var (key, value) in Properties(path, node, $"'{MetadataKey}'"))
        {
            if (value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{path}: '{MetadataKey}' key {FileText.Quote(key)} holds a JSON {Kind(value)}; metadata values must be strings.");
            metadata[key] = value.GetString()!;
        }
    }

    private static SafeTensorEntry ReadEntry(string path, string name, JsonElement node, long dataLength)
    {
        string tensor = $"tensor {FileText.Quote(name)}";
        JsonElement? dtypeNode = null, shapeNode = null, offsetsNode = null;
        if (node.ValueKind == JsonValueKind.Object)
            foreach (var (key, value) in Properties(path, node, tensor))
                switch (key)
                {
                    case "dtype": dtypeNode = value; break;
                    case "shape": shapeNode = value; break;
                    case "data_offsets": offsetsNode = value; break;
                }
        if (dtypeNode is not { ValueKind: JsonValueKind.String } || shapeNode is not { ValueKind: JsonValueKind.Array }
            || offsetsNode is not { ValueKind: JsonValueKind.Array })
            throw new InvalidDataException($"{path}: {tensor} needs dtype (a string), shape and data_offsets (arrays) in the header.");

        string dtype = dtypeNode.Value.GetString()!;
        int size = dtype switch
        {
            "F64" or "I64" => 8,
            "F32" or "I32" => 4,
            "F16" or "BF16" => 2,
            _ => throw new InvalidDataException($"{path}: {tensor} has dtype {FileText.Quote(dtype)}; supported are F64, F32, F16, BF16, I64, I32."),
        };
        int[] shape = ReadShape(path, tensor, shapeNode.Value);
        string shapeText = FileText.Cut($"[{string.Join(", ", shape)}]");
        long count, bytes;
        try
        {
            count = 1;
            foreach (int d in shape) count = checked(count * d);
            bytes = checked(count * size);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{path}: {tensor} has shape {shapeText}, whose size overflows 64 bits.");
        }
        if (count > Array.MaxLength)
            throw new InvalidDataException($"{path}: {tensor} has shape {shapeText}: {count} elements, more than the {Array.MaxLength} one array holds.");

        var offsets = offsetsNode.Value;
        if (offsets.GetArrayLength() != 2 || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new InvalidDataException($"{path}: {tensor} has data_offsets {FileText.Cut(offsets.GetRawText())}; they must be [begin, end) with 0 ≤ begin ≤ end.");
        if (end - begin != bytes)
            throw new InvalidDataException($"{path}: {tensor} ({dtype} {shapeText}, {bytes} bytes) has data offsets [{begin}, {end}) that do not match its size.");
        if (end > dataLength)
            throw new InvalidDataException($"{path}: {tensor} has data offsets [{begin}, {end}) past the end of the {dataLength} data bytes (truncated file?).");
        return new SafeTensorEntry(name, dtype, size, shape, count, begin, end);
    }

    private static int[] ReadShape(string path, string tensor, JsonElement node)
    {
        var shape = new int[node.GetArrayLength()];
        int i = 0;
        foreach (var d in node.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out shape[i]) || shape[i] < 0)
                throw new InvalidDataException($"{path}: {tensor} has shape entry {i} = {FileText.Quote(d.GetRawText())}; a dimension is an integer from 0 to {int.MaxValue}.");
            i++;
        }
        return shape;
    }

    /// <summary>The tensors' byte ranges, sorted, must follow each other from 0 to the end of the data.</summary>
    private static void CheckLayout(string path, List<SafeTensorEntry> entries, long dataLength)
    {
        long expected = 0;
        SafeTensorEntry? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < expected)
                throw new InvalidDataException($"{path}: the data of tensor {FileText.Quote(e.Name)} at [{e.Begin}, {e.End}) overlaps that of tensor " +
                    $"{FileText.Quote(previous!.Name)} at [{previous.Begin}, {previous.End}).");
            if (e.Begin > expected)
                throw new InvalidDataException($"{path}: {e.Begin - expected} unused bytes at [{expected}, {e.Begin}) before the data of tensor " +
                    $"{FileText.Quote(e.Name)}; gaps between tensors are refused.");
            expected = e.End;
            previous = e;
        }
        if (expected != dataLength)
            throw new InvalidDataException($"{path}: {dataLength - expected} bytes follow the last tensor's data (at [{expected}, {dataLength})); " +
                "the file is longer than its header describes.");
    }

    private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();
}
