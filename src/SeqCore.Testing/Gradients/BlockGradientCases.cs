using SeqCore.Layers;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// Gradient checks of the transformer and convolutional building blocks: LayerNorm, the feed-forward block (with a
/// fixed dropout mask), positional encodings (with a start offset), Conv1d over kernel, stride, dilation and padding
/// combinations, and global pooling over time with and without lengths. Every case checks the input gradient and
/// every parameter gradient of <c>loss = Σ w ⊙ y</c> for fixed random weights w.
/// </summary>
internal static class BlockGradientCases
{
    public static IEnumerable<GradientCase> Cases
    {
        get
        {
            yield return new("layernorm.d7", be => LayerNormCase(be, "layernorm.d7", 7, affine: true));
            yield return new("layernorm.d33", be => LayerNormCase(be, "layernorm.d33", 33, affine: true));
            yield return new("layernorm.d3.noaffine", be => LayerNormCase(be, "layernorm.d3.noaffine", 3, affine: false));
            yield return new("layernorm.d13.noaffine", be => LayerNormCase(be, "layernorm.d13.noaffine", 13, affine: false));

            yield return new("feedforward.gelu", be => FeedForwardCase(be, "feedforward.gelu", GeluApproximation.None, 0, bias: true));
            yield return new("feedforward.gelu.tanh", be => FeedForwardCase(be, "feedforward.gelu.tanh", GeluApproximation.Tanh, 0, bias: true));
            yield return new("feedforward.gelu.dropout", be => FeedForwardCase(be, "feedforward.gelu.dropout", GeluApproximation.None, 0.3, bias: true));
            yield return new("feedforward.gelu.tanh.dropout.nobias", be => FeedForwardCase(be, "feedforward.gelu.tanh.dropout.nobias", GeluApproximation.Tanh, 0.5, bias: false));

            yield return new("positional.sinusoidal", be => SinusoidalCase(be, "positional.sinusoidal", 0, batchFirst: false));
            yield return new("positional.sinusoidal.offset.batchfirst", be => SinusoidalCase(be, "positional.sinusoidal.offset.batchfirst", 3, batchFirst: true));
            yield return new("positional.learned", be => LearnedCase(be, "positional.learned", 0, batchFirst: false));
            yield return new("positional.learned.offset", be => LearnedCase(be, "positional.learned.offset", 2, batchFirst: false));
            yield return new("positional.learned.offset.batchfirst", be => LearnedCase(be, "positional.learned.offset.batchfirst", 4, batchFirst: true));

            foreach (var (k, s, d, pad, bias) in ConvConfigs)
            {
                string name = $"conv1d.k{k}.s{s}.d{d}.{pad.ToString().ToLowerInvariant()}{(bias ? "" : ".nobias")}";
                yield return new(name, be => ConvCase(be, name, k, s, d, pad, bias));
            }

            yield return new("block.prenorm.residual", be => PreNormResidualCase(be, "block.prenorm.residual"));

            yield return new("pooling.avg", be => PoolingCase(be, "pooling.avg", PoolingKind.Average, []));
            yield return new("pooling.avg.lengths", be => PoolingCase(be, "pooling.avg.lengths", PoolingKind.Average, [6, 0, 3]));
            yield return new("pooling.max", be => PoolingCase(be, "pooling.max", PoolingKind.Max, []));
            yield return new("pooling.max.lengths", be => PoolingCase(be, "pooling.max.lengths", PoolingKind.Max, [2, 6, 0]));
        }
    }

    /// <summary>(kernel, stride, dilation, padding, bias): every kernel 1/3/5, stride 1/2, dilation 1/2 and padding mode, with and without bias.</summary>
    private static readonly (int K, int S, int D, Conv1dPadding Pad, bool Bias)[] ConvConfigs =
    [
        (1, 1, 1, Conv1dPadding.Valid, true),
        (1, 2, 1, Conv1dPadding.Same, false),
        (3, 1, 1, Conv1dPadding.Same, true),
        (3, 2, 1, Conv1dPadding.Valid, false),
        (3, 1, 2, Conv1dPadding.Causal, true),
        (3, 2, 2, Conv1dPadding.Causal, false),
        (5, 1, 1, Conv1dPadding.Causal, true),
        (5, 2, 2, Conv1dPadding.Same, true),
        (5, 2, 1, Conv1dPadding.Valid, true),
        (5, 1, 2, Conv1dPadding.Valid, false),
        (5, 1, 2, Conv1dPadding.Same, false),
    ];

