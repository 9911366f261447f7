namespace SeqCore.Models;

/// <summary>The catalogue of model kinds: the one list that configs, checkpoints and the <c>train --model</c> option read.</summary>
public static class ModelKinds
{
    /// <summary>Every kind this build knows, in the order help text lists them.</summary>
    public static IReadOnlyList<IModelKind> All { get; } =
    [
        LanguageModelKind.Instance,
        ForecasterKind.Instance,
        ClassifierKind.Instance,
        TaggerKind.Instance,
        Seq2SeqKind.Instance,
        TransformerSeq2SeqKind.Instance,
        Word2VecKind.Instance,
    ];

    /// <summary>The names of <see cref="All"/>.</summary>
    public static IEnumerable<string> Names => All.Select(k => k.Name);

    /// <summary>The kind named <paramref name="name"/> (exact, lower case), or null.</summary>
    public static IModelKind? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>The kind named <paramref name="name"/>; <see cref="ArgumentException"/> starting with <paramref name="where"/>
    /// and listing the known kinds otherwise.</summary>
    public static IModelKind Get(string name, string where) =>
        Find(name) ?? throw new ArgumentException($"{where}: unknown model kind '{name}'; expected one of {string.Join(", ", Names)}.");
}
