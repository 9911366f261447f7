namespace SeqCore.Models;

public sealed partial class LanguageModel<T>
{
    /// <summary>
    /// The self-attention weights of transformer block <paramref name="layer"/> (0 = first) over <paramref name="tokens"/>:
    /// <c>result[t][s]</c> is how much position t attends to position s (0 for s &gt; t, each row sums to 1), averaged over
    /// the heads, or of head <paramref name="head"/> alone. They come from one inference forward of the whole sequence
    /// (no dropout) and are the weights the KV-cache decoder uses for the same tokens from position 0.
    /// </summary>
    /// <remarks>This reuses the blocks' buffers: run it between training steps, not between a
    /// <see cref="Forward"/> and its <see cref="Backward"/> (that Backward then refuses to run).</remarks>
    /// <exception cref="InvalidOperationException">The model is recurrent (it has no attention).</exception>
    public double[][] AttentionWeights(ReadOnlySpan<int> tokens, int layer, int? head = null)
    {
        if (_stack is null)
            throw new InvalidOperationException($"LanguageModel.AttentionWeights: a {Config.Arch} model has no attention; only a transformer language model has attention weights.");
        int n = tokens.Length, e = Config.EmbeddingSize, heads = Config.Heads;
        if (n == 0 || n > Config.ContextLength)
            throw new ArgumentException($"LanguageModel.AttentionWeights: {n} tokens; expected 1 to the context length {Config.ContextLength}.", nameof(tokens));
        if ((uint)layer >= (uint)_stack.Blocks.Count)
            throw new ArgumentOutOfRangeException(nameof(layer), $"LanguageModel.AttentionWeights: layer {layer} does not exist; the model has layers 0 to {_stack.Blocks.Count - 1}.");
        if (head is { } h && (uint)h >= (uint)heads)
            throw new ArgumentOutOfRangeException(nameof(head), $"LanguageModel.AttentionWeights: head {h} does not exist; the model has heads 0 to {heads - 1}.");
        foreach (int id in tokens)
            if ((uint)id >= (uint)Config.VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"LanguageModel.AttentionWeights: token {id} is outside the vocabulary of {Config.VocabularySize}.");

        _forwardDone = false; // the blocks' buffers are about to hold this sequence instead of the last Forward's
        using var x = _backend.Allocate(n, 1, e);
        using var y = _backend.Allocate(n, 1, e);
        using var attended = _backend.Allocate(n, 1, e);
        using var weights = _backend.Allocate(1, heads, n, n);
        _embedding.Forward(tokens, x);
        if (_learned is not null) _learned.Forward(x, x);
        else _sinusoidal!.Forward(x, x);
        // Blocks before the chosen one alternate between x and y; the chosen block's attention input is its LN1 output
        // (pre-LN) or its input itself (post-LN).
        Tensor<T> input = x, spare = y;
        for (int i = 0; i < layer; i++)
        {
            _stack.Blocks[i].Forward(input, [], spare);
            (input, spare) = (spare, input);
        }
        var block = _stack.Blocks[layer];
        Tensor<T> query = input;
        if (block.Options.NormFirst) { block.Norm1.Forward(input, spare); query = spare; }
        block.Attention.Forward(query, query, query, [], block.Options.Causal, attended, weights, averageWeights: false);

        var host = _backend.ToArray(weights); // [1, heads, n, n]
        var result = new double[n][];
        for (int t = 0; t < n; t++)
        {
            var row = result[t] = new double[n];
            for (int k = 0; k < heads; k++)
            {
                if (head is { } only && k != only) continue;
                long at = ((long)k * n + t) * n;
                for (int s = 0; s < n; s++) row[s] += double.CreateTruncating(host[at + s]);
            }
            if (head is null)
                for (int s = 0; s < n; s++) row[s] /= heads;
        }
        return result;
    }
}
