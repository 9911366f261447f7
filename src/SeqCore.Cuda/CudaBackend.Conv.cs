namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void Im2Col(Tensor<T> x, int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength, Tensor<T> columns)
    {
        const string op = "Im2Col";
        ulong px = Ptr(x, op, "x"), pc = Ptr(columns, op, "columns");
        int batch = Check.Conv(op, x, "x", columns, "columns", channels, length, kernel, stride, dilation, padLeft, outLength);
        void** args = stackalloc void*[] { &px, &batch, &channels, &length, &kernel, &stride, &dilation, &padLeft, &outLength, &pc };
        LaunchElements("im2col", columns.Length, args);
    }

    /// <inheritdoc />
    public void Col2Im(Tensor<T> columns, int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength, Tensor<T> dx)
    {
        const string op = "Col2Im";
        ulong pc = Ptr(columns, op, "columns"), px = Ptr(dx, op, "dx");
        int batch = Check.Conv(op, dx, "dx", columns, "columns", channels, length, kernel, stride, dilation, padLeft, outLength);
        void** args = stackalloc void*[] { &pc, &batch, &channels, &length, &kernel, &stride, &dilation, &padLeft, &outLength, &px };
        LaunchElements("col2im", dx.Length, args);
    }

    /// <summary>
    /// Checks a rank-3 pooling input against its <c>[B, C]</c> output and the optional lengths. The lengths are read back
    /// to the host (B values, one synchronisation) so that bad lengths get the CPU backend's error instead of garbage.
    /// </summary>
    private ulong PoolArgs(string op, Tensor<T> x, string xRole, Tensor<T>? lengths, Tensor<T> y, string yRole, out int batch, out int channels, out int steps)
    {
        (batch, channels, steps) = Check.PoolShape(op, x, xRole, y, yRole);
        if (lengths is null) return 0;
        ulong pl = Ptr(lengths, op, "lengths");
        Check.Length(op, lengths, "lengths", batch, "one length per sequence of", x);
        var host = new T[batch];
        CopyToHost(lengths, host);
        Check.PoolLengths<T>(op, host, steps, x, xRole);
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
        Check.PoolPositions<T>(op, host, steps, dx);
        void** args = stackalloc void*[] { &pa, &pd, &px, &batch, &channels, &steps };
        LaunchElements("maxpool_backward", dx.Length, args);
    }
}
