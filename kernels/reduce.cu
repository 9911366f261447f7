// Reductions (IBackend.Reductions.cs): column sums (SumRows), row sums (SumCols), Σx² in double, the index of each row's
// largest element (ArgMaxRows), and the final sum of per-block double partials that the losses share. Every sum is
// deterministic: fixed assignment of elements to threads and a fixed combining tree, no atomics.
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

/// Whether (a, ia) comes before (b, ib) in argmax order: NaN first, then larger, then the smaller index.
template <class T> __device__ __forceinline__ bool argmax_before(T a, int ia, T b, int ib)
{
    bool na = a != a, nb = b != b;
    if (na || nb) return na && (!nb || ia < ib);
    return a > b || (a == b && ia < ib);
}

/// out[r] = the first index of row r's largest element (NaN counts largest): one block per row; each thread scans a
/// stride of the row, then a warp-shuffle and shared-memory tree keeps the winning (value, index) pair. The order is
/// total, so the result does not depend on the tree.
template <class T> __device__ void argmax_rows(const T* x, int rows, int cols, int* out)
{
    __shared__ T values[32];
    __shared__ int where[32];
    const T* row = x + (i64)blockIdx.x * cols;
    T best = row[0];
    int at = 0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
        if (argmax_before(row[c], c, best, at)) { best = row[c]; at = c; }
    for (int o = 16; o > 0; o >>= 1)
    {
        T v = __shfl_xor_sync(0xffffffffu, best, o);
        int i = __shfl_xor_sync(0xffffffffu, at, o);
        if (argmax_before(v, i, best, at)) { best = v; at = i; }
    }
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, warps = blockDim.x >> 5;
    if (lane == 0) { values[w] = best; where[w] = at; }
    __syncthreads();
    if (w == 0)
    {
        best = lane < warps ? values[lane] : row[0];
        at = lane < warps ? where[lane] : 0;
        for (int o = 16; o > 0; o >>= 1)
        {
            T v = __shfl_xor_sync(0xffffffffu, best, o);
            int i = __shfl_xor_sync(0xffffffffu, at, o);
            if (argmax_before(v, i, best, at)) { best = v; at = i; }
        }
        if (lane == 0) out[blockIdx.x] = at;
    }
}
} // namespace sc

SC_ENTRIES(sum_rows, (const T* x, int rows, int cols, int accumulate, T* y), (x, rows, cols, accumulate, y))
SC_ENTRIES(sum_cols, (const T* x, int rows, int cols, int accumulate, T* y), (x, rows, cols, accumulate, y))
SC_ENTRIES(sum_squares, (const T* x, i64 n, double* partials), (x, n, partials))
SC_ENTRIES(sum_doubles, (const double* partials, int count, double* out), (partials, count, out))
SC_ENTRIES(argmax_rows, (const T* x, int rows, int cols, int* out), (x, rows, cols, out))

SC_EMU_REGISTER(sc_sum_rows_f32, sc_sum_rows_f64, sc_sum_cols_f32, sc_sum_cols_f64, sc_sum_squares_f32, sc_sum_squares_f64,
    sc_sum_doubles_f32, sc_sum_doubles_f64, sc_argmax_rows_f32, sc_argmax_rows_f64)