    private static GradientCheckResult Check(IBackend<double> be, string name, Tensor<double> y, double[] w, Action forward,
        IEnumerable<GradientCheckInput> inputs)
        => GradientChecker.Check(name, be, () => { forward(); return GradientChecker.WeightedSum(be, y, w); }, inputs);

    private static GradientCheckResult LayerNormCase(IBackend<double> be, string name, int dim, bool affine)
    {
        const int rows = 4;
        var random = new RandomStream(21);
        using var layer = new LayerNorm<double>(be, dim, 1e-5, affine);
        if (affine)
        {
            // Random scale and shift instead of PyTorch's 1 and 0, so a mixed-up weight or bias path shows.
            be.CopyFromHost(CheckData.Uniform(random, dim), layer.Weight!.Value);
            be.CopyFromHost(CheckData.Uniform(random, dim), layer.Bias!.Value);
        }
        using var x = CheckData.Tensor(be, random, 2, rows / 2, dim);
        using var y = be.Allocate(2, rows / 2, dim);
        using var dx = be.Allocate(2, rows / 2, dim);
        double[] w = CheckData.Uniform(random, y.Length);
        using var dy = be.FromHost(w, y.Shape.ToArray());
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);
        return Check(be, name, y, w, () => layer.Forward(x, y), [.. CheckData.ParameterInputs(layer.Parameters), new GradientCheckInput("x", x, dx)]);
    }

    private static GradientCheckResult FeedForwardCase(IBackend<double> be, string name, GeluApproximation approximation, double dropout, bool bias)
    {
        const int n = 5, dim = 4, hidden = 7;
        var random = new RandomStream(22);
        using var layer = new FeedForward<double>(be, dim, hidden, random, approximation, dropout, bias);
        using var x = CheckData.Tensor(be, random, n, dim);
        using var y = be.Allocate(n, dim);
        using var dx = be.Allocate(n, dim);
        double[] w = CheckData.Uniform(random, y.Length);
        using var dy = be.FromHost(w, n, dim);
        RandomStream? Mask() => dropout > 0 ? new RandomStream(7) : null; // the same mask at every evaluation
        layer.Forward(x, y, Mask());
        layer.Backward(x, dy, dx);
        return Check(be, name, y, w, () => layer.Forward(x, y, Mask()), [.. CheckData.ParameterInputs(layer.Parameters), new GradientCheckInput("x", x, dx)]);
    }

    private static GradientCheckResult SinusoidalCase(IBackend<double> be, string name, int start, bool batchFirst)
    {
        const int steps = 4, batch = 3, dim = 5;
        var random = new RandomStream(23);
        using var layer = new SinusoidalPositionalEncoding<double>(be, 10, dim, batchFirst);
        int[] shape = batchFirst ? [batch, steps, dim] : [steps, batch, dim];
        using var x = CheckData.Tensor(be, random, shape);
        using var y = be.Allocate(shape);
        using var dx = be.Allocate(shape);
        double[] w = CheckData.Uniform(random, y.Length);
        using var dy = be.FromHost(w, shape);
        layer.Forward(x, y, start);
        layer.Backward(dy, dx);
        return Check(be, name, y, w, () => layer.Forward(x, y, start), [new GradientCheckInput("x", x, dx)]);
    }

    private static GradientCheckResult LearnedCase(IBackend<double> be, string name, int start, bool batchFirst)
    {
        const int steps = 4, batch = 3, dim = 5;
        var random = new RandomStream(24);
        using var layer = new LearnedPositionalEncoding<double>(be, 9, dim, random, batchFirst);
        int[] shape = batchFirst ? [batch, steps, dim] : [steps, batch, dim];
        using var x = CheckData.Tensor(be, random, shape);
        using var y = be.Allocate(shape);
        using var dx = be.Allocate(shape);
        double[] w = CheckData.Uniform(random, y.Length);
        using var dy = be.FromHost(w, shape);
        layer.Forward(x, y, start);
        layer.Backward(dy, dx, start);
        // Every row of the table is checked, also those outside [start, start + T), whose gradient must stay 0.
        return Check(be, name, y, w, () => layer.Forward(x, y, start), [.. CheckData.ParameterInputs(layer.Parameters), new GradientCheckInput("x", x, dx)]);
    }

    private static GradientCheckResult ConvCase(IBackend<double> be, string name, int kernel, int stride, int dilation, Conv1dPadding padding, bool bias)
    {
        const int batch = 2, inChannels = 3, outChannels = 4, length = 11;
        var random = new RandomStream(25);
        using var layer = new Conv1d<double>(be, inChannels, outChannels, kernel, random, stride, dilation, padding, bias);
        int outLength = layer.OutputLength(length);
        using var x = CheckData.Tensor(be, random, batch, inChannels, length);
        using var y = be.Allocate(batch, outChannels, outLength);
        using var dx = be.Allocate(batch, inChannels, length);
        double[] w = CheckData.Uniform(random, y.Length);
        using var dy = be.FromHost(w, y.Shape.ToArray());
        layer.Forward(x, y);
        layer.Backward(dy, dx);
        return Check(be, name, y, w, () => layer.Forward(x, y), [.. CheckData.ParameterInputs(layer.Parameters), new GradientCheckInput("x", x, dx)]);
    }

    /// <summary>
    /// The documented composition of a pre-norm transformer sub-layer, <c>y = x + FeedForward(LayerNorm(x))</c>: the
    /// residual sum is <see cref="IBackend{T}.Add"/>, and in backward the gradient reaching x is the block's input
    /// gradient plus dy itself (a second Add).
    /// </summary>
    private static GradientCheckResult PreNormResidualCase(IBackend<double> be, string name)
    {
        const int n = 6, dim = 5, hidden = 8;
        var random = new RandomStream(27);
        using var norm = new LayerNorm<double>(be, dim, prefix: "norm.");
        be.CopyFromHost(CheckData.Uniform(random, dim), norm.Weight!.Value);
        be.CopyFromHost(CheckData.Uniform(random, dim), norm.Bias!.Value);
        using var ff = new FeedForward<double>(be, dim, hidden, random, GeluApproximation.Tanh, prefix: "ff.");
        using var x = CheckData.Tensor(be, random, n, dim);
        using var u = be.Allocate(n, dim);
        using var v = be.Allocate(n, dim);
        using var y = be.Allocate(n, dim);
        using var du = be.Allocate(n, dim);
        using var dx = be.Allocate(n, dim);
        double[] w = CheckData.Uniform(random, y.Length);
        using var dy = be.FromHost(w, n, dim);
        void Forward()
        {
            norm.Forward(x, u);
            ff.Forward(u, v);
            be.Add(x, v, y); // the residual
        }
        Forward();
        ff.Backward(u, dy, du);
        norm.Backward(x, du, dx);
        be.Add(dx, dy, dx); // the residual's gradient: dy reaches x directly as well
        return Check(be, name, y, w, Forward,
            [.. CheckData.ParameterInputs(norm.Parameters), .. CheckData.ParameterInputs(ff.Parameters), new GradientCheckInput("x", x, dx)]);
    }

    private static GradientCheckResult PoolingCase(IBackend<double> be, string name, PoolingKind kind, int[] lengths)
    {
        const int batch = 3, channels = 4, steps = 6;
        var random = new RandomStream(26);
        // Distinct values 0.05 apart in a random order: no two within 2h = 2e-3 of each other, so the checker's steps
        // never change which element is the maximum.
        var order = Enumerable.Range(0, batch * channels * steps).Select(i => (Key: random.NextDouble(), Value: 0.05 * i - 3.6)).OrderBy(p => p.Key).Select(p => p.Value).ToArray();
        using var x = be.FromHost(order, batch, channels, steps);
        using var layer = new GlobalPooling1d<double>(be, kind);
        using var y = be.Allocate(batch, channels);
        using var dx = be.Allocate(batch, channels, steps);
        double[] w = CheckData.Uniform(random, y.Length);
        using var dy = be.FromHost(w, batch, channels);
        layer.Forward(x, lengths, y);
        layer.Backward(dy, dx);
        return Check(be, name, y, w, () => layer.Forward(x, lengths, y), [new GradientCheckInput("x", x, dx)]);
    }
}
