using System.Numerics;
using SeqCore.Layers;

namespace SeqCore.IO;

/// <summary>
/// Model checkpoints as safetensors files that PyTorch users can read: every parameter under its PyTorch state_dict
/// name (F32 for float models, F64 for double models unless F32 is asked for), with the model config, the tokenizer
/// and format information as JSON strings in the <c>__metadata__</c> header. Writes are atomic (temporary file, then
/// rename). Loading fills parameters by name and reports, naming the file and the tensor, missing tensors, unexpected
/// tensors, shape mismatches, unsupported dtypes and corrupt or truncated files as <see cref="InvalidDataException"/>.
/// See docs/checkpoint-format.md.
/// </summary>
public static class Checkpoint
{
    /// <summary>Metadata key holding <see cref="FormatName"/>.</summary>
    public const string FormatKey = "seqcore.format";
    /// <summary>Metadata key holding the format version (<see cref="FormatVersion"/>).</summary>
    public const string VersionKey = "seqcore.version";
    /// <summary>Metadata key for the model config (a JSON string chosen by the caller).</summary>
    public const string ConfigKey = "seqcore.config";
    /// <summary>Metadata key for the tokenizer (the JSON a tokenizer saves).</summary>
    public const string TokenizerKey = "seqcore.tokenizer";
    /// <summary>Metadata key naming the element type the model was trained in (<c>float</c> or <c>double</c>).</summary>
    public const string DTypeKey = "seqcore.dtype";
    /// <summary>The value of <see cref="FormatKey"/>.</summary>
    public const string FormatName = "seqcore-checkpoint";
    /// <summary>The value of <see cref="VersionKey"/>.</summary>
    public const string FormatVersion = "1";
    /// <summary>Metadata key of a training run's state (step, optimizer step, best loss …) in a resumable checkpoint.</summary>
    public const string RunKey = "seqcore.run";
    /// <summary>Name prefix of the tensors a training run adds for resuming (optimizer moments, current weights, data
    /// state); they belong to no parameter, and <see cref="Load{T}"/> ignores them.</summary>
    public const string RunTensorPrefix = "run.";

    /// <summary>
    /// Writes <paramref name="parameters"/> under their names, atomically. <paramref name="metadata"/> is copied into the
    /// header as is (put the model config under <see cref="ConfigKey"/>); the format keys and, when given,
    /// <paramref name="tokenizerJson"/> under <see cref="TokenizerKey"/> are added. Tensors are F64 for double and F32
    /// for float, or F32 for both with <paramref name="float32"/>. A failure leaves neither the file nor a temporary file.
    /// </summary>
    public static void Save<T>(string path, IBackend<T> backend, IEnumerable<Parameter<T>> parameters, IReadOnlyDictionary<string, string> metadata,
        string? tokenizerJson = null, bool float32 = false) where T : unmanaged, IFloatingPointIeee754<T>
        => Save(path, backend, parameters, metadata, tokenizerJson, float32, extraTensors: []);

    /// <summary>As <see cref="Save{T}(string, IBackend{T}, IEnumerable{Parameter{T}}, IReadOnlyDictionary{string, string}, string?, bool)"/>,
    /// plus <paramref name="extraTensors"/> (host values, written in the same dtype), e.g. a training run's state under
    /// <see cref="RunTensorPrefix"/>.</summary>
    public static void Save<T>(string path, IBackend<T> backend, IEnumerable<Parameter<T>> parameters, IReadOnlyDictionary<string, string> metadata,
        string? tokenizerJson, bool float32, IEnumerable<(string Name, int[] Shape, double[] Data)> extraTensors)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(extraTensors);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(backend);
        var meta = new Dictionary<string, string>();
        foreach (var (k, v) in metadata) meta[k] = v;
        meta[FormatKey] = FormatName;
        meta[VersionKey] = FormatVersion;
        meta[DTypeKey] = typeof(T) == typeof(double) ? "double" : typeof(T) == typeof(float) ? "float" : typeof(T).Name;
        if (tokenizerJson is not null) meta[TokenizerKey] = tokenizerJson;

