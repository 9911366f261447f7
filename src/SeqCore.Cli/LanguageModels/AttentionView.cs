using SeqCore.Models;
using SeqCore.Plots;

namespace SeqCore.Cli.LanguageModels;

/// <summary><c>generate --attention FILE.svg</c>: the last layer's self-attention over the prompt and the generated
/// tokens, from one full forward of the final sequence (the weights the model used for them).</summary>
internal static class AttentionView
{
    /// <summary>Refuses, before anything is generated, a model without attention or a head it does not have.</summary>
    public static void Check(LanguageModel<float> model, int? head)
    {
        if (model.IsRecurrent)
            throw new UsageException($"--attention: the model is a recurrent language model ({model.Config.Arch}); it has no attention to draw. Use a transformer model (train --arch transformer).");
        if (head is { } h && h >= model.Config.Heads)
            throw new UsageException($"--attention-head: head {h} does not exist; the model has {model.Config.Heads} heads (0 to {model.Config.Heads - 1}).");
    }

    /// <summary>Draws the heatmap of <paramref name="tokens"/> (prompt and generated) to <paramref name="path"/> and
    /// returns its full path. A sequence longer than the context is drawn over its last context-length tokens.</summary>
    public static string Draw(CliIO io, LanguageModel<float> model, int[] tokens, int? head, string path)
    {
        int context = model.Config.ContextLength, layer = model.Config.Layers - 1;
        if (tokens.Length > context)
        {
            io.Error.WriteLine($"seqcore: --attention: the text has {tokens.Length} tokens, more than the model's context of {context}; drawing the last {context}.");
            tokens = tokens[^context..];
        }
        double[][] weights = model.AttentionWeights(tokens, layer, head);
        string heads = head is { } h ? $"head {h} of {model.Config.Heads}" : $"mean of {model.Config.Heads} heads";
        string title = $"Self-attention of layer {layer + 1} of {model.Config.Layers} ({heads}), {tokens.Length} tokens";
        string full = Path.GetFullPath(path);
        AttentionPlot.ForLanguageModel(model.Tokenizer!, tokens, weights, title).Save(full);
        return full;
    }
}
