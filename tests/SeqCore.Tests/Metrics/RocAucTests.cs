using SeqCore.Metrics;
using SeqCore.Random;

namespace SeqCore.Tests.Metrics;

/// <summary>ROC AUC: hand-worked cases with and without tied scores, agreement with counting every (positive, negative)
/// pair, and the inputs it refuses.</summary>
public class RocAucTests
{
    [Test]
    public void Perfect_reversed_and_constant_scores()
    {
        Assert.That(RocAuc.Compute([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), Is.EqualTo(1.0));
        Assert.That(RocAuc.Compute([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), Is.EqualTo(0.0));
        Assert.That(RocAuc.Compute([0.5, 0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1, 1]), Is.EqualTo(0.5), "every pair tied");
    }

    [Test]
    public void Hand_worked_without_ties()
    {
        // Positives 0.35, 0.8; negatives 0.1, 0.4. Pairs ordered right: (0.35 > 0.1), (0.8 > 0.1), (0.8 > 0.4) = 3 of 4.
        // scikit-learn's roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) is 0.75 too.
        Assert.That(RocAuc.Compute([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), Is.EqualTo(0.75));
    }

    [Test]
    public void Hand_worked_with_ties_counting_one_half()
    {
        // Positives 0.5, 0.7, 0.7; negatives 0.2, 0.5, 0.7. Against 0.2 all three win (3); against 0.5: 0.5 ties (½),
        // both 0.7 win (2); against 0.7: 0.5 loses, both 0.7 tie (½ + ½). U = 3 + 2.5 + 1 = 6.5 of 9 pairs.
        double[] scores = [0.2, 0.5, 0.5, 0.7, 0.7, 0.7];
        int[] labels = [0, 1, 0, 1, 0, 1];
        Assert.That(RocAuc.Compute(scores, labels), Is.EqualTo(6.5 / 9).Within(1e-15));
        // The order of the examples does not matter.
        int[] order = [5, 2, 0, 3, 1, 4];
        Assert.That(RocAuc.Compute([.. order.Select(i => scores[i])], [.. order.Select(i => labels[i])]), Is.EqualTo(6.5 / 9).Within(1e-15));
    }

    [Test]
    public void Equals_the_share_of_pairs_ordered_right_on_random_scores_with_many_ties()
    {
        var random = new RandomStream(17);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = 2 + random.NextInt(60);
            var scores = new double[n];
            var labels = new int[n];
            for (int i = 0; i < n; i++) { scores[i] = random.NextInt(6) / 5.0; labels[i] = i < 2 ? i : random.NextInt(2); } // 6 distinct scores: ties
            double pairs = 0, right = 0;
            for (int p = 0; p < n; p++)
                for (int q = 0; q < n; q++)
                    if (labels[p] == 1 && labels[q] == 0)
                    {
                        pairs++;
                        right += scores[p] > scores[q] ? 1 : scores[p] == scores[q] ? 0.5 : 0;
                    }
            Assert.That(RocAuc.Compute(scores, labels), Is.EqualTo(right / pairs).Within(1e-14), $"trial {trial}, n = {n}");
        }
    }

    [Test]
    public void Refuses_what_has_no_auc()
    {
        Assert.That(() => RocAuc.Compute([0.1, 0.2], [1, 1]), Throws.ArgumentException.With.Message.Contains("2 positive and 0 negative"));
        Assert.That(() => RocAuc.Compute([0.1, 0.2], [0, 2]), Throws.ArgumentException.With.Message.Contains("label 2 of example 1"));
        Assert.That(() => RocAuc.Compute([0.1, double.NaN], [0, 1]), Throws.ArgumentException.With.Message.Contains("example 1 is NaN"));
        Assert.That(() => RocAuc.Compute([0.1], [0, 1]), Throws.ArgumentException.With.Message.Contains("1 scores and 2 labels"));
    }
}
