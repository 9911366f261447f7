using SeqCore.Models;

namespace SeqCore.Cli.Options;

/// <summary>
/// The memory budget of a model (<see cref="ModelBudget"/>): <c>--max-memory</c>, taken by every verb that trains or
/// loads one. A model whose parameters, gradients and optimizer moments would need more is refused before anything is
/// allocated (exit code 2).
/// </summary>
internal static class BudgetOptions
{
    public static readonly SizeOption MaxMemory = new("--max-memory",
        "Memory a model may take: its parameters with their gradients and two optimizer moments must fit, or the model is refused before anything is allocated.",
        "half the physical memory");

    /// <summary>The budget given, else <see cref="ModelBudget.DefaultBytes"/>.</summary>
    public static long Bytes(OptionValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Find(MaxMemory) ?? ModelBudget.DefaultBytes;
    }

    /// <summary>Checks the model <paramref name="config"/> describes before it is built: the config's limits, then the
    /// budget (float parameters with gradients and optimizer moments, plus the working memory of a step of
    /// <paramref name="shape"/> when given); <see cref="UsageException"/> names the bytes and the largest term.</summary>
    public static void Check(OptionValues values, IModelKind kind, IModelConfig config, RunShape? shape = null)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(config);
        try { config.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        try { ModelBudget.Check(kind.ParameterCount(config), sizeof(float), Bytes(values), shape is null ? [] : kind.WorkingMemory(config, shape, sizeof(float))); }
        catch (ArgumentException e) { throw new UsageException($"{MaxMemory.Name}: {e.Message}"); }
    }

    /// <summary>Checks the model in the checkpoint at <paramref name="path"/> (given by <paramref name="option"/>) from its
    /// header, before it is loaded: the budget holds its parameters and the working memory of a run of
    /// <paramref name="shape"/> (computed from the checkpoint's config and metadata). A bad file or a model above the
    /// budget is a <see cref="UsageException"/> naming the option and the file.</summary>
    public static void CheckFile(OptionValues values, string option, string path, string expectedKind,
        Func<IModelConfig, IReadOnlyDictionary<string, string>, RunShape> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        (IModelKind kind, IModelConfig config, IReadOnlyDictionary<string, string> metadata) file;
        try { file = ModelCheckpoint.ReadConfig(path, expectedKind); }
        catch (InvalidDataException e) { throw new UsageException($"{option}: {e.Message}"); }
        long parameters;
        try { parameters = file.kind.ParameterCount(file.config); }
        catch (OverflowException) { throw new UsageException($"{option}: {path}: the config describes more parameters than a 64-bit count holds."); }
        var working = file.kind.WorkingMemory(file.config, shape(file.config, file.metadata), sizeof(float));
        try { ModelBudget.Check(parameters, sizeof(float), Bytes(values), working); }
        catch (ArgumentException e) { throw new UsageException($"{MaxMemory.Name}: {path}: {e.Message}"); }
    }
}
