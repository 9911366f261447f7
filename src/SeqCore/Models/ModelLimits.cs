using System.Globalization;

namespace SeqCore.Models;

/// <summary>
/// The largest values a model config accepts, checked by every config's <c>Validate</c> so that a config (from a
/// checkpoint or the command line) cannot describe a model whose sizes overflow before the memory budget
/// (<see cref="ModelBudget"/>) is asked. Far above any model this library trains.
/// </summary>
public static class ModelLimits
{
    /// <summary>Stacked recurrent layers or transformer blocks.</summary>
    public const int MaxLayers = 1024;

    /// <summary>Widths: embeddings, hidden states, channels, attention, features, heads, kernels.</summary>
    public const int MaxWidth = 1 << 16;

    /// <summary>A transformer's feed-forward width (the CLI's <c>--ff</c> allows as much).</summary>
    public const int MaxFeedForward = 1 << 20;

    /// <summary>Vocabulary sizes and class counts.</summary>
    public const int MaxVocabulary = 1 << 24;

    /// <summary>Context lengths and windows, in time steps.</summary>
    public const int MaxContext = 1 << 20;

    /// <summary>Throws <see cref="ArgumentException"/> "<paramref name="owner"/>: <paramref name="key"/> is V, above the
    /// limit of M." when <paramref name="value"/> exceeds <paramref name="max"/>.</summary>
    public static void Check(string owner, string key, long value, int max)
    {
        if (value > max)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{owner}: {key} is {value}, above the limit of {max:N0}."));
    }
}
