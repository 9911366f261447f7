namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    // ----- softmax cross-entropy ------------------------------------------------------------

    /// <inheritdoc />
    public double CrossEntropyForward(Tensor<T> logits, ReadOnlySpan<int> targets, int ignoreIndex, double labelSmoothing,
        LossReduction reduction, Tensor<T>? rowLosses)
    {
        const string op = "CrossEntropyForward";
        ulong px = Ptr(logits, op, "logits");
        ulong pl = OptionalPtr(rowLosses, op, "rowLosses");
        if (rowLosses is not null) Check.Length(op, rowLosses, "rowLosses", logits.AsMatrix().Rows, "one loss per row of 'logits'", logits);
        var (rows, cols) = Check.CrossEntropy(op, logits, targets, ignoreIndex, labelSmoothing, out int counted);
        if (rows == 0) { Synchronize(); return 0.0; }
        // Scratch: [rows + 1] doubles (row losses, then the total), then the targets.
        long doubles = (long)(rows + 1) * sizeof(double);
        ulong pt = UploadIndices(targets, doubles);
        ulong partials = Scratch(doubles);
        void** args = stackalloc void*[] { &px, &pt, &ignoreIndex, &labelSmoothing, &rows, &cols, &pl, &partials };
        LaunchRows("cross_entropy_forward", rows, cols, args);
        double total = SumPartials(partials, rows, partials + (ulong)rows * sizeof(double));
        return reduction == LossReduction.Sum ? total : counted == 0 ? 0.0 : total / counted;
    }

    /// <inheritdoc />
    public void CrossEntropyBackward(Tensor<T> logits, ReadOnlySpan<int> targets, int ignoreIndex, double labelSmoothing,
        LossReduction reduction, double scale, Tensor<T> dLogits)
    {
        const string op = "CrossEntropyBackward";
        ulong px = Ptr(logits, op, "logits"), pd = Ptr(dLogits, op, "dLogits");
        Check.SameLength(op, logits, "logits", dLogits, "dLogits");
        var (rows, cols) = Check.CrossEntropy(op, logits, targets, ignoreIndex, labelSmoothing, out int counted);
        if (rows == 0) return;
        double k = reduction == LossReduction.Sum ? scale : counted == 0 ? 0.0 : scale / counted;
        ulong pt = UploadIndices(targets, 0);
        void** args = stackalloc void*[] { &px, &pt, &ignoreIndex, &labelSmoothing, &k, &rows, &cols, &pd };
        LaunchRows("cross_entropy_backward", rows, cols, args);
    }

    // ----- binary cross-entropy with logits -------------------------------------------------

    private (int Rows, int Cols) BceArgs(string op, Tensor<T> logits, Tensor<T> targets, Tensor<T>? posWeight, out ulong px, out ulong py, out ulong pw)
    {
        px = Ptr(logits, op, "logits");
        py = Ptr(targets, op, "targets");
        pw = OptionalPtr(posWeight, op, "posWeight");
        Check.SameLength(op, logits, "logits", targets, "targets");
        var (rows, cols) = logits.AsMatrix();
        if (posWeight is not null) Check.Length(op, posWeight, "posWeight", cols, "one weight per class (the last dimension) of 'logits'", logits);
        return (rows, cols);
    }

    /// <inheritdoc />
    public double BceWithLogitsForward(Tensor<T> logits, Tensor<T> targets, Tensor<T>? posWeight, LossReduction reduction)
    {
        var (rows, cols) = BceArgs("BceWithLogitsForward", logits, targets, posWeight, out ulong px, out ulong py, out ulong pw);
        long n = (long)rows * cols;
        if (n == 0) { Synchronize(); return 0.0; }
        int blocks = Runtime.LaunchConfig.PartialBlocks(n, _device.Multiprocessors);
        ulong partials = Scratch((blocks + 1) * sizeof(double));
        void** args = stackalloc void*[] { &px, &py, &pw, &n, &cols, &partials };
        LaunchElements("bce_forward", n, args);
        double total = SumPartials(partials, blocks, partials + (ulong)(blocks * sizeof(double)));
        return reduction == LossReduction.Sum ? total : total / n;
    }

    /// <inheritdoc />
    public void BceWithLogitsBackward(Tensor<T> logits, Tensor<T> targets, Tensor<T>? posWeight, LossReduction reduction, double scale, Tensor<T> dLogits)
    {
        const string op = "BceWithLogitsBackward";
        var (rows, cols) = BceArgs(op, logits, targets, posWeight, out ulong px, out ulong py, out ulong pw);
        ulong pd = Ptr(dLogits, op, "dLogits");
        Check.SameLength(op, logits, "logits", dLogits, "dLogits");
        long n = (long)rows * cols;
        T k = T.CreateTruncating(reduction == LossReduction.Sum ? scale : n == 0 ? 0.0 : scale / n);
        void** args = stackalloc void*[] { &px, &py, &pw, &n, &cols, &k, &pd };
        LaunchElements("bce_backward", n, args);
    }

    // ----- mean squared error ---------------------------------------------------------------

    /// <inheritdoc />
    public double MseForward(Tensor<T> prediction, Tensor<T> target, LossReduction reduction)
    {
        ulong pp = Ptr(prediction, "MseForward", "prediction"), pt = Ptr(target, "MseForward", "target");
        Check.SameLength("MseForward", prediction, "prediction", target, "target");
        long n = prediction.Length;
        if (n == 0) { Synchronize(); return 0.0; }
        int blocks = Runtime.LaunchConfig.PartialBlocks(n, _device.Multiprocessors);
        ulong partials = Scratch((blocks + 1) * sizeof(double));
        void** args = stackalloc void*[] { &pp, &pt, &n, &partials };
        LaunchElements("mse_forward", n, args);
        double total = SumPartials(partials, blocks, partials + (ulong)(blocks * sizeof(double)));
        return reduction == LossReduction.Sum ? total : total / n;
    }

    /// <inheritdoc />
    public void MseBackward(Tensor<T> prediction, Tensor<T> target, LossReduction reduction, double scale, Tensor<T> dPrediction)
    {
        const string op = "MseBackward";
        ulong pp = Ptr(prediction, op, "prediction"), pt = Ptr(target, op, "target"), pd = Ptr(dPrediction, op, "dPrediction");
        Check.SameLength(op, prediction, "prediction", target, "target");
        Check.SameLength(op, prediction, "prediction", dPrediction, "dPrediction");
        long n = prediction.Length;
        T k = T.CreateTruncating(2.0 * (reduction == LossReduction.Sum ? scale : n == 0 ? 0.0 : scale / n));
        void** args = stackalloc void*[] { &pp, &pt, &k, &pd, &n };
        LaunchElements("mse_backward", n, args);
    }
}
