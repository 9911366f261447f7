// Layer normalisation over the last dimension (IBackend.Norm.cs). Forward and dx: one block per row. Parameter
// gradients: a column reduction (block 32 × 8, as sum_rows), so every dWeight/dBias element is written by one thread
// in a fixed order: deterministic, no atomics.
#include "common.cuh"

namespace sc
{
/// μ = x₀ + δ with δ = Σ(x − x₀)/D (shift by the row's first element keeps precision for large means),
/// σ² = Σ((x − x₀) − δ)²/D, rstd = 1/√(σ² + ε), y = ((x − x₀) − δ)·rstd·w + b.
template <class T> __device__ void layernorm_forward(const T* x, const T* w, const T* b, T eps, T* y, T* mean, T* rstd, int rows, int cols)
{
    __shared__ T scratch[32];
    i64 o = (i64)blockIdx.x * cols;
    const T x0 = x[o];
    T s = T(0);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += x[o + c] - x0;
    s = block_sum(s, scratch);
    const T n = T(cols), delta = s / n;
    T q = T(0);
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
    {
        T d = (x[o + c] - x0) - delta;
        q += d * d;
    }
    q = block_sum(q, scratch);
    const T rs = T(1) / sqrt_(q / n + eps);
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
    {
        T v = ((x[o + c] - x0) - delta) * rs;
        if (w) v = b ? v * w[c] + b[c] : v * w[c];
        y[o + c] = v;
    }
    if (threadIdx.x == 0)
    {
        mean[blockIdx.x] = x0 + delta;
        rstd[blockIdx.x] = rs;
    }
}

/// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w (or dy), x̂ = (x − μ)·rstd.
template <class T> __device__ void layernorm_backward_dx(const T* x, const T* w, const T* mean, const T* rstd, const T* dy, T* dx, int rows, int cols)
{
    __shared__ T scratch[32];
    i64 o = (i64)blockIdx.x * cols;
    const T m = mean[blockIdx.x], rs = rstd[blockIdx.x];
    T a = T(0), c2 = T(0);
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
    {
        T g = w ? dy[o + c] * w[c] : dy[o + c];
        a += g;
        c2 += g * ((x[o + c] - m) * rs);
    }
    a = block_sum(a, scratch);
    c2 = block_sum(c2, scratch);
    const T n = T(cols), ma = a / n, mc = c2 / n;
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
    {
        T g = w ? dy[o + c] * w[c] : dy[o + c];
        T xh = (x[o + c] - m) * rs;
        dx[o + c] = (g - ma - xh * mc) * rs;
    }
}

/// dw[c] += Σ_r dy·x̂, db[c] += Σ_r dy. Block (32, 8) with dynamic shared memory [2][8][32].
template <class T> __device__ void layernorm_backward_params(const T* x, const T* dy, const T* mean, const T* rstd, T* dw, T* db, int rows, int cols)
{
    SC_DYNAMIC_SHARED(T, part);
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    T sw = T(0), sb = T(0);
    if (c < cols)
        for (int r = threadIdx.y; r < rows; r += blockDim.y)
        {
            i64 i = (i64)r * cols + c;
            sw += dy[i] * ((x[i] - mean[r]) * rstd[r]);
            sb += dy[i];
        }
    int slot = threadIdx.y * blockDim.x + threadIdx.x, plane = blockDim.x * blockDim.y;
    part[slot] = sw;
    part[plane + slot] = sb;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols)
    {
        T tw = T(0), tb = T(0);
        for (unsigned k = 0; k < blockDim.y; k++)
        {
            tw += part[k * blockDim.x + threadIdx.x];
            tb += part[plane + k * blockDim.x + threadIdx.x];
        }
        if (dw) dw[c] += tw;
        if (db) db[c] += tb;
    }
}
} // namespace sc

SC_ENTRIES(layernorm_forward, (const T* x, const T* w, const T* b, T eps, T* y, T* mean, T* rstd, int rows, int cols),
    (x, w, b, eps, y, mean, rstd, rows, cols))
SC_ENTRIES(layernorm_backward_dx, (const T* x, const T* w, const T* mean, const T* rstd, const T* dy, T* dx, int rows, int cols),
    (x, w, mean, rstd, dy, dx, rows, cols))
SC_ENTRIES(layernorm_backward_params, (const T* x, const T* dy, const T* mean, const T* rstd, T* dw, T* db, int rows, int cols),
    (x, dy, mean, rstd, dw, db, rows, cols))

SC_EMU_REGISTER(sc_layernorm_forward_f32, sc_layernorm_forward_f64, sc_layernorm_backward_dx_f32, sc_layernorm_backward_dx_f64,
    sc_layernorm_backward_params_f32, sc_layernorm_backward_params_f64)
