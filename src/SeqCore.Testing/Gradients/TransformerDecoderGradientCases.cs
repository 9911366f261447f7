using SeqCore.Layers;
using SeqCore.Layers.Transformer;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>Gradient checks of transformer decoder blocks and stacks: pre/post-LN, causal self-attention, cross-attention
/// over a padded memory (whose gradient is checked too), dropout with a fixed mask.</summary>
internal static class TransformerDecoderGradientCases
{
    private const int Steps = 5, Sources = 4, Batch = 3;

    public static IEnumerable<GradientCase> Cases
    {
        get
        {
            var o = new TransformerOptions { EmbeddingSize = 8, Heads = 2, FeedForwardSize = 12, QueryTile = 2, KeyTile = 3 };
            yield return Case("transformer.decoder.prenorm.padding", o, [4, 2, 3], dropout: false, stack: false);
            yield return Case("transformer.decoder.postnorm.padding", o with { NormFirst = false }, [4, 1, 3], dropout: false, stack: false);
            yield return Case("transformer.decoder.prenorm.heads4.dropout", o with { Heads = 4, Dropout = 0.3 }, [4, 4, 2], dropout: true, stack: false);
            yield return Case("transformer.decoder.stack.layers2.postnorm.padding", o with { Layers = 2, NormFirst = false }, [3, 4, 1], dropout: false, stack: true);
        }
    }

    private static GradientCase Case(string name, TransformerOptions options, int[] lengths, bool dropout, bool stack) => new(name, be =>
    {
        var random = new RandomStream(23);
        IHasParameters<double> layer = stack ? new TransformerDecoderStack<double>(be, options, random) : new TransformerDecoderBlock<double>(be, options, random);
        try
        {
            // LayerNorms start at weight 1, bias 0; perturb them so their gradients are checked at a generic point.
            foreach (var p in layer.Parameters.Where(p => p.Name.Contains("norm")))
            {
                using var noise = CheckData.Tensor(be, random, p.Value.Shape.ToArray());
                be.Axpy(noise, 0.2, p.Value);
            }
            int e = options.EmbeddingSize;
            using var x = CheckData.Tensor(be, random, Steps, Batch, e);
            using var memory = CheckData.Tensor(be, random, Sources, Batch, e);
            using var y = be.Allocate(Steps, Batch, e);
            using var dx = be.Allocate(Steps, Batch, e);
            using var dMemory = be.Allocate(Sources, Batch, e);
            double[] w = CheckData.Uniform(random, y.Length);
            using var dy = be.FromHost(w, Steps, Batch, e);
            void Forward()
            {
                var rng = dropout ? new RandomStream(5) : null; // the same masks at every evaluation
                if (layer is TransformerDecoderStack<double> s) s.Forward(x, memory, lengths, y, rng);
                else ((TransformerDecoderBlock<double>)layer).Forward(x, memory, lengths, y, rng);
            }
            CheckData.ZeroGradients(be, layer.Parameters);
            be.Fill(0, dMemory);
            Forward();
            if (layer is TransformerDecoderStack<double> st) st.Backward(dy, dx, dMemory);
            else ((TransformerDecoderBlock<double>)layer).Backward(dy, dx, dMemory);
            var inputs = AttentionAwareInputs(layer.Parameters, e);
            inputs.Add(new GradientCheckInput("input", x, dx));
            inputs.Add(new GradientCheckInput("memory", memory, dMemory));
            return GradientChecker.Check(name, be, () => { Forward(); return GradientChecker.WeightedSum(be, y, w); }, inputs);
        }
        finally { ((IDisposable)layer).Dispose(); }
    });

    /// <summary>
    /// The check inputs of <paramref name="parameters"/>, each <c>in_proj_bias</c> as its query and value thirds only: as in
    /// TransformerGradientCases, its key third has an exact zero gradient (softmax ignores a constant shift of a query's
    /// scores), so its finite difference is pure rounding noise.
    /// </summary>
    internal static List<GradientCheckInput> AttentionAwareInputs(IEnumerable<Parameter<double>> parameters, int e)
    {
        var inputs = new List<GradientCheckInput>();
        foreach (var p in parameters)
        {
            if (!p.Name.EndsWith("in_proj_bias", StringComparison.Ordinal)) { inputs.Add(new GradientCheckInput(p.Name, p.Value, p.Gradient)); continue; }
            inputs.Add(new GradientCheckInput(p.Name + "[q]", p.Value.Slice(0, e), p.Gradient.Slice(0, e)));
            inputs.Add(new GradientCheckInput(p.Name + "[v]", p.Value.Slice(2 * e, e), p.Gradient.Slice(2 * e, e)));
        }
        return inputs;
    }
}
