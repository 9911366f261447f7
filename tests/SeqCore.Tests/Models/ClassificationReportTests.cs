using SeqCore.Models;

namespace SeqCore.Tests.Models;

/// <summary>Metrics against hand-computed values, and the n-gram naive Bayes baseline on a separable toy set.</summary>
public class ClassificationReportTests
{
    [Test]
    public void Precision_recall_f1_and_confusion_match_hand_computed_values()
    {
        // true:      a a a a b b c
        // predicted: a a b c b b a
        var report = ClassificationReport.From([0, 0, 0, 0, 1, 1, 2], [0, 0, 1, 2, 1, 1, 0], ["a", "b", "c"]);
        Assert.That(report.Confusion, Is.EqualTo(new[] { new[] { 2, 1, 1 }, new[] { 0, 2, 0 }, new[] { 1, 0, 0 } }));
        Assert.That(report.Accuracy, Is.EqualTo(4.0 / 7));
        var a = report.Classes[0];
        Assert.That((a.Precision, a.Recall, a.Support), Is.EqualTo((2.0 / 3, 0.5, 4)));
        Assert.That(a.F1, Is.EqualTo(2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5)).Within(1e-15));
        Assert.That((report.Classes[1].Precision, report.Classes[1].Recall), Is.EqualTo((2.0 / 3, 1.0)));
        Assert.That((report.Classes[2].Precision, report.Classes[2].Recall, report.Classes[2].F1), Is.EqualTo((0.0, 0.0, 0.0)));
        Assert.That(report.MacroF1, Is.EqualTo((a.F1 + report.Classes[1].F1) / 3).Within(1e-15));
    }

    [Test]
    public void Naive_bayes_separates_sequences_by_their_tokens()
    {
        int[][] x = [[0, 1, 0], [1, 1], [0, 0, 1, 1], [2, 3], [3, 3, 2], [2, 2]];
        int[] y = [0, 0, 0, 1, 1, 1];
        var nb = TokenNgramNaiveBayes.Train(x, y, 2, order: 2);
        Assert.That(new[] { nb.Predict([1, 0]), nb.Predict([3, 2, 3]), nb.Predict([0]) }, Is.EqualTo(new[] { 0, 1, 0 }));
    }
}
