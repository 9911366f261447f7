namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void Im2Col(Tensor<T> x, int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength, Tensor<T> columns)
    {
        const string op = "Im2Col";
        ulong px = Ptr(x, op, "x"), pc = Ptr(columns, op, "columns");
        int batch = ConvArgs(op, x, "x", columns, "columns", channels, length, kernel, stride, dilation, padLeft, outLength);
        void** args = stackalloc void*[] { &px, &batch, &channels, &length, &kernel, &stride, &dilation, &padLeft, &outLength, &pc };
        LaunchElements("im2col", columns.Length, args);
    }

    /// <inheritdoc />
    public void Col2Im(Tensor<T> columns, int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength, Tensor<T> dx)
    {
        const string op = "Col2Im";
        ulong pc = Ptr(columns, op, "columns"), px = Ptr(dx, op, "dx");
        int batch = ConvArgs(op, dx, "dx", columns, "columns", channels, length, kernel, stride, dilation, padLeft, outLength);
        void** args = stackalloc void*[] { &pc, &batch, &channels, &length, &kernel, &stride, &dilation, &padLeft, &outLength, &px };
        LaunchElements("col2im", dx.Length, args);
    }

    /// <summary>Checks the im2col sizes and shapes (the CPU backend's checks) and returns the batch size B.</summary>
    private static int ConvArgs(string op, Tensor<T> x, string xRole, Tensor<T> columns, string colRole,
        int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength)
    {
        if (channels <= 0 || length < 0 || kernel <= 0 || stride <= 0 || dilation <= 0 || padLeft < 0 || outLength < 0)
            throw new ArgumentException($"{op}: need channels, kernel, stride, dilation ≥ 1 and length, padLeft, outLength ≥ 0; got channels={channels}, length={length}, kernel={kernel}, stride={stride}, dilation={dilation}, padLeft={padLeft}, outLength={outLength}.");
        long perSequence = (long)channels * length;
        if (perSequence == 0 ? x.Length != 0 : x.Length % perSequence != 0)
            throw new ArgumentException($"{op}: '{xRole}' has shape {x.ShapeText} ({x.Length} elements), which is not [B, {channels}, {length}].");
        int batch = perSequence == 0 ? 0 : checked((int)(x.Length / perSequence));
        long need = (long)channels * kernel * batch * outLength;
        if (columns.Length != need)
            throw new ArgumentException($"{op}: '{colRole}' has shape {columns.ShapeText} ({columns.Length} elements) but '{xRole}' {x.ShapeText} with kernel {kernel} and {outLength} output steps needs [{(long)channels * kernel}, {(long)batch * outLength}] ({need} elements).");
        return batch;
    }

    /// <summary>
    /// Checks a rank-3 pooling input against its <c>[B, C]</c> output and the optional lengths. The lengths are read back
    /// to the host (B values, one synchronisation) so that bad lengths get the CPU backend's error instead of garbage.
    /// </summary>
    private ulong PoolArgs(string op, Tensor<T> x, string xRole, Tensor<T>? lengths, Tensor<T> y, string yRole, out int batch, out int channels, out int steps)
    {
        if (x.Rank != 3) throw new ArgumentException($"{op}: '{xRole}' has shape {x.ShapeText}; expected rank 3, [B, C, L].");
        (batch, channels, steps) = (x.Dim(0), x.Dim(1), x.Dim(2));
        Check.Length(op, y, yRole, (long)batch * channels, "one value per (sequence, channel) of", x);
        if (lengths is null) return 0;
        ulong pl = Ptr(lengths, op, "lengths");
        Check.Length(op, lengths, "lengths", batch, "one length per sequence of", x);
        var host = new T[batch];
        CopyToHost(lengths, host);
        for (int b = 0; b < batch; b++)
            if (!(host[b] >= T.Zero && host[b] <= T.CreateTruncating(steps)) || host[b] != T.Floor(host[b]))
                throw new ArgumentException($"{op}: lengths[{b}] = {host[b]} is not a whole number of steps in [0, {steps}] for '{xRole}' {x.ShapeText}.");
        return pl;
    }

    /// <inheritdoc />
    public void GlobalAvgPoolForward(Tensor<T> x, Tensor<T>? lengths, Tensor<T> y)
    {
        const string op = "GlobalAvgPoolForward";
        ulong px = Ptr(x, op, "x"), py = Ptr(y, op, "y");
        ulong pl = PoolArgs(op, x, "x", lengths, y, "y", out int batch, out int channels, out int steps);
        void** args = stackalloc void*[] { &px, &pl, &py, &batch, &channels, &steps };
        LaunchElements("avgpool_forward", (long)batch * channels, args);
    }

    /// <inheritdoc />
    public void GlobalAvgPoolBackward(Tensor<T>? lengths, Tensor<T> dy, Tensor<T> dx)
    {
        const string op = "GlobalAvgPoolBackward";
        ulong pd = Ptr(dy, op, "dy"), px = Ptr(dx, op, "dx");
        ulong pl = PoolArgs(op, dx, "dx", lengths, dy, "dy", out int batch, out int channels, out int steps);
        void** args = stackalloc void*[] { &pl, &pd, &px, &batch, &channels, &steps };
        LaunchElements("avgpool_backward", dx.Length, args);
    }

    /// <inheritdoc />
    public void GlobalMaxPoolForward(Tensor<T> x, Tensor<T>? lengths, Tensor<T> y, Tensor<T> argmax)
    {
        const string op = "GlobalMaxPoolForward";
        ulong px = Ptr(x, op, "x"), py = Ptr(y, op, "y"), pa = Ptr(argmax, op, "argmax");
        ulong pl = PoolArgs(op, x, "x", lengths, y, "y", out int batch, out int channels, out int steps);
        Check.SameLength(op, y, "y", argmax, "argmax");
        void** args = stackalloc void*[] { &px, &pl, &py, &pa, &batch, &channels, &steps };
        LaunchElements("maxpool_forward", (long)batch * channels, args);
    }

    /// <inheritdoc />
    public void GlobalMaxPoolBackward(Tensor<T> argmax, Tensor<T> dy, Tensor<T> dx)
    {
        const string op = "GlobalMaxPoolBackward";
        ulong pa = Ptr(argmax, op, "argmax"), pd = Ptr(dy, op, "dy"), px = Ptr(dx, op, "dx");
        PoolArgs(op, dx, "dx", null, dy, "dy", out int batch, out int channels, out int steps);
        Check.SameLength(op, dy, "dy", argmax, "argmax");
        // The positions are read back (one synchronisation) to reject the ones outside dx, as the CPU backend does.
        var host = new T[argmax.Length];
        CopyToHost(argmax, host);
        for (long r = 0; r < host.Length; r++)
            if (!(host[r] < T.Zero) && !(host[r] < T.CreateTruncating(steps)))
                throw new ArgumentException($"GlobalMaxPoolBackward: argmax[{r}] = {host[r]} is outside the {steps} steps of 'dx' {dx.ShapeText}.");
        void** args = stackalloc void*[] { &pa, &pd, &px, &batch, &channels, &steps };
        LaunchElements("maxpool_backward", dx.Length, args);
    }
}
