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
        Check.SameLength(op, x, "x", y, "y");
        if (weight is not null) Check.Length(op, weight, "weight", cols, "one value per column of 'x'", x);
        if (bias is not null) Check.Length(op, bias, "bias", cols, "one value per column of 'x'", x);
        if (bias is not null && weight is null) throw new ArgumentException($"{op}: 'bias' {bias.ShapeText} needs a 'weight' too (elementwise affine has both).");
        Check.Length(op, mean, "mean", rows, "one value per row of 'x'", x);
        Check.Length(op, rstd, "rstd", rows, "one value per row of 'x'", x);
        if (!(epsilon >= T.Zero)) throw new ArgumentException($"{op}: epsilon must be ≥ 0, got {epsilon}.");
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
        Check.SameLength(op, x, "x", dy, "dy");
        if (dx is not null) Check.SameLength(op, x, "x", dx, "dx");
        if (weight is not null) Check.Length(op, weight, "weight", cols, "one value per column of 'x'", x);
        if (dWeight is not null) Check.Length(op, dWeight, "dWeight", cols, "one value per column of 'x'", x);
        if (dBias is not null) Check.Length(op, dBias, "dBias", cols, "one value per column of 'x'", x);
        Check.Length(op, mean, "mean", rows, "one value per row of 'x'", x);
        Check.Length(op, rstd, "rstd", rows, "one value per row of 'x'", x);
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

    /// <summary>Reads a rank-3 sequence tensor as (T, B, D) for the given layout.</summary>
    private static (int Steps, int Batch, int Dim) PositionShape(string op, Tensor<T> t, string role, bool batchFirst)
    {
        if (t.Rank != 3)
            throw new ArgumentException($"{op}: '{role}' has shape {t.ShapeText}; expected rank 3, {(batchFirst ? "[B, T, D]" : "[T, B, D]")}.");
        return batchFirst ? (t.Dim(1), t.Dim(0), t.Dim(2)) : (t.Dim(0), t.Dim(1), t.Dim(2));
    }

    private static void CheckPositionTable(string op, Tensor<T> seq, string seqRole, Tensor<T> table, string tableRole, int start, int steps, int dim)
    {
        var (positions, cols) = table.AsMatrix();
        if (table.Rank != 2 || cols != dim)
            throw new ArgumentException($"{op}: '{tableRole}' has shape {table.ShapeText} but '{seqRole}' {seq.ShapeText} needs a table [P, {dim}].");
        if (start < 0 || (long)start + steps > positions)
            throw new ArgumentException($"{op}: positions {start} .. {(long)start + steps - 1} of '{seqRole}' {seq.ShapeText} are outside the table '{tableRole}' {table.ShapeText}.");
    }

    /// <inheritdoc />
    public void AddPositionRows(Tensor<T> x, Tensor<T> table, int start, bool batchFirst, Tensor<T> y)
    {
        const string op = "AddPositionRows";
        ulong px = Ptr(x, op, "x"), pt = Ptr(table, op, "table"), py = Ptr(y, op, "y");
        var (steps, batch, dim) = PositionShape(op, x, "x", batchFirst);
        Check.SameLength(op, x, "x", y, "y");
        CheckPositionTable(op, x, "x", table, "table", start, steps, dim);
        int bf = batchFirst ? 1 : 0;
        void** args = stackalloc void*[] { &px, &pt, &start, &bf, &py, &steps, &batch, &dim };
        LaunchElements("add_position_rows", (long)steps * batch * dim, args);
    }

    /// <inheritdoc />
    public void AccumulatePositionRows(Tensor<T> dy, int start, bool batchFirst, Tensor<T> dTable)
    {
        const string op = "AccumulatePositionRows";
        ulong pd = Ptr(dy, op, "dy"), pt = Ptr(dTable, op, "dTable");
        var (steps, batch, dim) = PositionShape(op, dy, "dy", batchFirst);
        CheckPositionTable(op, dy, "dy", dTable, "dTable", start, steps, dim);
        int bf = batchFirst ? 1 : 0;
        void** args = stackalloc void*[] { &pd, &start, &bf, &pt, &steps, &batch, &dim };
        LaunchElements("accumulate_position_rows", (long)steps * dim, args);
    }
}
