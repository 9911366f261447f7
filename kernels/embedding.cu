// Row gathers, scatters and copies (IBackend.Sequence.cs, and the positional rows of IBackend.Norm.cs): embedding
// lookup and its scatter-add backward, length masks of ragged batches, strided 2-D copies, the batch-first ↔ time-major
// swap, bias broadcast, and adding/accumulating positional table rows. One thread per output element; indices were
// checked on the host.
#include "common.cuh"

namespace sc
{
template <class T> __device__ void gather(const T* table, const int* idx, T* y, int n, int dim)
{
    i64 total = (i64)n * dim;
    for (i64 i = global_index(); i < total; i += global_stride()) y[i] = table[(i64)idx[i / dim] * dim + i % dim];
}

/// dTable[idx[i], :] += dy[i, :] with atomics (repeated indices collide); rows whose index is `skip` are left out.
template <class T> __device__ void scatter_add_rows(const T* dy, const int* idx, int skip, T* table, int n, int dim)
{
    i64 total = (i64)n * dim;
    for (i64 i = global_index(); i < total; i += global_stride())
    {
        int row = idx[i / dim];
        if (row != skip) atomicAdd(table + (i64)row * dim + i % dim, dy[i]);
    }
}

/// y[b] = (t < lengths[b]) ? a[b] : b_[b], per element (y may alias either).
template <class T> __device__ void select_rows(const T* lengths, int t, const T* active, const T* inactive, T* y, int rows, int cols)
{
    i64 total = (i64)rows * cols;
    const T tt = T(t);
    for (i64 i = global_index(); i < total; i += global_stride()) y[i] = tt < lengths[i / cols] ? active[i] : inactive[i];
}

template <class T> __device__ void mask_rows(const T* lengths, int t, int keepActive, const T* x, T* y, int rows, int cols)
{
    i64 total = (i64)rows * cols;
    const T tt = T(t);
    for (i64 i = global_index(); i < total; i += global_stride()) y[i] = ((tt < lengths[i / cols]) == (keepActive != 0)) ? x[i] : T(0);
}

template <class T> __device__ void copy2d(const T* x, int rows, int cols, int ldx, T* y, int ldy)
{
    i64 total = (i64)rows * cols;
    for (i64 i = global_index(); i < total; i += global_stride())
    {
        i64 r = i / cols, c = i % cols;
        y[r * ldy + c] = x[r * ldx + c];
    }
}

/// x [A, B, C] → y [B, A, C].
template <class T> __device__ void swap_leading(const T* x, int a, int b, i64 c, T* y)
{
    i64 total = (i64)a * b * c;
    for (i64 i = global_index(); i < total; i += global_stride())
    {
        i64 k = i % c, ji = i / c, j = ji / a, ii = ji % a; // y index (j, ii, k)
        y[i] = x[(ii * b + j) * c + k];
    }
}

template <class T> __device__ void broadcast_rows(const T* row, T* y, int rows, int cols)
{
    i64 total = (i64)rows * cols;
    for (i64 i = global_index(); i < total; i += global_stride()) y[i] = row[i % cols];
}

/// y[.., t, .., :] = x + table[start + t, :] for [T, B, D] (time-major) or [B, T, D] (batch-first).
template <class T> __device__ void add_position_rows(const T* x, const T* table, int start, int batchFirst, T* y, int steps, int batch, int dim)
{
    i64 total = (i64)steps * batch * dim;
    for (i64 i = global_index(); i < total; i += global_stride())
    {
        i64 d = i % dim, row = i / dim;
        i64 t = batchFirst ? row % steps : row / batch;
        y[i] = x[i] + table[(start + t) * dim + d];
    }
}

/// dTable[start + t, d] += Σ_b dy[t, b, d]: one thread per (t, d), batch entries added in order (deterministic).
template <class T> __device__ void accumulate_position_rows(const T* dy, int start, int batchFirst, T* table, int steps, int batch, int dim)
{
    i64 total = (i64)steps * dim;
    for (i64 i = global_index(); i < total; i += global_stride())
    {
        i64 t = i / dim, d = i % dim;
        T* dst = table + (start + t) * dim + d;
        T acc = *dst;
        for (int b = 0; b < batch; b++) acc += dy[((batchFirst ? (i64)b * steps + t : t * batch + b)) * dim + d];
        *dst = acc;
    }
}
} // namespace sc

SC_ENTRIES(gather, (const T* table, const int* idx, T* y, int n, int dim), (table, idx, y, n, dim))
SC_ENTRIES(scatter_add_rows, (const T* dy, const int* idx, int skip, T* table, int n, int dim), (dy, idx, skip, table, n, dim))
SC_ENTRIES(select_rows, (const T* lengths, int t, const T* active, const T* inactive, T* y, int rows, int cols),
    (lengths, t, active, inactive, y, rows, cols))
SC_ENTRIES(mask_rows, (const T* lengths, int t, int keepActive, const T* x, T* y, int rows, int cols), (lengths, t, keepActive, x, y, rows, cols))
SC_ENTRIES(copy2d, (const T* x, int rows, int cols, int ldx, T* y, int ldy), (x, rows, cols, ldx, y, ldy))
SC_ENTRIES(swap_leading, (const T* x, int a, int b, i64 c, T* y), (x, a, b, c, y))
SC_ENTRIES(broadcast_rows, (const T* row, T* y, int rows, int cols), (row, y, rows, cols))
SC_ENTRIES(add_position_rows, (const T* x, const T* table, int start, int batchFirst, T* y, int steps, int batch, int dim),
    (x, table, start, batchFirst, y, steps, batch, dim))
SC_ENTRIES(accumulate_position_rows, (const T* dy, int start, int batchFirst, T* table, int steps, int batch, int dim),
    (dy, start, batchFirst, table, steps, batch, dim))

SC_EMU_REGISTER(sc_gather_f32, sc_gather_f64, sc_scatter_add_rows_f32, sc_scatter_add_rows_f64, sc_select_rows_f32, sc_select_rows_f64,
    sc_mask_rows_f32, sc_mask_rows_f64, sc_copy2d_f32, sc_copy2d_f64, sc_swap_leading_f32, sc_swap_leading_f64, sc_broadcast_rows_f32,
    sc_broadcast_rows_f64, sc_add_position_rows_f32, sc_add_position_rows_f64, sc_accumulate_position_rows_f32,
    sc_accumulate_position_rows_f64)
