// Row-wise softmax and log-softmax over the last dimension, forward and backward (IBackend.cs). One block per row; the
// row statistics (max, Σ e^(x − max), Σ y·dy, Σ dy) are block reductions, so y or dx may alias the inputs: every
// element is read in the reduction passes before the barrier and written afterwards by the thread that reads it.
#include "common.cuh"

namespace sc
{
template <class T> __device__ void softmax(const T* x, T* y, int rows, int cols, int log_softmax)
{
    __shared__ T scratch[32];
    const T* xr = x + (i64)blockIdx.x * cols;
    T* yr = y + (i64)blockIdx.x * cols;
    T m = negative_infinity<T>();
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = max_(m, xr[c]);
    m = block_max(m, scratch);
    if (m == negative_infinity<T>()) m = T(0); // an all −∞ row gives NaN, as PyTorch and the CPU backend
    T s = T(0);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += exp_(xr[c] - m);
    s = block_sum(s, scratch);
    if (log_softmax)
    {
        // (x − max) − log Σ: the order keeps large logits exact (see the CPU backend).
        T ls = log_(s);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = (xr[c] - m) - ls;
    }
    else
    {
        T inv = T(1) / s;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = exp_(xr[c] - m) * inv;
    }
}

/// softmax: dx = y ⊙ (dy − Σ y·dy); log-softmax: dx = dy − e^y·Σ dy.
template <class T> __device__ void softmax_backward(const T* y, const T* dy, T* dx, int rows, int cols, int log_softmax)
{
    __shared__ T scratch[32];
    i64 o = (i64)blockIdx.x * cols;
    T s = T(0);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += log_softmax ? dy[o + c] : y[o + c] * dy[o + c];
    s = block_sum(s, scratch);
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
    {
        T yv = y[o + c], g = dy[o + c];
        dx[o + c] = log_softmax ? g - exp_(yv) * s : yv * (g - s);
    }
}
} // namespace sc

SC_ENTRIES(softmax, (const T* x, T* y, int rows, int cols, int log_softmax), (x, y, rows, cols, log_softmax))
SC_ENTRIES(softmax_backward, (const T* y, const T* dy, T* dx, int rows, int cols, int log_softmax), (y, dy, dx, rows, cols, log_softmax))

SC_EMU_REGISTER(sc_softmax_f32, sc_softmax_f64, sc_softmax_backward_f32, sc_softmax_backward_f64)
