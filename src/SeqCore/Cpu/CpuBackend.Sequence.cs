using System.Numerics;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    /// <inheritdoc />
    public void BroadcastRows(Tensor<T> row, Tensor<T> y)
    {
        T* pr = Ptr(row, "BroadcastRows", "row"), py = Ptr(y, "BroadcastRows", "y");
        var (rows, cols) = y.AsMatrix();
        Check.Length("BroadcastRows", row, "row", cols, "one row of 'y'", y);
        long bytes = (long)cols * sizeof(T);
        for (int r = 0; r < rows; r++) Buffer.MemoryCopy(pr, py + (long)r * cols, bytes, bytes);
    }

    /// <inheritdoc />
    public void Copy2D(Tensor<T> x, int rows, int cols, int ldx, Tensor<T> y, int ldy)
    {
        T* px = Ptr(x, "Copy2D", "x"), py = Ptr(y, "Copy2D", "y");
        if (rows < 0 || cols < 0) throw new ArgumentException($"Copy2D: rows and cols must be non-negative, got {rows}×{cols}.");
        Check.GemmOperand("Copy2D", x, "x", rows, cols, ldx);
        Check.GemmOperand("Copy2D", y, "y", rows, cols, ldy);
        long bytes = (long)cols * sizeof(T);
        for (int r = 0; r < rows; r++) Buffer.MemoryCopy(px + (long)r * ldx, py + (long)r * ldy, bytes, bytes);
    }

    /// <inheritdoc />
    public void SwapLeadingAxes(Tensor<T> x, int a, int b, Tensor<T> y)
    {
        T* px = Ptr(x, "SwapLeadingAxes", "x"), py = Ptr(y, "SwapLeadingAxes", "y");
        if (a <= 0 || b <= 0 || x.Length % ((long)a * b) != 0)
            throw new ArgumentException($"SwapLeadingAxes: cannot read 'x' {x.ShapeText} as [{a}, {b}, C].");
        Check.SameLength("SwapLeadingAxes", x, "x", y, "y");
        if (ReferenceEquals(x, y) || (x.Storage == y.Storage && x.Offset == y.Offset))
            throw new ArgumentException("SwapLeadingAxes: 'y' must not alias 'x'.");
        long c = x.Length / ((long)a * b), bytes = c * sizeof(T);
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
                Buffer.MemoryCopy(px + (i * (long)b + j) * c, py + (j * (long)a + i) * c, bytes, bytes);
    }

    /// <inheritdoc />
    public void Gather(Tensor<T> table, ReadOnlySpan<int> indices, Tensor<T> y)
    {
        T* pt = Ptr(table, "Gather", "table"), py = Ptr(y, "Gather", "y");
        var (vocab, dim) = table.AsMatrix();
        Check.Length("Gather", y, "y", (long)indices.Length * dim, "one row per index, as wide as the table", table);
        long bytes = (long)dim * sizeof(T);
        for (int i = 0; i < indices.Length; i++)
        {
            int ix = indices[i];
            if ((uint)ix >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Gather: index {ix} at position {i} is outside the table of {vocab} rows ({table.ShapeText}).");
            Buffer.MemoryCopy(pt + (long)ix * dim, py + (long)i * dim, bytes, bytes);
        }
    }

    /// <inheritdoc />
    public void ScatterAddRows(Tensor<T> dy, ReadOnlySpan<int> indices, int skipIndex, Tensor<T> dTable)
    {
        T* pd = Ptr(dy, "ScatterAddRows", "dy"), pt = Ptr(dTable, "ScatterAddRows", "dTable");
        var (vocab, dim) = dTable.AsMatrix();
        Check.Length("ScatterAddRows", dy, "dy", (long)indices.Length * dim, "one row per index, as wide as the table", dTable);
        for (int i = 0; i < indices.Length; i++)
        {
            int ix = indices[i];
            if (ix == skipIndex) continue;
            if ((uint)ix >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(indices), $"ScatterAddRows: index {ix} at position {i} is outside the table of {vocab} rows ({dTable.ShapeText}).");
            T* row = pt + (long)ix * dim;
            Pointwise.Binary(new AddOp(), pd + (long)i * dim, row, row, dim);
        }
    }

    /// <summary>Reads the lengths tensor and checks it against a <c>[B, C]</c> operand.</summary>
    private T* RowMaskArgs(string op, Tensor<T> lengths, Tensor<T> x, string role, out int rows, out int cols)
    {
        T* pl = Ptr(lengths, op, "lengths");
        (rows, cols) = x.AsMatrix();
        Check.Length(op, lengths, "lengths", rows, "one length per row of", x);
        return pl;
    }

    /// <inheritdoc />
    public void SelectRows(Tensor<T> lengths, int t, Tensor<T> whenActive, Tensor<T> whenInactive, Tensor<T> y)
    {
        T* pl = RowMaskArgs("SelectRows", lengths, y, "y", out int rows, out int cols);
        T* pa = Ptr(whenActive, "SelectRows", "whenActive"), pi = Ptr(whenInactive, "SelectRows", "whenInactive"), py = Ptr(y, "SelectRows", "y");
        Check.SameLength("SelectRows", whenActive, "whenActive", y, "y");
        Check.SameLength("SelectRows", whenInactive, "whenInactive", y, "y");
        T tt = T.CreateTruncating(t);
        long bytes = (long)cols * sizeof(T);
        for (int r = 0; r < rows; r++)
        {
            T* src = (tt < pl[r] ? pa : pi) + (long)r * cols;
            T* dst = py + (long)r * cols;
            if (src != dst) Buffer.MemoryCopy(src, dst, bytes, bytes);
        }
    }

    /// <inheritdoc />
    public void MaskRows(Tensor<T> lengths, int t, bool keepActive, Tensor<T> x, Tensor<T> y)
    {
        T* pl = RowMaskArgs("MaskRows", lengths, y, "y", out int rows, out int cols);
        T* px = Ptr(x, "MaskRows", "x"), py = Ptr(y, "MaskRows", "y");
        Check.SameLength("MaskRows", x, "x", y, "y");
        T tt = T.CreateTruncating(t);
        long bytes = (long)cols * sizeof(T);
        for (int r = 0; r < rows; r++)
        {
            T* dst = py + (long)r * cols;
            if ((tt < pl[r]) == keepActive) { if (px != py) Buffer.MemoryCopy(px + (long)r * cols, dst, bytes, bytes); }
            else new Span<T>(dst, cols).Clear();
        }
    }

    /// <inheritdoc />
    public void AddPositionRows(Tensor<T> x, Tensor<T> table, int start, bool batchFirst, Tensor<T> y)
    {
        const string op = "AddPositionRows";
        T* px = Ptr(x, op, "x"), pt = Ptr(table, op, "table"), py = Ptr(y, op, "y");
        var (steps, batch, dim) = Check.PositionShape(op, x, "x", batchFirst);
        Check.SameLength(op, x, "x", y, "y");
        Check.PositionTable(op, x, "x", table, "table", start, steps, dim);
        for (int t = 0; t < steps; t++)
        {
            T* row = pt + (long)(start + t) * dim;
            for (int b = 0; b < batch; b++)
            {
                long o = (batchFirst ? (long)b * steps + t : (long)t * batch + b) * dim;
                Pointwise.Binary(new AddOp(), px + o, row, py + o, dim);
            }
        }
    }

    /// <inheritdoc />
    public void AccumulatePositionRows(Tensor<T> dy, int start, bool batchFirst, Tensor<T> dTable)
    {
        const string op = "AccumulatePositionRows";
        T* pd = Ptr(dy, op, "dy"), pt = Ptr(dTable, op, "dTable");
        var (steps, batch, dim) = Check.PositionShape(op, dy, "dy", batchFirst);
        Check.PositionTable(op, dy, "dy", dTable, "dTable", start, steps, dim);
        for (int t = 0; t < steps; t++)
        {
            T* row = pt + (long)(start + t) * dim;
            for (int b = 0; b < batch; b++)
            {
                long o = (batchFirst ? (long)b * steps + t : (long)t * batch + b) * dim;
                Pointwise.Binary(new AddOp(), pd + o, row, row, dim);
            }
        }
    }
}
