using SeqCore.Layers;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>Helpers that build the random inputs and output weights of a gradient check.</summary>
public static class CheckData
{
    /// <summary>Uniform values in [−1, 1) from a fixed stream.</summary>
    public static double[] Uniform(RandomStream random, long count)
    {
        var v = new double[count];
        for (long i = 0; i < count; i++) v[i] = 2 * random.NextDouble() - 1;
        return v;
    }

    /// <summary>A tensor of uniform values in [−1, 1).</summary>
    public static Tensor<double> Tensor(IBackend<double> backend, RandomStream random, params int[] shape)
        => backend.FromHost(Uniform(random, SeqCore.Tensor<double>.ShapeLength(shape)), shape);

    /// <summary>Zeroes the gradients of <paramref name="parameters"/>.</summary>
    public static void ZeroGradients(IBackend<double> backend, IEnumerable<Parameter<double>> parameters)
    {
        foreach (var p in parameters) backend.Fill(0, p.Gradient);
    }

    /// <summary>The check inputs for every parameter of a layer.</summary>
    public static IEnumerable<GradientCheckInput> ParameterInputs(IEnumerable<Parameter<double>> parameters)
        => parameters.Select(p => new GradientCheckInput(p.Name, p.Value, p.Gradient));
}
