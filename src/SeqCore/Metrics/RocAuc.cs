namespace SeqCore.Metrics;

/// <summary>
/// The area under the ROC curve of a binary classifier's scores, computed exactly: the probability that a randomly
/// chosen positive example scores higher than a randomly chosen negative one, a tie counting one half. That is the
/// Mann–Whitney statistic <c>U / (n₊·n₋)</c>, taken from the ranks of the scores with tied scores sharing their mean
/// rank, in O(n log n) (the trapezoidal area under the ROC curve through every distinct threshold, which is what
/// scikit-learn's <c>roc_auc_score</c> gives).
/// </summary>
public static class RocAuc
{
    /// <summary>
    /// AUC of <paramref name="scores"/> (higher: more likely positive) against <paramref name="labels"/> (1 positive,
    /// 0 negative), one each per example. Throws <see cref="ArgumentException"/> when the counts differ, a label is
    /// neither 0 nor 1, a score is NaN, or the examples are not of both labels (the AUC is then undefined).
    /// </summary>
    public static double Compute(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count) throw new ArgumentException($"RocAuc: {scores.Count} scores and {labels.Count} labels.");
        long positives = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i] is not (0 or 1)) throw new ArgumentException($"RocAuc: label {labels[i]} of example {i} is neither 0 nor 1.");
            if (double.IsNaN(scores[i])) throw new ArgumentException($"RocAuc: the score of example {i} is NaN.");
            positives += labels[i];
        }
        long negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0)
            throw new ArgumentException($"RocAuc: {positives} positive and {negatives} negative examples; the AUC needs both.");
        int[] order = [.. Enumerable.Range(0, scores.Count).OrderBy(i => scores[i])];
        // Sum of the positives' ranks (1-based), each group of equal scores at positions start … end−1 sharing the mean
        // rank (start + 1 + end)/2. Twice that sum is an integer, so it is kept exactly as one.
        long twiceRankSum = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && scores[order[end]] == scores[order[start]]) end++;
            long groupPositives = 0;
            for (int j = start; j < end; j++) groupPositives += labels[order[j]];
            twiceRankSum += groupPositives * (start + 1 + end);
            start = end;
        }
        // U = R₊ − n₊(n₊ + 1)/2 counts the (positive, negative) pairs ordered right, ties as one half.
        double u = (twiceRankSum - positives * (positives + 1)) / 2.0;
        return u / ((double)positives * negatives);
    }
}
