using System.Numerics;
using SeqCore.Layers;

namespace SeqCore.Training;

/// <summary>Gradient clipping by global norm and detection of non-finite gradients.</summary>
public static class GradientTools
{
    /// <summary>
    /// PyTorch's <c>clip_grad_norm_(parameters, max_norm)</c> (2-norm): <c>n = √(Σ_params Σ g²)</c> (accumulated in double
    /// with <see cref="IBackend{T}.SumOfSquares"/>); when <c>n &gt; maxNorm</c> every gradient is scaled by
    /// <c>maxNorm/(n + 1e-6)</c>, otherwise nothing changes. Returns n (before clipping; NaN or ∞ when a gradient is not
    /// finite, in which case nothing is scaled).
    /// </summary>
    public static double ClipGradNorm<T>(IBackend<T> backend, IReadOnlyList<Parameter<T>> parameters, double maxNorm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"ClipGradNorm: max norm must be positive, got {maxNorm}.");
        double total = 0;
        for (int i = 0; i < parameters.Count; i++) total += backend.SumOfSquares(parameters[i].Gradient);
        double norm = Math.Sqrt(total);
        if (norm > maxNorm && double.IsFinite(norm))
        {
            T scale = T.CreateTruncating(maxNorm / (norm + 1e-6));
            for (int i = 0; i < parameters.Count; i++) backend.Scale(parameters[i].Gradient, scale, parameters[i].Gradient);
        }
        return norm;
    }

    /// <summary>
    /// The name of the first parameter whose gradient holds a NaN or an infinity, or null when all are finite.
    /// Uses <see cref="IBackend{T}.SumOfSquares"/> (a NaN or ∞ element makes the double sum non-finite; in double, finite
    /// values above about 1e154 are also reported, as their squares overflow).
    /// </summary>
    public static string? FindNonFiniteGradient<T>(IBackend<T> backend, IReadOnlyList<Parameter<T>> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < parameters.Count; i++)
            if (!double.IsFinite(backend.SumOfSquares(parameters[i].Gradient))) return parameters[i].Name;
        return null;
    }
}
