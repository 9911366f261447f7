using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>
/// Gradient checks of the <see cref="Forecaster{T}"/> composition: window → recurrent encoder → last step → linear head
/// → MSE against fixed targets, for every parameter (the encoder's gradient enters only through its last step).
/// </summary>
internal static class ForecasterGradientCases
{
    public static IEnumerable<GradientCase> Cases =>
    [
        Case("forecaster.lstm", CellKind.Lstm, layers: 1, features: 1),
        Case("forecaster.gru.inputs", CellKind.Gru, layers: 1, features: 3),
        Case("forecaster.lstm.2layers.inputs", CellKind.Lstm, layers: 2, features: 2),
    ];

    private static GradientCase Case(string name, CellKind cell, int layers, int features) => new(name, be =>
    {
        const int window = 4, batch = 3, hidden = 3;
        var random = new RandomStream(31);
        var config = new ForecasterConfig
        {
            Target = "y", Inputs = Enumerable.Range(1, features - 1).Select(i => $"x{i}").ToArray(),
            Window = window, Cell = cell, HiddenSize = hidden, Layers = layers,
        };
        using var model = new Forecaster<double>(be, config, new RandomStream(5));
        using var x = CheckData.Tensor(be, random, window, batch, features);
        using var y = CheckData.Tensor(be, random, batch, 1);
        using var pred = be.Allocate(batch, 1);
        using var dPred = be.Allocate(batch, 1);
        CheckData.ZeroGradients(be, model.Parameters);
        model.Forward(x, pred);
        be.MseBackward(pred, y, LossReduction.Mean, 1.0, dPred);
        model.Backward(dPred);
        return GradientChecker.Check(name, be, () =>
        {
            model.Forward(x, pred);
            return be.MseForward(pred, y, LossReduction.Mean);
        }, CheckData.ParameterInputs(model.Parameters));
    });
}
