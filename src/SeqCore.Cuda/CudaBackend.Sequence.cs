namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void BroadcastRows(Tensor<T> row, Tensor<T> y)
    {
        ulong pr = Ptr(row, "BroadcastRows", "row"), py = Ptr(y, "BroadcastRows", "y");
        var (rows, cols) = y.AsMatrix();
        Check.Length("BroadcastRows", row, "row", cols, "one row of 'y'", y);
        void** args = stackalloc void*[] { &pr, &py, &rows, &cols };
        LaunchElements("broadcast_rows", (long)rows * cols, args);
    }

    /// <inheritdoc />
    public void Copy2D(Tensor<T> x, int rows, int cols, int ldx, Tensor<T> y, int ldy)
    {
        ulong px = Ptr(x, "Copy2D", "x"), py = Ptr(y, "Copy2D", "y");
        if (rows < 0 || cols < 0) throw new ArgumentException($"Copy2D: rows and cols must be non-negative, got {rows}×{cols}.");
        Check.GemmOperand("Copy2D", x, "x", rows, cols, ldx);
        Check.GemmOperand("Copy2D", y, "y", rows, cols, ldy);
        void** args = stackalloc void*[] { &px, &rows, &cols, &ldx, &py, &ldy };
        LaunchElements("copy2d", (long)rows * cols, args);
    }

    /// <inheritdoc />
    public void SwapLeadingAxes(Tensor<T> x, int a, int b, Tensor<T> y)
    {
        ulong px = Ptr(x, "SwapLeadingAxes", "x"), py = Ptr(y, "SwapLeadingAxes", "y");
        if (a <= 0 || b <= 0 || x.Length % ((long)a * b) != 0)
            throw new ArgumentException($"SwapLeadingAxes: cannot read 'x' {x.ShapeText} as [{a}, {b}, C].");
        Check.SameLength("SwapLeadingAxes", x, "x", y, "y");
        if (ReferenceEquals(x, y) || (x.Storage == y.Storage && x.Offset == y.Offset))
            throw new ArgumentException("SwapLeadingAxes: 'y' must not alias 'x'.");
        long c = x.Length / ((long)a * b);
        void** args = stackalloc void*[] { &px, &a, &b, &c, &py };
        LaunchElements("swap_leading", x.Length, args);
    }

    /// <inheritdoc />
    public void Gather(Tensor<T> table, ReadOnlySpan<int> indices, Tensor<T> y)
    {
        ulong pt = Ptr(table, "Gather", "table"), py = Ptr(y, "Gather", "y");
        var (vocab, dim) = table.AsMatrix();
        Check.Length("Gather", y, "y", (long)indices.Length * dim, "one row per index, as wide as the table", table);
        for (int i = 0; i < indices.Length; i++)
            if ((uint)indices[i] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Gather: index {indices[i]} at position {i} is outside the table of {vocab} rows ({table.ShapeText}).");
        if (indices.Length == 0 || dim == 0) return;
        ulong pi = UploadIndices(indices, 0);
        int n = indices.Length;
        void** args = stackalloc void*[] { &pt, &pi, &py, &n, &dim };
        LaunchElements("gather", (long)n * dim, args);
    }

    /// <inheritdoc />
    public void ScatterAddRows(Tensor<T> dy, ReadOnlySpan<int> indices, int skipIndex, Tensor<T> dTable)
    {
        ulong pd = Ptr(dy, "ScatterAddRows", "dy"), pt = Ptr(dTable, "ScatterAddRows", "dTable");
        var (vocab, dim) = dTable.AsMatrix();
        Check.Length("ScatterAddRows", dy, "dy", (long)indices.Length * dim, "one row per index, as wide as the table", dTable);
        for (int i = 0; i < indices.Length; i++)
        {
            int ix = indices[i];
            if (ix != skipIndex && (uint)ix >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(indices), $"ScatterAddRows: index {ix} at position {i} is outside the table of {vocab} rows ({dTable.ShapeText}).");
        }
        if (indices.Length == 0 || dim == 0) return;
        ulong pi = UploadIndices(indices, 0);
        int n = indices.Length;
        void** args = stackalloc void*[] { &pd, &pi, &skipIndex, &pt, &n, &dim };
        LaunchElements("scatter_add_rows", (long)n * dim, args);
    }

    /// <inheritdoc />
    public void SelectRows(Tensor<T> lengths, int t, Tensor<T> whenActive, Tensor<T> whenInactive, Tensor<T> y)
    {
        const string op = "SelectRows";
        ulong pl = Ptr(lengths, op, "lengths");
        var (rows, cols) = y.AsMatrix();
        Check.Length(op, lengths, "lengths", rows, "one length per row of", y);
        ulong pa = Ptr(whenActive, op, "whenActive"), pi = Ptr(whenInactive, op, "whenInactive"), py = Ptr(y, op, "y");
        Check.SameLength(op, whenActive, "whenActive", y, "y");
        Check.SameLength(op, whenInactive, "whenInactive", y, "y");
        void** args = stackalloc void*[] { &pl, &t, &pa, &pi, &py, &rows, &cols };
        LaunchElements("select_rows", (long)rows * cols, args);
    }

    /// <inheritdoc />
    public void MaskRows(Tensor<T> lengths, int t, bool keepActive, Tensor<T> x, Tensor<T> y)
    {
        const string op = "MaskRows";
        ulong pl = Ptr(lengths, op, "lengths");
        var (rows, cols) = y.AsMatrix();
        Check.Length(op, lengths, "lengths", rows, "one length per row of", y);
        ulong px = Ptr(x, op, "x"), py = Ptr(y, op, "y");
        Check.SameLength(op, x, "x", y, "y");
        int keep = keepActive ? 1 : 0;
        void** args = stackalloc void*[] { &pl, &t, &keep, &px, &py, &rows, &cols };
        LaunchElements("mask_rows", (long)rows * cols, args);
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
