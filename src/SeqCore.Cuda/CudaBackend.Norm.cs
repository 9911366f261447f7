namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void LayerNormForward(Tensor<T> x, Tensor<T>? weight, Tensor<T>? bias, T epsilon, Tensor<T> y, Tensor<T> mean, Tensor<T> rstd)
    {
        const string op = "LayerNormForward";
        ulong px = Ptr(x, op, "x"), py = Ptr(y, op, "y"), pm = Ptr(mean, op, "mean"), pr = Ptr(rstd, op, "rstd");
        ulong pw = OptionalPtr(weight, op, "weight"), pb = OptionalPtr(bias, op, "bias");
        var (rows, cols) = x.AsMatrix();
        Check.LayerNormForward(op, x, weight, bias, epsilon, y, mean, rstd);
        void** args = stackalloc void*[] { &px, &pw, &pb, &epsilon, &py, &pm, &pr, &rows, &cols };
        LaunchRows("layernorm_forward", rows, cols, args);
    }

    /// <inheritdoc />
    public void LayerNormBackward(Tensor<T> x, Tensor<T>? weight, Tensor<T> mean, Tensor<T> rstd, Tensor<T> dy,
        Tensor<T>? dx, Tensor<T>? dWeight, Tensor<T>? dBias)
    {
        const string op = "LayerNormBackward";
        ulong px = Ptr(x, op, "x"), pm = Ptr(mean, op, "mean"), pr = Ptr(rstd, op, "rstd"), pdy = Ptr(dy, op, "dy");
        ulong pw = OptionalPtr(weight, op, "weight"), pdx = OptionalPtr(dx, op, "dx");
        ulong pdw = OptionalPtr(dWeight, op, "dWeight"), pdb = OptionalPtr(dBias, op, "dBias");
        var (rows, cols) = x.AsMatrix();
        Check.LayerNormBackward(op, x, weight, mean, rstd, dy, dx, dWeight, dBias);
        if (rows == 0 || cols == 0) return;
        // Parameter gradients first: they read dy, which dx may overwrite when the caller aliases them (stream order).
        if (pdw != 0 || pdb != 0)
        {
            void** pargs = stackalloc void*[] { &px, &pdy, &pm, &pr, &pdw, &pdb, &rows, &cols };
            LaunchColumns("layernorm_backward_params", cols, 2, pargs);
        }
        if (pdx == 0) return;
        void** args = stackalloc void*[] { &px, &pw, &pm, &pr, &pdy, &pdx, &rows, &cols };
        LaunchRows("layernorm_backward_dx", rows, cols, args);
    }

    /// <inheritdoc />
    public void AddPositionRows(Tensor<T> x, Tensor<T> table, int start, bool batchFirst, Tensor<T> y)
    {
        const string op = "AddPositionRows";
        ulong px = Ptr(x, op, "x"), pt = Ptr(table, op, "table"), py = Ptr(y, op, "y");
        var (steps, batch, dim) = Check.PositionShape(op, x, "x", batchFirst);
        Check.SameLength(op, x, "x", y, "y");
        Check.PositionTable(op, x, "x", table, "table", start, steps, dim);
        int bf = batchFirst ? 1 : 0;
        void** args = stackalloc void*[] { &px, &pt, &start, &bf, &py, &steps, &batch, &dim };
        LaunchElements("add_position_rows", (long)steps * batch * dim, args);
    }

    /// <inheritdoc />
    public void AccumulatePositionRows(Tensor<T> dy, int start, bool batchFirst, Tensor<T> dTable)
    {
        const string op = "AccumulatePositionRows";
        ulong pd = Ptr(dy, op, "dy"), pt = Ptr(dTable, op, "dTable");
        var (steps, batch, dim) = Check.PositionShape(op, dy, "dy", batchFirst);
        Check.PositionTable(op, dy, "dy", dTable, "dTable", start, steps, dim);
        int bf = batchFirst ? 1 : 0;
        void** args = stackalloc void*[] { &pd, &start, &bf, &pt, &steps, &batch, &dim };
        LaunchElements("accumulate_position_rows", (long)steps * dim, args);
    }
}