        var tensors = new List<(string, int[], double[])>();
        foreach (var p in parameters)
            tensors.Add((p.Name, p.Value.Shape.ToArray(), backend.ToDoubleArray(p.Value)));
        tensors.AddRange(extraTensors);
        SafeTensors.Write(path, tensors, meta, float64: typeof(T) == typeof(double) && !float32);
    }

    /// <summary>
    /// Fills <paramref name="parameters"/> from the tensors of the same names in <paramref name="path"/>, converting
    /// F16, BF16, F32 or F64 to <typeparamref name="T"/>. Every tensor the parameters name must be present with the
    /// same shape; tensors no parameter names are an error unless <paramref name="allowExtraTensors"/>; a NaN or an
    /// infinity in a parameter (also a finite value beyond the range of <typeparamref name="T"/>) is an error unless
    /// <paramref name="allowNonFinite"/>. Nothing is copied unless every check passes. Returns the file's metadata.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is unreadable, corrupt or truncated, or does not fit the parameters,
    /// or holds a non-finite weight; the message names the file and the tensor (and the first non-finite value's flat
    /// index).</exception>
    public static IReadOnlyDictionary<string, string> Load<T>(string path, IBackend<T> backend, IEnumerable<Parameter<T>> parameters,
        bool allowExtraTensors = false, bool allowNonFinite = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(backend);
        var list = parameters.ToList();
        var (tensors, metadata) = SafeTensors.Read(path);

        var missing = list.Where(p => !tensors.ContainsKey(p.Name)).Select(p => p.Name).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{path}: missing tensor{(missing.Count > 1 ? "s" : "")} {FileText.List(missing)} " +
                $"({missing.Count} of the {list.Count} the model expects).");
        if (!allowExtraTensors)
        {
            var known = list.Select(p => p.Name).ToHashSet();
            var extra = tensors.Keys.Where(k => !known.Contains(k) && !k.StartsWith(RunTensorPrefix, StringComparison.Ordinal)).Order().ToList();
            if (extra.Count > 0)
                throw new InvalidDataException($"{path}: unexpected tensor{(extra.Count > 1 ? "s" : "")} {FileText.List(extra)} " +
                    "that no parameter of the model names (load with allowExtraTensors to ignore them).");
        }
        foreach (var p in list)
        {
            var t = tensors[p.Name];
            if (t.DType is not ("F32" or "F64" or "F16" or "BF16"))
                throw new InvalidDataException($"{path}: tensor '{p.Name}' has dtype {t.DType}; a parameter needs F32, F64, F16 or BF16.");
            if (!t.Shape.AsSpan().SequenceEqual(p.Value.Shape))
                throw new InvalidDataException($"{path}: tensor '{p.Name}' has shape {FileText.Cut(Tensor<T>.FormatShape(t.Shape))}; the model expects {p.Value.ShapeText}.");
            if (!allowNonFinite) CheckFinite<T>(path, t);
        }
        foreach (var p in list)
            backend.CopyFromDoubles(tensors[p.Name].Data, p.Value);
        return metadata;
    }

    /// <summary>Refuses the first value of <paramref name="tensor"/> that is not finite as a <typeparamref name="T"/>.</summary>
    private static void CheckFinite<T>(string path, SafeTensor tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = tensor.Data;
        for (int i = 0; i < data.Length; i++)
        {
            if (T.IsFinite(T.CreateTruncating(data[i]))) continue;
            string value = data[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
            string why = double.IsFinite(data[i]) ? $"{value}, beyond the range of {(typeof(T) == typeof(float) ? "float" : typeof(T).Name)}," : value;
            throw new InvalidDataException($"{path}: tensor '{tensor.Name}' holds {why} at flat index {i} of {data.Length}; " +
                "a parameter must be finite (load with allowNonFinite to accept it).");
        }
    }

    /// <summary>The <c>__metadata__</c> strings of a checkpoint (config, tokenizer, format keys, anything the writer added).</summary>
    /// <exception cref="InvalidDataException">The file is unreadable, corrupt or truncated; the message names the file.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return SafeTensors.ReadHeader(path).Metadata;
    }
}
