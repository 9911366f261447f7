namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void SumRows(Tensor<T> x, bool accumulate, Tensor<T> y)
    {
        ulong px = Ptr(x, "SumRows", "x"), py = Ptr(y, "SumRows", "y");
        var (rows, cols) = x.AsMatrix();
        Check.Length("SumRows", y, "y", cols, "the sum over the rows of 'x'", x);
        int acc = accumulate ? 1 : 0;
        void** args = stackalloc void*[] { &px, &rows, &cols, &acc, &py };
        LaunchColumns("sum_rows", cols, 1, args);
    }

    /// <inheritdoc />
    public void SumCols(Tensor<T> x, bool accumulate, Tensor<T> y)
    {
        ulong px = Ptr(x, "SumCols", "x"), py = Ptr(y, "SumCols", "y");
        var (rows, cols) = x.AsMatrix();
        Check.Length("SumCols", y, "y", rows, "the sum over the columns of 'x'", x);
        if (cols == 0)
        {
            if (!accumulate) Fill(T.Zero, y);
            return;
        }
        int acc = accumulate ? 1 : 0;
        void** args = stackalloc void*[] { &px, &rows, &cols, &acc, &py };
        LaunchRows("sum_cols", rows, cols, args);
    }

    /// <inheritdoc />
    public double SumOfSquares(Tensor<T> x)
    {
        ulong px = Ptr(x, "SumOfSquares", "x");
        long n = x.Length;
        if (n == 0) { Synchronize(); return 0.0; }
        int blocks = Runtime.LaunchConfig.PartialBlocks(n, _device.Multiprocessors);
        ulong partials = Scratch((blocks + 1) * sizeof(double));
        void** args = stackalloc void*[] { &px, &n, &partials };
        LaunchElements("sum_squares", n, args);
        return SumPartials(partials, blocks, partials + (ulong)(blocks * sizeof(double)));
    }

    /// <inheritdoc />
    public void ArgMaxRows(Tensor<T> x, Span<int> indices)
    {
        ulong px = Ptr(x, "ArgMaxRows", "x");
        var (rows, cols) = Check.ArgMaxRows("ArgMaxRows", x, indices.Length);
        if (rows == 0) { Synchronize(); return; }
        ulong pi = Scratch((long)rows * sizeof(int));
        void** args = stackalloc void*[] { &px, &rows, &cols, &pi };
        LaunchRows("argmax_rows", rows, cols, args);
        fixed (int* d = indices) _device.Download(d, pi, (long)rows * sizeof(int));
    }
}
