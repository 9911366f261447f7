using System.Numerics;

namespace SeqCore;

/// <summary>Argument checks of whole operations, shared by every backend so that their messages are identical.</summary>
internal static partial class Check
{
    /// <summary>Sizes, strides and operand extents of a (strided-batched) row-major GEMM; see <see cref="IBackend{T}.GemmStridedBatched"/>.</summary>
    public static void Gemm<T>(string op, Transpose transA, Transpose transB, int m, int n, int k, Tensor<T> a, int lda, long strideA,
        Tensor<T> b, int ldb, long strideB, Tensor<T> c, int ldc, long strideC, int batchCount) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool ta = transA == Transpose.Yes, tb = transB == Transpose.Yes;
        GemmOperand(op, a, "a", ta ? k : m, ta ? m : k, lda, strideA, batchCount);
        GemmOperand(op, b, "b", tb ? n : k, tb ? k : n, ldb, strideB, batchCount);
        GemmOperand(op, c, "c", m, n, ldc, strideC, batchCount);
        if (batchCount > 1 && strideC < (long)(m - 1) * ldc + n && m > 0 && n > 0)
            throw new ArgumentException($"{op}: batch stride of 'c' ({strideC}) makes the {batchCount} output matrices of {m}×{n} (ldc {ldc}) overlap.");
    }

    /// <summary>Non-negative GEMM sizes and batch strides (checked before the tensors).</summary>
    public static void GemmSizes(string op, int m, int n, int k, int batchCount, long strideA, long strideB, long strideC)
    {
        if (m < 0 || n < 0 || k < 0 || batchCount < 0)
            throw new ArgumentException($"{op}: sizes must be non-negative, got m={m}, n={n}, k={k}, batchCount={batchCount}.");
        if (strideA < 0 || strideB < 0 || strideC < 0)
            throw new ArgumentException($"{op}: batch strides must be non-negative, got {strideA}, {strideB}, {strideC}.");
    }

    /// <summary>
    /// Cross-entropy arguments: one target per row, each a class index or the ignore index, smoothing in [0, 1].
    /// Returns the matrix shape of the logits and counts the rows that are not ignored.
    /// </summary>
    public static (int Rows, int Cols) CrossEntropy<T>(string op, Tensor<T> logits, ReadOnlySpan<int> targets, int ignoreIndex,
        double labelSmoothing, out int counted) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, cols) = logits.AsMatrix();
        if (targets.Length != rows)
            throw new ArgumentException($"{op}: there are {targets.Length} targets but 'logits' of shape {logits.ShapeText} has {rows} rows; pass one class index per row.", nameof(targets));
        if (!(labelSmoothing >= 0.0 && labelSmoothing <= 1.0))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"{op}: label smoothing must be in [0, 1], got {labelSmoothing}.");
        counted = 0;
        for (int r = 0; r < rows; r++)
        {
            int t = targets[r];
            if (t == ignoreIndex) continue;
            if ((uint)t >= (uint)cols)
                throw new ArgumentOutOfRangeException(nameof(targets), $"{op}: target {t} of row {r} is not a class index in [0, {cols}) of 'logits' {logits.ShapeText} nor the ignore index {ignoreIndex}.");
            counted++;
        }
        return (rows, cols);
    }

    /// <summary>Im2col/col2im sizes and shapes; returns the batch size B.</summary>
    public static int Conv<T>(string op, Tensor<T> x, string xRole, Tensor<T> columns, string colRole,
        int channels, int length, int kernel, int stride, int dilation, int padLeft, int outLength) where T : unmanaged, IFloatingPointIeee754<T>
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

    /// <summary>A rank-3 pooling input <c>[B, C, L]</c> against its <c>[B, C]</c> output; returns (B, C, L).</summary>
    public static (int Batch, int Channels, int Steps) PoolShape<T>(string op, Tensor<T> x, string xRole, Tensor<T> y, string yRole)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank != 3) throw new ArgumentException($"{op}: '{xRole}' has shape {x.ShapeText}; expected rank 3, [B, C, L].");
        var (batch, channels, steps) = (x.Dim(0), x.Dim(1), x.Dim(2));
        Length(op, y, yRole, (long)batch * channels, "one value per (sequence, channel) of", x);
        return (batch, channels, steps);
    }

    /// <summary>Pooling lengths (read on the host): each a whole number of steps in <c>[0, steps]</c>.</summary>
    public static void PoolLengths<T>(string op, ReadOnlySpan<T> lengths, int steps, Tensor<T> x, string xRole) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < lengths.Length; b++)
            if (!(lengths[b] >= T.Zero && lengths[b] <= T.CreateTruncating(steps)) || lengths[b] != T.Floor(lengths[b]))
                throw new ArgumentException($"{op}: lengths[{b}] = {lengths[b]} is not a whole number of steps in [0, {steps}] for '{xRole}' {x.ShapeText}.");
    }

    /// <summary>Max-pool positions (read on the host): −1 (no valid step) or a step of <paramref name="dx"/>.</summary>
    public static void PoolPositions<T>(string op, ReadOnlySpan<T> argmax, int steps, Tensor<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < argmax.Length; r++)
            if (!(argmax[r] < T.Zero) && !(argmax[r] < T.CreateTruncating(steps)))
                throw new ArgumentException($"{op}: argmax[{r}] = {argmax[r]} is outside the {steps} steps of 'dx' {dx.ShapeText}.");
    }

    /// <summary>Reads a rank-3 sequence tensor as (T, B, D) for the given layout.</summary>
    public static (int Steps, int Batch, int Dim) PositionShape<T>(string op, Tensor<T> t, string role, bool batchFirst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t.Rank != 3)
            throw new ArgumentException($"{op}: '{role}' has shape {t.ShapeText}; expected rank 3, {(batchFirst ? "[B, T, D]" : "[T, B, D]")}.");
        return batchFirst ? (t.Dim(1), t.Dim(0), t.Dim(2)) : (t.Dim(0), t.Dim(1), t.Dim(2));
    }

    /// <summary>A positional table <c>[P, D]</c> that holds positions <c>start .. start + steps − 1</c>.</summary>
    public static void PositionTable<T>(string op, Tensor<T> seq, string seqRole, Tensor<T> table, string tableRole, int start, int steps, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (positions, cols) = table.AsMatrix();
        if (table.Rank != 2 || cols != dim)
            throw new ArgumentException($"{op}: '{tableRole}' has shape {table.ShapeText} but '{seqRole}' {seq.ShapeText} needs a table [P, {dim}].");
        if (start < 0 || (long)start + steps > positions)
            throw new ArgumentException($"{op}: positions {start} .. {(long)start + steps - 1} of '{seqRole}' {seq.ShapeText} are outside the table '{tableRole}' {table.ShapeText}.");
    }

    /// <summary>Shapes of <see cref="IBackend{T}.LstmCellForward"/>: <c>gates [B, 4H]</c>, <c>peepholes [3H]</c> and
    /// <c>c</c>, <c>h</c> like <c>cPrev [B, H]</c>. Returns B and H.</summary>
    public static (int Batch, int Hidden) LstmCellForward<T>(string op, Tensor<T> gates, Tensor<T> cPrev, Tensor<T>? peepholes, Tensor<T> c, Tensor<T> h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (batch, hidden) = LstmGates(op, gates, cPrev, peepholes);
        SameLength(op, c, "c", cPrev, "cPrev");
        SameLength(op, h, "h", cPrev, "cPrev");
        return (batch, hidden);
    }

    /// <summary>Shapes of <see cref="IBackend{T}.LstmCellBackward"/>: those of the forward pass, the gradients like what
    /// they differentiate, and <c>dPeepholes</c> exactly when <c>peepholes</c>. Returns B and H.</summary>
    public static (int Batch, int Hidden) LstmCellBackward<T>(string op, Tensor<T> gates, Tensor<T> cPrev, Tensor<T> c, Tensor<T>? peepholes,
        Tensor<T> dh, Tensor<T> dc, Tensor<T> dGates, Tensor<T> dcPrev, Tensor<T>? dPeepholes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (batch, hidden) = LstmGates(op, gates, cPrev, peepholes);
        SameLength(op, c, "c", cPrev, "cPrev");
        SameLength(op, dh, "dh", cPrev, "cPrev");
        SameLength(op, dc, "dc", cPrev, "cPrev");
        SameLength(op, dcPrev, "dcPrev", cPrev, "cPrev");
        SameLength(op, dGates, "dGates", gates, "gates");
        if ((peepholes is null) != (dPeepholes is null))
            throw new ArgumentException($"{op}: pass both 'peepholes' and 'dPeepholes' or neither.");
        if (dPeepholes is not null) SameLength(op, dPeepholes, "dPeepholes", peepholes!, "peepholes");
        return (batch, hidden);
    }

    private static (int Batch, int Hidden) LstmGates<T>(string op, Tensor<T> gates, Tensor<T> cPrev, Tensor<T>? peepholes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (batch, hidden) = cPrev.AsMatrix();
        Length(op, gates, "gates", 4L * batch * hidden, "4 gates per element of 'cPrev'", cPrev);
        if (peepholes is not null) Length(op, peepholes, "peepholes", 3L * hidden, "3 peephole rows as wide as 'cPrev'", cPrev);
        return (batch, hidden);
    }

    /// <summary>Shapes of <see cref="IBackend{T}.GruCellForward"/>: <c>gates</c>, <c>hGates [B, 3H]</c> and <c>h</c> like
    /// <c>hPrev [B, H]</c>. Returns B and H.</summary>
    public static (int Batch, int Hidden) GruCellForward<T>(string op, Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (batch, hidden) = GruGates(op, gates, hPrev);
        SameLength(op, hGates, "hGates", gates, "gates");
        SameLength(op, h, "h", hPrev, "hPrev");
        return (batch, hidden);
    }

    /// <summary>Shapes of <see cref="IBackend{T}.GruCellBackward"/>: those of the forward pass and the gradients like what
    /// they differentiate. Returns B and H.</summary>
    public static (int Batch, int Hidden) GruCellBackward<T>(string op, Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> dh,
        Tensor<T> dGates, Tensor<T> dhGates, Tensor<T> dhPrev) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (batch, hidden) = GruGates(op, gates, hPrev);
        SameLength(op, hGates, "hGates", gates, "gates");
        SameLength(op, dGates, "dGates", gates, "gates");
        SameLength(op, dhGates, "dhGates", gates, "gates");
        SameLength(op, dh, "dh", hPrev, "hPrev");
        SameLength(op, dhPrev, "dhPrev", hPrev, "hPrev");
        return (batch, hidden);
    }

    /// <summary>Shapes of <see cref="IBackend{T}.GruOriginalGatesForward"/>: <c>gates [B, 3H]</c>, <c>resetHidden</c> like
    /// <c>hPrev [B, H]</c>. Returns B and H.</summary>
    public static (int Batch, int Hidden) GruOriginalGatesForward<T>(string op, Tensor<T> gates, Tensor<T> hPrev, Tensor<T> resetHidden)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (batch, hidden) = GruGates(op, gates, hPrev);
        SameLength(op, resetHidden, "resetHidden", hPrev, "hPrev");
        return (batch, hidden);
    }

    /// <summary>Shapes of <see cref="IBackend{T}.GruOriginalCellForward"/>: <c>gates [B, 3H]</c>, <c>h</c> like
    /// <c>hPrev [B, H]</c>. Returns B and H.</summary>
    public static (int Batch, int Hidden) GruOriginalCellForward<T>(string op, Tensor<T> gates, Tensor<T> hPrev, Tensor<T> h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (batch, hidden) = GruGates(op, gates, hPrev);
        SameLength(op, h, "h", hPrev, "hPrev");
        return (batch, hidden);
    }

    /// <summary>Shapes of <see cref="IBackend{T}.GruOriginalCellBackward"/>: <c>gates</c>, <c>dGates [B, 3H]</c> and
    /// <c>dh</c>, <c>dhPrev</c> like <c>hPrev [B, H]</c>. Returns B and H.</summary>
    public static (int Batch, int Hidden) GruOriginalCellBackward<T>(string op, Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dh,
        Tensor<T> dGates, Tensor<T> dhPrev) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (batch, hidden) = GruGates(op, gates, hPrev);
        SameLength(op, dGates, "dGates", gates, "gates");
        SameLength(op, dh, "dh", hPrev, "hPrev");
        SameLength(op, dhPrev, "dhPrev", hPrev, "hPrev");
        return (batch, hidden);
    }

    /// <summary>Shapes of <see cref="IBackend{T}.GruOriginalGatesBackward"/>: <c>gates</c>, <c>dGates [B, 3H]</c> and
    /// <c>dResetHidden</c>, <c>dhPrev</c> like <c>hPrev [B, H]</c>. Returns B and H.</summary>
    public static (int Batch, int Hidden) GruOriginalGatesBackward<T>(string op, Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dResetHidden,
        Tensor<T> dGates, Tensor<T> dhPrev) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (batch, hidden) = GruGates(op, gates, hPrev);
        SameLength(op, dGates, "dGates", gates, "gates");
        SameLength(op, dResetHidden, "dResetHidden", hPrev, "hPrev");
        SameLength(op, dhPrev, "dhPrev", hPrev, "hPrev");
        return (batch, hidden);
    }

    /// <summary>The check every GRU op shares: <c>gates [B, 3H]</c> against <c>hPrev [B, H]</c>.</summary>
    private static (int Batch, int Hidden) GruGates<T>(string op, Tensor<T> gates, Tensor<T> hPrev) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (batch, hidden) = hPrev.AsMatrix();
        Length(op, gates, "gates", 3L * batch * hidden, "3 gates per element of 'hPrev'", hPrev);
        return (batch, hidden);
    }

    /// <summary>Shapes and options of <see cref="IBackend{T}.LayerNormForward"/>.</summary>
    public static void LayerNormForward<T>(string op, Tensor<T> x, Tensor<T>? weight, Tensor<T>? bias, T epsilon, Tensor<T> y, Tensor<T> mean, Tensor<T> rstd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, cols) = x.AsMatrix();
        SameLength(op, x, "x", y, "y");
        if (weight is not null) Length(op, weight, "weight", cols, "one value per column of 'x'", x);
        if (bias is not null) Length(op, bias, "bias", cols, "one value per column of 'x'", x);
        if (bias is not null && weight is null) throw new ArgumentException($"{op}: 'bias' {bias.ShapeText} needs a 'weight' too (elementwise affine has both).");
        Length(op, mean, "mean", rows, "one value per row of 'x'", x);
        Length(op, rstd, "rstd", rows, "one value per row of 'x'", x);
        if (!(epsilon >= T.Zero)) throw new ArgumentException($"{op}: epsilon must be ≥ 0, got {epsilon}.");
    }

    /// <summary>Shapes of <see cref="IBackend{T}.LayerNormBackward"/>.</summary>
    public static void LayerNormBackward<T>(string op, Tensor<T> x, Tensor<T>? weight, Tensor<T> mean, Tensor<T> rstd, Tensor<T> dy,
        Tensor<T>? dx, Tensor<T>? dWeight, Tensor<T>? dBias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, cols) = x.AsMatrix();
        SameLength(op, x, "x", dy, "dy");
        if (dx is not null) SameLength(op, x, "x", dx, "dx");
        if (weight is not null) Length(op, weight, "weight", cols, "one value per column of 'x'", x);
        if (dWeight is not null) Length(op, dWeight, "dWeight", cols, "one value per column of 'x'", x);
        if (dBias is not null) Length(op, dBias, "dBias", cols, "one value per column of 'x'", x);
        Length(op, mean, "mean", rows, "one value per row of 'x'", x);
        Length(op, rstd, "rstd", rows, "one value per row of 'x'", x);
    }
}
