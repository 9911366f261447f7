// Reductions (IBackend.cs): column sums (SumRows), row sums (SumCols), Σx² in double, and the final sum of per-block
// double partials that the losses share. Every sum is deterministic: fixed assignment of elements to threads and a
// fixed combining tree, no atomics.
#include "common.cuh"

namespace sc
{
/// y[c] (+)= Σ_r x[r, c]. Block (32, 8): threadIdx.x picks the column, threadIdx.y a stride-8 subset of the rows; the
/// eight partial sums meet in dynamic shared memory [8][32].
template <class T> __device__ void sum_rows(const T* x, int rows, int cols, int accumulate, T* y)
{
    SC_DYNAMIC_SHARED(T, part);
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    T s = T(0);
    if (c < cols)
        for (int r = threadIdx.y; r < rows; r += blockDim.y) s += x[(i64)r * cols + c];
    part[threadIdx.y * blockDim.x + threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols)
    {
        T t = T(0);
        for (unsigned k = 0; k < blockDim.y; k++) t += part[k * blockDim.x + threadIdx.x];
        y[c] = accumulate ? y[c] + t : t;
    }
}

/// y[r] (+)= Σ_c x[r, c]: one block per row.
template <class T> __device__ void sum_cols(const T* x, int rows, int cols, int accumulate, T* y)
{
    __shared__ T scratch[32];
    const T* row = x + (i64)blockIdx.x * cols;
    T s = T(0);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += row[c];
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) y[blockIdx.x] = accumulate ? y[blockIdx.x] + s : s;
}

/// partials[block] = Σ x² over the block's grid-stride elements, in double.
template <class T> __device__ void sum_squares(const T* x, i64 n, double* partials)
{
    __shared__ double scratch[32];
    double s = 0;
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        double v = (double)x[i];
        s += v * v;
    }
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

/// out[0] = Σ partials[0 .. count): one block (the same tree for both entry types; T is unused).
template <class T> __device__ void sum_doubles(const double* partials, int count, double* out)
{
    __shared__ double scratch[32];
    double s = 0;
    for (int i = threadIdx.x; i < count; i += blockDim.x) s += partials[i];
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) out[0] = s;
}
} // namespace sc

SC_ENTRIES(sum_rows, (const T* x, int rows, int cols, int accumulate, T* y), (x, rows, cols, accumulate, y))
SC_ENTRIES(sum_cols, (const T* x, int rows, int cols, int accumulate, T* y), (x, rows, cols, accumulate, y))
SC_ENTRIES(sum_squares, (const T* x, i64 n, double* partials), (x, n, partials))
SC_ENTRIES(sum_doubles, (const double* partials, int count, double* out), (partials, count, out))

SC_EMU_REGISTER(sc_sum_rows_f32, sc_sum_rows_f64, sc_sum_cols_f32, sc_sum_cols_f64, sc_sum_squares_f32, sc_sum_squares_f64,
    sc_sum_doubles_f32, sc_sum_doubles_f64)
