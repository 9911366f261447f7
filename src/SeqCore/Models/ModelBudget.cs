using System.Globalization;

namespace SeqCore.Models;

/// <summary>
/// The memory a model may take, checked from its config before anything is allocated: a model of N parameters of
/// B bytes needs about <c>N·B·4</c> bytes to train (values, gradients and the optimizer's two moments), and about as
/// much to load (values, gradients and the file's tensors); a run adds its working memory, computed per model kind from the
/// config and the run's shapes (<see cref="IModelKind.WorkingMemory"/>). <see cref="ModelCheckpoint.Load{T}(string, IBackend{T}, string?, long?, bool)"/>
/// and the CLI's training verbs refuse a model above the budget.
/// </summary>
public static class ModelBudget
{
    /// <summary>Copies of every parameter the estimate counts: value, gradient, two optimizer moments.</summary>
    public const int CopiesPerParameter = 4;

    /// <summary>The budget when none is given: half the memory the runtime can use (physical memory, or the
    /// container's limit).</summary>
    public static long DefaultBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;

    /// <summary>Bytes a model of <paramref name="parameters"/> values of <paramref name="bytesPerValue"/> bytes needs:
    /// <c>parameters · bytesPerValue · </c><see cref="CopiesPerParameter"/> (exact; cannot overflow).</summary>
    public static Int128 EstimateBytes(long parameters, int bytesPerValue) => (Int128)parameters * bytesPerValue * CopiesPerParameter;

    /// <summary>How far the working-memory estimate (<see cref="IModelKind.WorkingMemory"/>) may lie above what a run
    /// really allocates on the CPU backend: it is an upper bound, at most this many times the measured peak (tested for
    /// every kind, training and forward).</summary>
    public const int WorkingMemoryFactor = 4;

    /// <summary>Throws <see cref="ArgumentException"/> naming the parameters, the estimate and the budget when the
    /// estimate exceeds <paramref name="maxBytes"/>.</summary>
    public static void Check(long parameters, int bytesPerValue, long maxBytes) => Check(parameters, bytesPerValue, maxBytes, []);

    /// <summary>As <see cref="Check(long, int, long)"/> with the working memory of a run (<paramref name="working"/>,
    /// from <see cref="IModelKind.WorkingMemory"/>) added to the parameters' bytes; the message names the total and the
    /// largest term with its factors.</summary>
    public static void Check(long parameters, int bytesPerValue, long maxBytes, IReadOnlyList<MemoryTerm> working)
    {
        ArgumentNullException.ThrowIfNull(working);
        Int128 weights = EstimateBytes(parameters, bytesPerValue);
        Int128 need = weights + MemoryTerm.Total(working);
        if (need <= maxBytes) return;
        var c = CultureInfo.InvariantCulture;
        string model = string.Create(c, $"the model has {parameters:N0} parameters, about {weights:N0} bytes with gradients and two optimizer moments ({bytesPerValue} bytes each)");
        if (working.Count == 0) throw new ArgumentException(string.Create(c, $"{model}, above the memory budget of {maxBytes:N0} bytes."));
        var largest = working.MaxBy(t => t.Bytes)!;
        string term = weights >= largest.Bytes ? "the parameters" : string.Create(c, $"{largest.Description} = {largest.Bytes:N0} bytes");
        throw new ArgumentException(string.Create(c,
            $"the run needs about {need:N0} bytes, above the memory budget of {maxBytes:N0} bytes; largest term: {term} ({model}, working memory {MemoryTerm.Total(working):N0} bytes)."));
    }
}
