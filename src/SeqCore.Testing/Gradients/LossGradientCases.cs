using SeqCore.Random;

namespace SeqCore.Testing;

/// <summary>Gradient checks of the losses: the forward's scalar loss against the fused backward, every option on and off.</summary>
internal static class LossGradientCases
{
    public static IEnumerable<GradientCase> Cases =>
    [
        CrossEntropy("loss.cross_entropy", ignore: false, smoothing: 0, LossReduction.Mean),
        CrossEntropy("loss.cross_entropy.ignore", ignore: true, smoothing: 0, LossReduction.Mean),
        CrossEntropy("loss.cross_entropy.smoothing", ignore: false, smoothing: 0.1, LossReduction.Mean),
        CrossEntropy("loss.cross_entropy.ignore.smoothing", ignore: true, smoothing: 0.2, LossReduction.Mean),
        CrossEntropy("loss.cross_entropy.ignore.smoothing.sum", ignore: true, smoothing: 0.2, LossReduction.Sum),
        Bce("loss.bce_with_logits", posWeight: false, LossReduction.Mean),
        Bce("loss.bce_with_logits.pos_weight", posWeight: true, LossReduction.Mean),
        Bce("loss.bce_with_logits.pos_weight.sum", posWeight: true, LossReduction.Sum),
        Mse("loss.mse", LossReduction.Mean),
        Mse("loss.mse.sum", LossReduction.Sum),
    ];

    private static GradientCase CrossEntropy(string name, bool ignore, double smoothing, LossReduction reduction) => new(name, be =>
    {
        const int n = 6, c = 5, ignoreIndex = -100;
        var random = new RandomStream(21);
        using var x = be.FromHost(CheckData.Uniform(random, n * c).Select(v => 3 * v).ToArray(), n, c);
        using var dx = be.Allocate(n, c);
        int[] targets = ignore ? [1, 4, ignoreIndex, 0, ignoreIndex, 4] : [1, 4, 3, 0, 2, 4];
        // A scale other than 1 checks that the upstream gradient is applied.
        const double scale = 1.7;
        be.CrossEntropyBackward(x, targets, ignoreIndex, smoothing, reduction, scale, dx);
        return GradientChecker.Check(name, be, () => scale * be.CrossEntropyForward(x, targets, ignoreIndex, smoothing, reduction, null),
            [new GradientCheckInput("logits", x, dx)]);
    });

    private static GradientCase Bce(string name, bool posWeight, LossReduction reduction) => new(name, be =>
    {
        const int n = 4, c = 3;
        var random = new RandomStream(22);
        using var x = be.FromHost(CheckData.Uniform(random, n * c).Select(v => 4 * v).ToArray(), n, c);
        // Soft targets in [0, 1] exercise the general form.
        using var y = be.FromHost(CheckData.Uniform(random, n * c).Select(v => 0.5 * (v + 1)).ToArray(), n, c);
        using var pw = be.FromHost([0.5, 2.0, 3.5], c);
        var w = posWeight ? pw : null;
        using var dx = be.Allocate(n, c);
        const double scale = 0.8;
        be.BceWithLogitsBackward(x, y, w, reduction, scale, dx);
        return GradientChecker.Check(name, be, () => scale * be.BceWithLogitsForward(x, y, w, reduction),
            [new GradientCheckInput("logits", x, dx)]);
    });

    private static GradientCase Mse(string name, LossReduction reduction) => new(name, be =>
    {
        var random = new RandomStream(23);
        using var p = CheckData.Tensor(be, random, 3, 7);
        using var y = CheckData.Tensor(be, random, 3, 7);
        using var dp = be.Allocate(3, 7);
        const double scale = 1.3;
        be.MseBackward(p, y, reduction, scale, dp);
        return GradientChecker.Check(name, be, () => scale * be.MseForward(p, y, reduction),
            [new GradientCheckInput("prediction", p, dp)]);
    });
}
