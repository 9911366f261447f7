using SeqCore.Models;
using SeqCore.Text;

namespace SeqCore.Cli.LanguageModels;

/// <summary>Loads a language model checkpoint for a verb; every problem with the file is a <see cref="UsageException"/>
/// naming it (exit code 2).</summary>
internal static class ModelFile
{
    /// <summary>Opens the checkpoint at <paramref name="path"/> if the model fits <paramref name="maxBytes"/> (see
    /// <see cref="ModelBudget"/>).</summary>
    public static LanguageModel<float> Load(string? path, IBackend<float> backend, long maxBytes, bool allowNonFinite = false)
    {
        if (string.IsNullOrEmpty(path)) throw new UsageException("--model is required: a checkpoint written by 'seqcore train'.");
        if (!File.Exists(path)) throw new UsageException($"--model: file not found: {path}");
        LanguageModel<float> model;
        try { model = LanguageModel<float>.Load(path, backend, maxBytes, allowNonFinite); }
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
