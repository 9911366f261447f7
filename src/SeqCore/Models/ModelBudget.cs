using System.Globalization;

namespace SeqCore.Models;

/// <summary>
/// The memory a model may take, checked from its config before anything is allocated: a model of N parameters of
/// B bytes needs about <c>N·B·4</c> bytes to train (values, gradients and the optimizer's two moments), and about as
/// much to load (values, gradients and the file's tensors). <see cref="ModelCheckpoint.Load{T}(string, IBackend{T}, string?, long?, bool)"/>
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

    /// <summary>Throws <see cref="ArgumentException"/> naming the parameters, the estimate and the budget when the
    /// estimate exceeds <paramref name="maxBytes"/>.</summary>
    public static void Check(long parameters, int bytesPerValue, long maxBytes)
    {
        Int128 need = EstimateBytes(parameters, bytesPerValue);
        if (need > maxBytes)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"the model has {parameters:N0} parameters, about {need:N0} bytes with gradients and two optimizer moments ({bytesPerValue} bytes each), above the memory budget of {maxBytes:N0} bytes."));
    }
}
