using System.Globalization;
using SeqCore.Layers.Recurrent;

namespace SeqCore.Models;

/// <summary>The shapes of a run that its working memory depends on: <paramref name="Batch"/> sequences (beams when
/// decoding) of <paramref name="Length"/> steps (a language model's window, a classifier's text length, a forecaster's
/// window, a seq2seq source, word2vec's 1 + negatives per pair); <paramref name="TargetLength"/> for seq2seq targets.</summary>
public sealed record RunShape(int Batch, int Length, int TargetLength = 0)
{
    /// <summary>Incremental decoding without gradients (seq2seq translate and eval): the working memory is the caches
    /// and one step's activations, not a training step's activations of every position.</summary>
    public bool Decoding { get; init; }
}

/// <summary>One term of a memory estimate: what it is (its factors in words) and its bytes (saturated at
/// <see cref="long.MaxValue"/>, never wrapped).</summary>
public sealed record MemoryTerm(string Description, long Bytes)
{
    /// <summary>The term <c>f₁ × f₂ × … × bytesPerValue</c>, described as "<paramref name="name"/>: batch 4096 × window
    /// 2048 × …"; the product is computed in checked 64-bit arithmetic and saturates instead of overflowing.</summary>
    public static MemoryTerm Product(string name, int bytesPerValue, params (string Factor, long Value)[] factors)
    {
        ArgumentNullException.ThrowIfNull(factors);
        long bytes = bytesPerValue;
        foreach (var (_, value) in factors)
        {
            try { bytes = checked(bytes * Math.Max(value, 0)); }
            catch (OverflowException) { bytes = long.MaxValue; break; }
        }
        string text = string.Join(" × ", factors.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Factor} {f.Value}")));
        return new MemoryTerm(string.Create(CultureInfo.InvariantCulture, $"{name}: {text} × {bytesPerValue} bytes"), bytes);
    }

    /// <summary>Sum of <paramref name="terms"/>, saturated at <see cref="long.MaxValue"/>.</summary>
    public static long Total(IEnumerable<MemoryTerm> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        long total = 0;
        foreach (var t in terms) total = total > long.MaxValue - t.Bytes ? long.MaxValue : total + t.Bytes;
        return total;
    }
}

/// <summary>The working-memory terms the model kinds share: copies of each activation a step holds, and the
/// activations of a recurrent stack.</summary>
public static class ActivationMemory
{
    /// <summary>Copies of an activation a step holds: the value kept for backward, its gradient and two scratch
    /// buffers. A forward pass (evaluation, decoding) holds as much: the layers allocate their backward caches and
    /// gradient buffers on the first forward pass and keep them (measured: an evaluation's peak equals a training step's).</summary>
    public const int Copies = 4;

    /// <summary>A recurrent stack of <paramref name="layers"/> × <paramref name="directions"/> over the run: per step
    /// and sequence its gates, hidden and cell state (<c>gates + 2</c> vectors of <paramref name="hidden"/>).</summary>
    public static MemoryTerm Recurrent(string name, CellKind cell, int layers, int directions, int hidden, long batch, long length, int bytesPerValue) =>
        MemoryTerm.Product(name, bytesPerValue, ("batch", batch), ("steps", length), ("layers", layers), ("directions", directions),
            ("hidden", hidden), ("gates + states", CellCatalogue.Find(cell).Gates + 2), ("copies", Copies));
}
