using System.Numerics;
using SeqCore.Random;

namespace SeqCore.Models;

/// <summary>
/// One entry of the model catalogue (<see cref="ModelKinds"/>): the name a config's <c>"model"</c> key holds, how to
/// read and validate its config, how to build a model from it, and how to rebuild one from a checkpoint.
/// A new model kind is one folder under <c>src/SeqCore/Models/</c> with one class implementing this.
/// </summary>
public interface IModelKind
{
    /// <summary>The value of the <c>"model"</c> key, e.g. <c>language-model</c>.</summary>
    string Name { get; }

    /// <summary>One line for help text and errors.</summary>
    string Description { get; }

    /// <summary>Parses and validates a config of this kind; <see cref="InvalidDataException"/> names
    /// <paramref name="source"/> and the key.</summary>
    IModelConfig ReadConfig(string json, string source);

    /// <summary>Exactly the elements of the parameters <see cref="Build{T}"/> makes from <paramref name="config"/> (a tied
    /// weight once, as the parameter list holds it), computed without building anything, in checked 64-bit arithmetic:
    /// <see cref="OverflowException"/> rather than a wrapped count. For a config its <c>Validate</c> accepts.</summary>
    long ParameterCount(IModelConfig config);

    /// <summary>The working memory one step of a run of <paramref name="shape"/> needs beside the parameters, as terms
    /// (activations kept for backward and scratch when training, the forward pass's buffers otherwise), from the config
    /// alone in checked 64-bit arithmetic; an upper bound within <see cref="ModelBudget.WorkingMemoryFactor"/> of what
    /// the CPU backend allocates.</summary>
    IReadOnlyList<MemoryTerm> WorkingMemory(IModelConfig config, RunShape shape, int bytesPerValue);

    /// <summary>Builds an untrained model on <paramref name="backend"/> with weights initialised from <paramref name="init"/>.
    /// <paramref name="metadata"/> holds what the kind needs beside the config (e.g. a tokenizer), as a checkpoint stores it.</summary>
    ISequenceModel<T> Build<T>(IBackend<T> backend, IModelConfig config, IReadOnlyDictionary<string, string> metadata, RandomStream init)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
