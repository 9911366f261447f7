using System.Numerics;
using SeqCore.Layers;

namespace SeqCore.Models;

/// <summary>
/// A model of one kind as the application layer sees it: its config, its parameters on one backend, and what its
/// checkpoint carries besides the weights (a tokenizer, vocabularies, labels). Every kind saves with
/// <see cref="ModelCheckpoint.Save{T}(string, ISequenceModel{T}, bool)"/> (or its own <c>Save(path)</c>, which calls it) and loads with its static
/// <c>Load(path, backend)</c> or, for any kind, <see cref="ModelCheckpoint.Load{T}(string, IBackend{T})"/>.
/// </summary>
public interface ISequenceModel<T> : IHasParameters<T>, IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The config the model was built from.</summary>
    IModelConfig Config { get; }

    /// <summary>The backend holding the parameters.</summary>
    IBackend<T> Backend { get; }

    /// <summary>Metadata the checkpoint stores beside the config (key → JSON text), e.g. <c>seqcore.tokenizer</c>.
    /// Empty when the model needs nothing but its config and weights.</summary>
    IReadOnlyDictionary<string, string> CheckpointMetadata { get; }
}

/// <summary>Helpers every <see cref="ISequenceModel{T}"/> shares.</summary>
public static class SequenceModelExtensions
{
    /// <summary>Number of trainable values (tied weights counted once).</summary>
    public static long ParameterCount<T>(this ISequenceModel<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Parameters.Sum(p => (long)p.Value.Length);
    }
}
