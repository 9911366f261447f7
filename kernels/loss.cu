// Losses (IBackend.Loss.cs): fused softmax cross-entropy (ignore index, label smoothing), BCE with logits (pos_weight),
// MSE. Forwards leave double partial sums (per row or per block) that reduce.cu's sum_doubles adds up; backwards
// overwrite the gradient and may alias the logits (each element is read before the thread that owns it writes it).
#include "common.cuh"

namespace sc
{
/// Row max and Σ e^(x − max) of one row, both in T (as the CPU backend), shared by forward and backward.
template <class T> __device__ void row_stats(const T* xr, int cols, T* scratch, T& m, T& s)
{
    T mx = negative_infinity<T>();
    for (int c = threadIdx.x; c < cols; c += blockDim.x) mx = max_(mx, xr[c]);
    m = block_max(mx, scratch);
    T sum = T(0);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) sum += exp_(xr[c] - m);
    s = block_sum(sum, scratch);
}

/// loss_r = lse(x_r) − (1 − ε)·x_rt − (ε/C)·Σ_c x_rc (0 for ignored rows), into rowLossD (double) and rowLoss (T, optional).
template <class T> __device__ void cross_entropy_forward(const T* x, const int* targets, int ignore, double eps, int rows, int cols,
    T* rowLoss, double* rowLossD)
{
    __shared__ T scratch[32];
    int r = blockIdx.x, t = targets[r];
    if (t == ignore)
    {
        if (threadIdx.x == 0)
        {
            rowLossD[r] = 0.0;
            if (rowLoss) rowLoss[r] = T(0);
        }
        return;
    }
    const T* xr = x + (i64)r * cols;
    T m, s;
    row_stats(xr, cols, scratch, m, s);
    T total = T(0);
    if (eps != 0.0)
    {
        for (int c = threadIdx.x; c < cols; c += blockDim.x) total += xr[c];
        total = block_sum(total, scratch);
    }
    if (threadIdx.x == 0)
    {
        double loss = (double)m + log((double)s) - (1.0 - eps) * (double)xr[t];
        if (eps != 0.0) loss -= eps / cols * (double)total;
        rowLossD[r] = loss;
        if (rowLoss) rowLoss[r] = T(loss);
    }
}

/// dx_c = e^(x_c − m)·(k/s) − k·ε/C, and dx_t −= k·(1 − ε); ignored rows get 0.
template <class T> __device__ void cross_entropy_backward(const T* x, const int* targets, int ignore, double eps, double k, int rows, int cols, T* dx)
{
    __shared__ T scratch[32];
    int r = blockIdx.x, t = targets[r];
    T* dr = dx + (i64)r * cols;
    if (t == ignore)
    {
        for (int c = threadIdx.x; c < cols; c += blockDim.x) dr[c] = T(0);
        return;
    }
    const T* xr = x + (i64)r * cols;
    T m, s;
    row_stats(xr, cols, scratch, m, s);
    const T a = T(k / (double)s), b = T(k * eps / cols), kt = T(k * (1.0 - eps));
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
    {
        T v = exp_(xr[c] - m) * a - b;
        dr[c] = c == t ? v - kt : v;
    }
}

/// ℓ = (1 − y)·x + w·(log(1 + e^−|x|) + max(−x, 0)), w = 1 + (p − 1)·y; per-block partial sums in double.
template <class T> __device__ void bce_forward(const T* x, const T* y, const T* pw, i64 n, int cols, double* partials)
{
    __shared__ double scratch[32];
    double s = 0;
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        T xv = x[i], yv = y[i];
        T w = pw ? T(1) + (pw[i % cols] - T(1)) * yv : T(1);
        s += (double)((T(1) - yv) * xv + w * (log_(T(1) + exp_(-abs_(xv))) + max_(-xv, T(0))));
    }
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

/// dx = ((1 − y) − w·σ(−x))·k with σ(−x) = 1/(1 + e^x).
template <class T> __device__ void bce_backward(const T* x, const T* y, const T* pw, i64 n, int cols, T k, T* dx)
{
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        T xv = x[i], yv = y[i];
        T w = pw ? T(1) + (pw[i % cols] - T(1)) * yv : T(1);
        dx[i] = ((T(1) - yv) - w * (T(1) / (T(1) + exp_(xv)))) * k;
    }
}

template <class T> __device__ void mse_forward(const T* p, const T* t, i64 n, double* partials)
{
    __shared__ double scratch[32];
    double s = 0;
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        T d = p[i] - t[i];
        s += (double)(d * d);
    }
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

template <class T> __device__ void mse_backward(const T* p, const T* t, T k, T* dp, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) dp[i] = k * (p[i] - t[i]);
}
} // namespace sc

SC_ENTRIES(cross_entropy_forward, (const T* x, const int* targets, int ignore, double eps, int rows, int cols, T* rowLoss, double* rowLossD),
    (x, targets, ignore, eps, rows, cols, rowLoss, rowLossD))
SC_ENTRIES(cross_entropy_backward, (const T* x, const int* targets, int ignore, double eps, double k, int rows, int cols, T* dx),
    (x, targets, ignore, eps, k, rows, cols, dx))
SC_ENTRIES(bce_forward, (const T* x, const T* y, const T* pw, i64 n, int cols, double* partials), (x, y, pw, n, cols, partials))
SC_ENTRIES(bce_backward, (const T* x, const T* y, const T* pw, i64 n, int cols, T k, T* dx), (x, y, pw, n, cols, k, dx))
SC_ENTRIES(mse_forward, (const T* p, const T* t, i64 n, double* partials), (p, t, n, partials))
SC_ENTRIES(mse_backward, (const T* p, const T* t, T k, T* dp, i64 n), (p, t, k, dp, n))

SC_EMU_REGISTER(sc_cross_entropy_forward_f32, sc_cross_entropy_forward_f64, sc_cross_entropy_backward_f32, sc_cross_entropy_backward_f64,
    sc_bce_forward_f32, sc_bce_forward_f64, sc_bce_backward_f32, sc_bce_backward_f64, sc_mse_forward_f32, sc_mse_forward_f64,
    sc_mse_backward_f32, sc_mse_backward_f64)
