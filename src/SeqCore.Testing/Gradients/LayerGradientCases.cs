using SeqCore.Layers;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>Gradient checks of the elementary layers and activations.</summary>
internal static class LayerGradientCases
{
    public static IEnumerable<GradientCase> Cases =>
    [
        new("linear", b => LinearCase(b, bias: true)),
        new("linear.nobias", b => LinearCase(b, bias: false)),
        new("embedding.padding", EmbeddingCase),
        Activation("activation.sigmoid", (be, x, y) => be.Sigmoid(x, y), (be, x, y, dy, dx) => be.SigmoidBackward(y, dy, dx)),
        Activation("activation.tanh", (be, x, y) => be.Tanh(x, y), (be, x, y, dy, dx) => be.TanhBackward(y, dy, dx)),
        Activation("activation.relu", (be, x, y) => be.Relu(x, y), (be, x, y, dy, dx) => be.ReluBackward(x, dy, dx)),
        Activation("activation.gelu", (be, x, y) => be.Gelu(x, GeluApproximation.None, y), (be, x, y, dy, dx) => be.GeluBackward(x, dy, GeluApproximation.None, dx)),
        Activation("activation.gelu.tanh", (be, x, y) => be.Gelu(x, GeluApproximation.Tanh, y), (be, x, y, dy, dx) => be.GeluBackward(x, dy, GeluApproximation.Tanh, dx)),
        Activation("softmax", (be, x, y) => be.Softmax(x, y), (be, x, y, dy, dx) => be.SoftmaxBackward(y, dy, dx)),
        Activation("logsoftmax", (be, x, y) => be.LogSoftmax(x, y), (be, x, y, dy, dx) => be.LogSoftmaxBackward(y, dy, dx)),
    ];

    private static GradientCase Activation(string name,
        Action<IBackend<double>, Tensor<double>, Tensor<double>> forward,
        Action<IBackend<double>, Tensor<double>, Tensor<double>, Tensor<double>, Tensor<double>> backward)
        => new(name, be =>
        {
            var random = new RandomStream(11);
            // Inputs stay away from ReLU's kink at 0 (|x| ≥ 0.1), where a finite difference is meaningless.
            double[] xs = CheckData.Uniform(random, 5 * 7).Select(v => v + 0.1 * Math.Sign(v)).ToArray();
            using var x = be.FromHost(xs, 5, 7);
            using var y = be.Allocate(5, 7);
            using var dx = be.Allocate(5, 7);
            double[] w = CheckData.Uniform(random, 35);
            using var dy = be.FromHost(w, 5, 7);
            forward(be, x, y);
            backward(be, x, y, dy, dx);
            return GradientChecker.Check(name, be, () => { forward(be, x, y); return GradientChecker.WeightedSum(be, y, w); },
                [new GradientCheckInput("x", x, dx)]);
        });

    private static GradientCheckResult LinearCase(IBackend<double> be, bool bias)
    {
        var random = new RandomStream(5);
        using var layer = new Linear<double>(be, 6, 4, random, bias);
        using var x = CheckData.Tensor(be, random, 3, 6);
        using var y = be.Allocate(3, 4);
        using var dx = be.Allocate(3, 6);
        double[] w = CheckData.Uniform(random, 12);
        using var dy = be.FromHost(w, 3, 4);
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);
        return GradientChecker.Check(bias ? "linear" : "linear.nobias", be,
            () => { layer.Forward(x, y); return GradientChecker.WeightedSum(be, y, w); },
            [.. CheckData.ParameterInputs(layer.Parameters), new GradientCheckInput("x", x, dx)]);
    }

    private static GradientCheckResult EmbeddingCase(IBackend<double> be)
    {
        var random = new RandomStream(6);
        using var layer = new Embedding<double>(be, 7, 3, random, paddingIndex: 2);
        int[] ids = [1, 2, 5, 1, 0, 6, 2];
        using var y = be.Allocate(ids.Length, 3);
        double[] w = CheckData.Uniform(random, ids.Length * 3);
        using var dy = be.FromHost(w, ids.Length, 3);
        layer.Forward(ids, y);
        layer.Backward(ids, dy);
        // The padding row is looked up but gets no gradient by definition, so it is left out of the comparison.
        var result = GradientChecker.Check("embedding.padding", be,
            () => { layer.Forward(ids, y); return GradientChecker.WeightedSum(be, y, w); },
            [new GradientCheckInput("weight", layer.Weight.Value.Slice(3 * 3, 4, 3), layer.Weight.Gradient.Slice(3 * 3, 4, 3)),
             new GradientCheckInput("weight", layer.Weight.Value.Slice(0, 2, 3), layer.Weight.Gradient.Slice(0, 2, 3))]);
        return result;
    }
}
