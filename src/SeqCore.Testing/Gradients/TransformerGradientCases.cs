using SeqCore.Layers;
using SeqCore.Layers.Transformer;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>Gradient checks of transformer blocks and stacks: pre/post-LN, causal or padded, dropout with a fixed mask.</summary>
internal static class TransformerGradientCases
{
    public static IEnumerable<GradientCase> Cases
    {
        get
        {
            var o = new TransformerOptions { EmbeddingSize = 8, Heads = 2, FeedForwardSize = 12, QueryTile = 2, KeyTile = 3 };
            yield return Case("transformer.block.prenorm.causal", o, [], dropout: false, stack: false);
            yield return Case("transformer.block.prenorm.padding", o with { Causal = false }, [5, 3, 4], dropout: false, stack: false);
            yield return Case("transformer.block.postnorm.padding", o with { Causal = false, NormFirst = false }, [5, 2, 4], dropout: false, stack: false);
            yield return Case("transformer.block.prenorm.causal.heads4.dropout", o with { Heads = 4, Dropout = 0.3, Activation = GeluApproximation.Tanh }, [], dropout: true, stack: false);
            yield return Case("transformer.stack.layers2.causal", o with { Layers = 2 }, [], dropout: false, stack: true);
            yield return Case("transformer.stack.layers2.postnorm.nofinalnorm.padding", o with { Layers = 2, NormFirst = false, FinalNorm = false, Causal = false }, [5, 1, 3], dropout: false, stack: true);
        }
    }

    private static GradientCase Case(string name, TransformerOptions options, int[] lengths, bool dropout, bool stack) => new(name, be =>
    {
        var random = new RandomStream(17);
        IHasParameters<double> layer = stack ? new TransformerStack<double>(be, options, random) : new TransformerBlock<double>(be, options, random);
        try
        {
            // LayerNorms start at weight 1, bias 0; perturb them so their gradients are checked at a generic point.
            foreach (var p in layer.Parameters.Where(p => p.Name.Contains("norm")))
            {
                using var noise = CheckData.Tensor(be, random, p.Value.Shape.ToArray());
                be.Axpy(noise, 0.2, p.Value);
            }
            using var x = CheckData.Tensor(be, random, 5, 3, options.EmbeddingSize);
            using var y = be.Allocate(5, 3, options.EmbeddingSize);
            using var dx = be.Allocate(5, 3, options.EmbeddingSize);
            double[] w = CheckData.Uniform(random, y.Length);
            using var dy = be.FromHost(w, 5, 3, options.EmbeddingSize);
            void Forward()
            {
                var rng = dropout ? new RandomStream(5) : null; // the same masks at every evaluation
                if (layer is TransformerStack<double> s) s.Forward(x, lengths, y, rng);
                else ((TransformerBlock<double>)layer).Forward(x, lengths, y, rng);
            }
            CheckData.ZeroGradients(be, layer.Parameters);
            Forward();
            if (layer is TransformerStack<double> st) st.Backward(dy, dx); else ((TransformerBlock<double>)layer).Backward(dy, dx);
            // The key third of each in_proj_bias has a gradient of exactly 0: adding b to every key shifts a query's
            // scores by the constant q·b, which softmax ignores. Its finite difference is pure rounding noise, so only the
            // query and value thirds are compared (TransformerTests checks the key third's analytic gradient is ~0).
            var inputs = CheckData.ParameterInputs(layer.Parameters.Where(p => !p.Name.EndsWith("in_proj_bias"))).ToList();
            int e = options.EmbeddingSize;
            foreach (var p in layer.Parameters.Where(p => p.Name.EndsWith("in_proj_bias")))
            {
                inputs.Add(new GradientCheckInput(p.Name + "[q]", p.Value.Slice(0, e), p.Gradient.Slice(0, e)));
                inputs.Add(new GradientCheckInput(p.Name + "[v]", p.Value.Slice(2 * e, e), p.Gradient.Slice(2 * e, e)));
            }
            inputs.Add(new GradientCheckInput("input", x, dx));
            return GradientChecker.Check(name, be, () => { Forward(); return GradientChecker.WeightedSum(be, y, w); }, inputs);
        }
        finally { ((IDisposable)layer).Dispose(); }
    });
}
