namespace SeqCore.Models;

/// <summary>
/// The typed config of one model kind: everything needed to rebuild the model before loading its weights. Stored as one
/// line of camelCase JSON under a checkpoint's <c>seqcore.config</c> key; its <see cref="Model"/> field names the kind.
/// Read one with <see cref="ConfigJson.Read{TConfig}"/>, which refuses unknown keys and names the key at fault.
/// </summary>
public interface IModelConfig
{
    /// <summary>The kind of model, as the catalogue (<see cref="ModelKinds"/>) names it: <c>language-model</c> ….</summary>
    string Model { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first key whose value is out of range.</summary>
    void Validate();
}
