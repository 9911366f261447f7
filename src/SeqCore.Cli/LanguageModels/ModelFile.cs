using SeqCore.Cli.Options;
using SeqCore.Models;
using SeqCore.Text;

namespace SeqCore.Cli.LanguageModels;

/// <summary>Loads a language model checkpoint for a verb; every problem with the file is a <see cref="UsageException"/>
/// naming it (exit code 2).</summary>
internal static class ModelFile
{
    /// <summary>Opens the checkpoint at <paramref name="path"/> if the model and the working memory of a run of
    /// <paramref name="shape"/> (from the checkpoint's config) fit the budget of <paramref name="values"/> (see
    /// <see cref="BudgetOptions"/>), checked from the header before anything is allocated.</summary>
    public static LanguageModel<float> Load(OptionValues values, string? path, IBackend<float> backend, Func<LanguageModelConfig, RunShape> shape, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (string.IsNullOrEmpty(path)) throw new UsageException("--model is required: a checkpoint written by 'seqcore train'.");
        if (!File.Exists(path)) throw new UsageException($"--model: file not found: {path}");
        BudgetOptions.CheckFile(values, "--model", path, LanguageModelConfig.ModelKind, (config, _) => shape((LanguageModelConfig)config));
        LanguageModel<float> model;
        try { model = LanguageModel<float>.Load(path, backend, BudgetOptions.Bytes(values), allowNonFinite); }
        catch (InvalidDataException e) { throw new UsageException(e.Message); }
        if (model.Tokenizer is null)
        {
            model.Dispose();
            throw new UsageException($"--model: {path} carries no tokenizer ('seqcore.tokenizer'); a language model checkpoint for text needs one.");
        }
        return model;
    }

    /// <summary>Encodes text, turning a character outside a char model's vocabulary into a usage error naming it.</summary>
    public static int[] Encode(ITokenizer tokenizer, string text, string what)
    {
        try { return tokenizer.Encode(text); }
        catch (ArgumentException e)
        {
            string detail = e.Message.Replace("CharTokenizer.Encode: ", "");
            int paren = detail.IndexOf(" (Parameter", StringComparison.Ordinal);
            throw new UsageException($"{what}: {(paren > 0 ? detail[..paren] : detail)}");
        }
    }
}
