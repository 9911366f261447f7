namespace SeqCore.Models;

/// <summary>Precision, recall and F1 of one class, and how many held-out examples truly belong to it.</summary>
/// <param name="Label">The class name.</param>
/// <param name="Precision">Of the examples predicted as this class, the share that belong to it (0 when none was predicted).</param>
/// <param name="Recall">Of the examples of this class, the share predicted as it.</param>
/// <param name="F1">Harmonic mean of precision and recall (0 when both are 0).</param>
/// <param name="Support">Examples of this class.</param>
public sealed record ClassScores(string Label, double Precision, double Recall, double F1, int Support);

/// <summary>
/// Accuracy, per-class precision/recall/F1, macro F1 and the confusion matrix of predictions against true labels.
/// <c>Confusion[i][j]</c> counts examples of true class i predicted as class j.
/// </summary>
public sealed class ClassificationReport
{
    private ClassificationReport(IReadOnlyList<string> labels, int[][] confusion, double accuracy, IReadOnlyList<ClassScores> classes)
    {
        Labels = labels;
        Confusion = confusion;
        Accuracy = accuracy;
        Classes = classes;
        MacroF1 = classes.Average(c => c.F1);
    }

    /// <summary>The class names, by class index.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary><c>[true class][predicted class]</c> counts.</summary>
    public int[][] Confusion { get; }

    /// <summary>Share of examples predicted correctly.</summary>
    public double Accuracy { get; }

    /// <summary>Number of examples.</summary>
    public int Count => Confusion.Sum(row => row.Sum());

    /// <summary>Scores per class, by class index.</summary>
    public IReadOnlyList<ClassScores> Classes { get; }

    /// <summary>The unweighted mean of the classes' F1.</summary>
    public double MacroF1 { get; }

    /// <summary>Builds the report from true and predicted class indices (same length, at least one example).</summary>
    public static ClassificationReport From(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(labels);
        if (truth.Count != predicted.Count || truth.Count == 0)
            throw new ArgumentException($"ClassificationReport: {truth.Count} true labels and {predicted.Count} predictions; need the same positive number.");
        int k = labels.Count;
        var confusion = new int[k][];
        for (int i = 0; i < k; i++) confusion[i] = new int[k];
        int correct = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            if ((uint)truth[i] >= (uint)k || (uint)predicted[i] >= (uint)k)
                throw new ArgumentOutOfRangeException(nameof(truth), $"ClassificationReport: example {i} has class {truth[i]} → {predicted[i]}, outside [0, {k}).");
            confusion[truth[i]][predicted[i]]++;
            if (truth[i] == predicted[i]) correct++;
        }
        var classes = new ClassScores[k];
        for (int c = 0; c < k; c++)
        {
            int tp = confusion[c][c], support = confusion[c].Sum(), predictedAs = 0;
            for (int r = 0; r < k; r++) predictedAs += confusion[r][c];
            double precision = predictedAs == 0 ? 0 : (double)tp / predictedAs;
            double recall = support == 0 ? 0 : (double)tp / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes[c] = new ClassScores(labels[c], precision, recall, f1, support);
        }
        return new ClassificationReport(labels, confusion, (double)correct / truth.Count, classes);
    }
}
